import Foundation

/// How a ``FakeElevenLabsServer`` behaves: the account, its limits, latency and faults.
///
/// The defaults are a generous account: key `test-key`, three voices, five concurrent requests, no
/// rate limit, 100,000 characters, no latency and no faults.
public struct FakeElevenLabsConfiguration: Sendable {
    /// The only key accepted in the `xi-api-key` header.
    public var apiKey: String
    /// The account's voices, in the order `GET /v2/voices` lists them.
    public var voices: [FakeElevenLabsVoice]
    /// Text-to-speech requests allowed in flight at once; one more is answered with 429
    /// `too_many_concurrent_requests`. Also sent as `maximum-concurrent-requests`.
    public var concurrencyLimit: Int
    /// Text-to-speech requests admitted per sliding second; one more is answered with 429
    /// `system_busy` and `Retry-After`. `nil` is no rate limit.
    public var requestsPerSecond: Int?
    /// The account's character quota per period.
    public var characterLimit: Int
    /// Characters already used this period when the server starts.
    public var charactersUsed: Int
    /// The longest text accepted, in Unicode scalars; longer is a 422.
    public var maximumTextLength: Int
    /// How long an admitted text-to-speech request takes, drawn uniformly from this range with
    /// the seeded generator.
    public var latency: ClosedRange<Duration>
    /// Which admitted text-to-speech requests fail, and how.
    public var faults: FakeElevenLabsFaultRule
    /// Seeds the generator behind latency and random faults, so runs repeat.
    public var seed: UInt64
    /// How many chunks the streaming endpoint (`…/stream`) sends the audio in.
    public var streamChunks: Int
    /// The pause between two chunks of a streamed answer (the latency comes before the first).
    public var streamChunkInterval: Duration

    /// Creates a configuration.
    /// - Parameters:
    ///   - apiKey: The accepted key.
    ///   - voices: The account's voices.
    ///   - concurrencyLimit: Text-to-speech requests allowed in flight at once (at least 1).
    ///   - requestsPerSecond: Requests admitted per sliding second, or `nil` for no limit.
    ///   - characterLimit: The character quota.
    ///   - charactersUsed: Characters already used.
    ///   - maximumTextLength: The longest text accepted.
    ///   - latency: The range each admitted request's latency is drawn from.
    ///   - faults: The fault rule.
    ///   - seed: The generator's seed.
    ///   - streamChunks: How many chunks a streamed answer is sent in (at least 1).
    ///   - streamChunkInterval: The pause between two chunks of a streamed answer.
    public init(
        apiKey: String = "test-key",
        voices: [FakeElevenLabsVoice] = FakeElevenLabsVoice.defaults,
        concurrencyLimit: Int = 5,
        requestsPerSecond: Int? = nil,
        characterLimit: Int = 100_000,
        charactersUsed: Int = 0,
        maximumTextLength: Int = 5_000,
        latency: ClosedRange<Duration> = .zero ... .zero,
        faults: FakeElevenLabsFaultRule = .none,
        seed: UInt64 = 0,
        streamChunks: Int = 4,
        streamChunkInterval: Duration = .zero
    ) {
        self.apiKey = apiKey
        self.voices = voices
        self.concurrencyLimit = max(1, concurrencyLimit)
        self.requestsPerSecond = requestsPerSecond.map { max(1, $0) }
        self.characterLimit = characterLimit
        self.charactersUsed = charactersUsed
        self.maximumTextLength = maximumTextLength
        self.latency = latency
        self.faults = faults
        self.seed = seed
        self.streamChunks = max(1, streamChunks)
        self.streamChunkInterval = streamChunkInterval
    }
}

/// A voice of the fake account.
public struct FakeElevenLabsVoice: Sendable, Hashable {
    /// The id used in `/v1/text-to-speech/{voice_id}`.
    public var id: String
    /// The display name.
    public var name: String
    /// The category reported by `/v2/voices` (`premade`, `cloned`, `generated`, `professional`).
    public var category: String

    /// Creates a voice.
    /// - Parameters:
    ///   - id: The voice id.
    ///   - name: The display name.
    ///   - category: The category.
    public init(id: String, name: String, category: String = "premade") {
        self.id = id
        self.name = name
        self.category = category
    }

    /// Three premade voices with the ids of ElevenLabs' Rachel, Domi and Bella.
    public static let defaults: [FakeElevenLabsVoice] = [
        FakeElevenLabsVoice(id: "21m00Tcm4TlvDq8ikWAM", name: "Rachel"),
        FakeElevenLabsVoice(id: "AZnzlk1XvdvUeBnXmlld", name: "Domi"),
        FakeElevenLabsVoice(id: "EXAVITQu4vr4xnSDxMaL", name: "Bella"),
    ]

    /// `count` voices named `voice-0`, `voice-1`, …, for pagination tests.
    /// - Parameter count: How many.
    /// - Returns: The voices.
    public static func numbered(_ count: Int) -> [FakeElevenLabsVoice] {
        (0..<count).map { FakeElevenLabsVoice(id: "voice-\($0)", name: "Voice \($0)") }
    }
}

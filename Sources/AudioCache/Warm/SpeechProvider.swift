/// Something that turns text into speech: ElevenLabs over HTTP, the local espeak-ng, a fake in
/// tests.
///
/// A provider renders one phrase per call and says, through ``SpeechProviderError``, what a
/// failure means for the run (stop everything, skip a voice, skip a phrase, or try again later).
/// It does not retry, pace or limit itself: the warm scheduler does that for every provider alike.
public protocol SpeechProvider: Sendable {
    /// The provider's name as the index records it (`elevenlabs`, `espeak-ng`).
    var name: String { get }

    /// Renders one phrase.
    /// - Parameter request: What to say, and how.
    /// - Returns: The audio and what exactly was rendered.
    /// - Throws: ``SpeechProviderError``.
    func render(_ request: SpeechRequest) async throws(SpeechProviderError) -> SpeechAudio

    /// Checks, before a run spends anything, that the provider can render what the run needs: a
    /// paid provider compares the characters with what the account has left and the voices with
    /// the account's. ``Warmer`` calls it once, before the first request.
    /// - Parameters:
    ///   - characters: The most characters the run will send (its budget when that is smaller).
    ///   - voices: The voices the run will ask for.
    ///   - allowingOverQuota: Whether to go on when the account has fewer characters left.
    /// - Returns: The voices that cannot be used, with why; their renderings are skipped.
    /// - Throws: A ``SpeechProviderError/Scope/run`` error when the run must not start (too few
    ///   characters left, a refused key).
    func preflight(
        characters: Int,
        voices: Set<String>,
        allowingOverQuota: Bool
    ) async throws(SpeechProviderError) -> [String: SpeechProviderError]
}

extension SpeechProvider {
    /// Nothing to check: a local engine costs nothing and knows its voices as it renders.
    /// - Returns: No unusable voice.
    public func preflight(
        characters: Int,
        voices: Set<String>,
        allowingOverQuota: Bool
    ) async throws(SpeechProviderError) -> [String: SpeechProviderError] {
        [:]
    }
}

/// A provider that can hand its audio on while it is still speaking: what `audiocache serve`
/// uses to answer a miss as the audio arrives instead of after the last byte.
///
/// ElevenLabs' streaming endpoint and espeak-ng's standard output both deliver audio in parts; the
/// time to the first part is what a listener waits, not the time to the whole phrase.
public protocol StreamingSpeechProvider: SpeechProvider {
    /// Renders one phrase, passing its audio to `receive` part by part as the provider sends it.
    ///
    /// `receive` is called only once the provider has accepted the request: a refusal (a bad key,
    /// an unknown voice, a rate limit) throws before any part, so a caller that waits for the
    /// first part can still answer with an error. A failure after the first part throws too;
    /// what was received is then incomplete and must not be kept.
    ///
    /// The parts, in order, are the audio as the provider sent it. The returned audio is the whole
    /// file, checked as ``SpeechProvider/render(_:)`` checks it, and is what a cache stores; it can
    /// differ from the parts in its header only (a WAV written to a pipe carries placeholder sizes,
    /// which the returned file sets).
    /// - Parameters:
    ///   - request: What to say, and how.
    ///   - receive: Called with each part, in order.
    /// - Returns: The whole audio and what exactly was rendered.
    /// - Throws: ``SpeechProviderError``.
    func stream(
        _ request: SpeechRequest,
        to receive: @escaping @Sendable (_ part: [UInt8]) async -> Void
    ) async throws(SpeechProviderError) -> SpeechAudio
}

/// One phrase to render.
public struct SpeechRequest: Sendable, Hashable {
    /// The cache key the audio will be stored under.
    public var key: CacheKey
    /// The text as written in the manifest (the first occurrence's original text).
    public var text: String
    /// The voice.
    public var voiceID: String
    /// The language.
    public var language: String
    /// The model the manifest asks for, if any (else the provider's default).
    public var modelID: String?

    /// Creates a request.
    /// - Parameters:
    ///   - key: The cache key.
    ///   - text: The original text.
    ///   - voiceID: The voice.
    ///   - language: The language.
    ///   - modelID: The model, if the manifest names one.
    public init(key: CacheKey, text: String, voiceID: String, language: String, modelID: String? = nil) {
        self.key = key
        self.text = text
        self.voiceID = voiceID
        self.language = language
        self.modelID = modelID
    }
}

/// What a provider returned for one phrase.
public struct SpeechAudio: Sendable, Hashable {
    /// The audio bytes, already checked to be the format asked for.
    public var bytes: [UInt8]
    /// What exactly was rendered.
    public var rendering: RenderingDescription
    /// Characters the provider billed (its `character-cost` header, else the text's length).
    public var billedCharacters: Int
    /// The provider's request id, if it sent one.
    public var requestID: String?
    /// The provider's history item id, if it sent one (ElevenLabs' `history-item-id`).
    public var historyItemID: String?
    /// The most requests the provider says it accepts at once, if it said
    /// (ElevenLabs' `maximum-concurrent-requests`).
    public var maximumConcurrentRequests: Int?

    /// Creates a result.
    /// - Parameters:
    ///   - bytes: The audio.
    ///   - rendering: What was rendered.
    ///   - billedCharacters: Characters billed.
    ///   - requestID: The provider's request id.
    ///   - historyItemID: The provider's history item id.
    ///   - maximumConcurrentRequests: The provider's concurrency limit, if it sent one.
    public init(
        bytes: [UInt8],
        rendering: RenderingDescription,
        billedCharacters: Int,
        requestID: String? = nil,
        historyItemID: String? = nil,
        maximumConcurrentRequests: Int? = nil
    ) {
        self.bytes = bytes
        self.rendering = rendering
        self.billedCharacters = billedCharacters
        self.requestID = requestID
        self.historyItemID = historyItemID
        self.maximumConcurrentRequests = maximumConcurrentRequests
    }
}

/// Why a provider could not render a phrase, and what that means for the run.
public struct SpeechProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the failure means for the run.
    public enum Scope: Sendable, Hashable {
        /// Nothing more can succeed (a bad API key, an exhausted quota, a missing program): stop
        /// starting requests.
        case run
        /// The voice cannot be used: fail its phrases, go on with the others.
        case voice
        /// This phrase cannot be rendered (rejected text): fail it, go on.
        case phrase
        /// A passing problem (rate limit, server error, timeout, reset): try again, after
        /// `retryAfter` when the provider said how long to wait.
        case transient(retryAfter: Duration?)
        /// The provider has too many requests in flight: try again with fewer at once.
        case tooManyConcurrent(retryAfter: Duration?)
    }

    /// What the failure means for the run.
    public var scope: Scope
    /// A short machine-readable reason (`invalid_api_key`, `voice_not_found`, `timeout`…).
    public var reason: String
    /// What happened, for people; never holds a secret.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - scope: What it means for the run.
    ///   - reason: A short machine-readable reason.
    ///   - message: What happened.
    public init(_ scope: Scope, reason: String, _ message: String) {
        self.scope = scope
        self.reason = reason
        self.message = message
    }

    /// Whether trying again may succeed.
    public var isRetryable: Bool {
        switch scope {
        case .transient, .tooManyConcurrent: true
        case .run, .voice, .phrase: false
        }
    }

    /// `reason: message`.
    public var description: String { "\(reason): \(message)" }
}

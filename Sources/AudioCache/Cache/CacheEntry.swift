import Foundation

/// One rendering in the cache: its audio file and what is known about it.
///
/// The fields are those of the reference Python implementation's metadata (`path`, `size`, `created_at`,
/// `last_accessed`, `access_count`, `text`, `voice_id`, `language`) plus what a pre-warmed cache
/// needs: the key, the audio's SHA-256, type and format, an expiry, whether it is pinned, where the
/// audio came from and exactly how it was rendered. `docs/cache-format.md` describes each field as
/// it appears in `index.json`.
public struct CacheEntry: Sendable, Hashable {
    /// The cache key.
    public var key: CacheKey
    /// The audio file's path relative to the cache folder, with `/` separators.
    public var path: String
    /// The audio file's size in bytes.
    public var size: Int
    /// The SHA-256 of the audio file.
    public var sha256: SHA256Hash
    /// The audio's MIME type, such as `audio/mpeg` or `audio/wav`.
    public var mimeType: String
    /// The audio's format as the provider names it, such as `mp3_44100_128` or `wav`.
    public var audioFormat: String
    /// When the audio was stored.
    public var createdAt: Date
    /// When a lookup last returned the entry (``createdAt`` until then).
    public var lastAccessed: Date
    /// How many lookups returned the entry.
    public var accessCount: Int
    /// When the entry expires, or `nil` when it never does (pinned entries, or a TTL of 0).
    public var expiresAt: Date?
    /// Whether runtime eviction and TTL leave the entry alone (pre-warmed and recorded entries).
    public var isPinned: Bool
    /// Where the audio came from.
    public var source: AudioSource
    /// The original text, shortened to ``CacheEntry/displayTextLimit`` characters with `…` when longer.
    public var text: String
    /// The voice.
    public var voiceID: String
    /// The language.
    public var language: String
    /// What exactly was rendered.
    public var rendering: RenderingDescription
    /// What the provider said about the request (its ids and cost), when it said anything.
    public var response: ProviderResponse? = nil
    /// A reviewer's verdict, or `nil` while the entry is unreviewed (``CacheDirectory/review(_:verdict:note:)``).
    public var review: Review? = nil

    /// How many characters of the text ``text`` keeps.
    public static let displayTextLimit = 200

    /// The text as ``text`` shows it: `text` itself, or its first ``displayTextLimit`` characters
    /// and `…`.
    /// - Parameter text: The full text.
    /// - Returns: The text to show.
    public static func displayText(_ text: String) -> String {
        var index = text.startIndex
        var count = 0
        while index < text.endIndex {
            if count == displayTextLimit { return String(text[..<index]) + "…" }
            text.formIndex(after: &index)
            count += 1
        }
        return text
    }

    /// Whether the entry has expired at `date`.
    /// - Parameter date: The time to check at.
    /// - Returns: `true` when ``expiresAt`` is at or before `date`.
    public func isExpired(at date: Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= date
    }
}

/// What a provider said about one request: recorded so that a rendering can be traced on the
/// provider's side (ElevenLabs' `request-id`, `character-cost`, `history-item-id`).
public struct ProviderResponse: Sendable, Hashable {
    /// The provider's request id.
    public var requestID: String?
    /// Characters the provider billed.
    public var characterCost: Int?
    /// The provider's history item id.
    public var historyItemID: String?

    /// Creates a response record.
    /// - Parameters:
    ///   - requestID: The request id.
    ///   - characterCost: Characters billed.
    ///   - historyItemID: The history item id.
    public init(requestID: String? = nil, characterCost: Int? = nil, historyItemID: String? = nil) {
        self.requestID = requestID
        self.characterCost = characterCost
        self.historyItemID = historyItemID
    }

    /// Whether it records nothing.
    public var isEmpty: Bool { requestID == nil && characterCost == nil && historyItemID == nil }
}

/// Where an entry's audio came from.
public enum AudioSource: String, Sendable, Hashable, CaseIterable, Codable {
    /// Synthesized by a text-to-speech provider.
    case tts
    /// A human recording imported in place of the synthesized audio.
    case recorded
}

/// What exactly was rendered: the request a provider was sent, minus secrets.
///
/// Two renderings with the same key but another model, output format, voice settings or text
/// sound different; the ``fingerprint`` tells them apart, so a changed request can be recognised as
/// stale.
public struct RenderingDescription: Sendable, Hashable {
    /// The provider: `elevenlabs`, `espeak-ng`, or `recorded` for an imported recording.
    public var provider: String
    /// The model, when the provider has models.
    public var modelID: String?
    /// The output format as the provider names it (`mp3_44100_128`, `wav`).
    public var outputFormat: String
    /// The voice settings sent, sorted by name; empty when none were sent.
    public var voiceSettings: [VoiceSetting]
    /// The text exactly as sent (not normalized).
    public var text: String
    /// The SHA-256 of ``canonicalJSON``, computed when the description is made.
    public private(set) var fingerprint: SHA256Hash

    /// Creates a description and computes its fingerprint.
    /// - Parameters:
    ///   - provider: The provider.
    ///   - modelID: The model, if any.
    ///   - outputFormat: The output format.
    ///   - voiceSettings: The voice settings sent, in any order.
    ///   - text: The text as sent.
    public init(
        provider: String,
        modelID: String? = nil,
        outputFormat: String,
        voiceSettings: [VoiceSetting] = [],
        text: String
    ) {
        self.provider = provider
        self.modelID = modelID
        self.outputFormat = outputFormat
        self.voiceSettings = voiceSettings.sorted { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }
        self.text = text
        self.fingerprint = SHA256Hash(high: 0, middleHigh: 0, middleLow: 0, low: 0)
        self.fingerprint = SHA256Hash(of: canonicalJSON)
    }

    /// A description read from an index, with the fingerprint it recorded (not computed again:
    /// `verify` does that).
    init(
        provider: String,
        modelID: String?,
        outputFormat: String,
        sortedVoiceSettings: [VoiceSetting],
        text: String,
        fingerprint: SHA256Hash
    ) {
        self.provider = provider
        self.modelID = modelID
        self.outputFormat = outputFormat
        self.voiceSettings = sortedVoiceSettings
        self.text = text
        self.fingerprint = fingerprint
    }

    /// The bytes the fingerprint hashes: the description as compact JSON with its keys in byte
    /// order (`model_id`, `output_format`, `provider`, `text`, `voice_settings`), `null` for a
    /// missing model and `{}` for no voice settings.
    public var canonicalJSON: [UInt8] {
        var writer = JSONWriter(compact: true)
        write(to: &writer)
        return writer.bytes
    }

    /// Writes the description as an object, keys in byte order.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("model_id")
        if let modelID { writer.string(modelID) } else { writer.null() }
        writer.key("output_format")
        writer.string(outputFormat)
        writer.key("provider")
        writer.string(provider)
        writer.key("text")
        writer.string(text)
        writer.key("voice_settings")
        VoiceSetting.write(voiceSettings, to: &writer)
        writer.endObject()
    }
}

/// One voice setting sent to a provider, such as ElevenLabs' `stability` or `use_speaker_boost`.
public struct VoiceSetting: Sendable, Hashable {
    /// A setting's value.
    public enum Value: Sendable, Hashable {
        /// A finite number.
        case number(Double)
        /// A flag.
        case bool(Bool)
    }

    /// The setting's name as the provider's API spells it.
    public var name: String
    /// Its value.
    public var value: Value

    /// Writes settings as one object, in the order given.
    static func write(_ settings: [VoiceSetting], to writer: inout JSONWriter) {
        writer.beginObject()
        for setting in settings {
            writer.key(setting.name)
            switch setting.value {
            case .number(let number): writer.double(number)
            case .bool(let flag): writer.bool(flag)
            }
        }
        writer.endObject()
    }

    /// Creates a setting.
    /// - Parameters:
    ///   - name: The name as the API spells it.
    ///   - value: The value; numbers must be finite.
    public init(name: String, value: Value) {
        self.name = name
        self.value = value
    }
}

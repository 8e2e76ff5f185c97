import AudioCache
import Foundation

/// How to reach ElevenLabs and what to ask it for.
///
/// Everything but the key has a default:
///
/// ```swift
/// var configuration = ElevenLabsConfiguration(apiKey: key)
/// configuration.voiceSettings = .init(stability: 0.5, similarityBoost: 0.75)
/// configuration.sendsLanguageCode = true  // only for models that accept `language_code`
/// ```
///
/// Describing or dumping a configuration never shows the key (see ``Secret``).
public struct ElevenLabsConfiguration: Sendable, Hashable {
    /// The voice settings sent with every request; each is left to the voice's own default when
    /// `nil`.
    public struct VoiceSettings: Sendable, Hashable {
        /// `stability` (0–1).
        public var stability: Double?
        /// `similarity_boost` (0–1).
        public var similarityBoost: Double?
        /// `style` (0–1).
        public var style: Double?
        /// `use_speaker_boost`.
        public var useSpeakerBoost: Bool?
        /// `speed` (about 0.7–1.2).
        public var speed: Double?

        /// Creates voice settings.
        /// - Parameters:
        ///   - stability: `stability`, or `nil` for the voice's default.
        ///   - similarityBoost: `similarity_boost`, or `nil`.
        ///   - style: `style`, or `nil`.
        ///   - useSpeakerBoost: `use_speaker_boost`, or `nil`.
        ///   - speed: `speed`, or `nil`.
        public init(
            stability: Double? = nil,
            similarityBoost: Double? = nil,
            style: Double? = nil,
            useSpeakerBoost: Bool? = nil,
            speed: Double? = nil
        ) {
            self.stability = stability
            self.similarityBoost = similarityBoost
            self.style = style
            self.useSpeakerBoost = useSpeakerBoost
            self.speed = speed
        }

        /// Whether no setting is set (then no `voice_settings` object is sent).
        public var isEmpty: Bool { settings.isEmpty }

        /// The settings that are set, named as the API spells them, as a rendering records them.
        public var settings: [VoiceSetting] {
            var settings: [VoiceSetting] = []
            if let similarityBoost {
                settings.append(VoiceSetting(name: "similarity_boost", value: .number(similarityBoost)))
            }
            if let speed { settings.append(VoiceSetting(name: "speed", value: .number(speed))) }
            if let stability { settings.append(VoiceSetting(name: "stability", value: .number(stability))) }
            if let style { settings.append(VoiceSetting(name: "style", value: .number(style))) }
            if let useSpeakerBoost {
                settings.append(VoiceSetting(name: "use_speaker_boost", value: .bool(useSpeakerBoost)))
            }
            return settings
        }
    }

    /// The public API host.
    public static let defaultBaseURL = "https://api.elevenlabs.io"
    /// The model used when a phrase names none.
    public static let defaultModelID = "eleven_multilingual_v2"
    /// The output format used unless configured otherwise.
    public static let defaultOutputFormat = "mp3_44100_128"
    /// The environment variable holding the API key.
    public static let apiKeyVariable = "ELEVENLABS_API_KEY"
    /// The environment variable that may override the base URL.
    public static let baseURLVariable = "ELEVENLABS_BASE_URL"

    /// Where the API lives: the public host, a data-residency host, a proxy or a test server. A
    /// path prefix is kept (`https://proxy.example/elevenlabs`); a trailing `/` is ignored.
    public var baseURL: String
    /// The API key, sent as `xi-api-key` and nowhere else.
    public var apiKey: Secret
    /// The model used when a phrase names none (`model_id`).
    public var modelID: String
    /// The output format asked for (`output_format`), such as `mp3_44100_128` or `pcm_24000`.
    public var outputFormat: String
    /// The voice settings sent with every request.
    public var voiceSettings: VoiceSettings
    /// Whether to send the phrase's language as `language_code` (its primary subtag, lowercased:
    /// `es-MX` is sent as `es`). Off by default, since only some models accept it.
    public var sendsLanguageCode: Bool
    /// The `seed` sent for reproducible renderings, if any.
    public var seed: UInt32?
    /// How long one request may take, from sending it to the last byte of audio.
    public var requestTimeout: Duration
    /// The most audio bytes one response may hold.
    public var maximumAudioBytes: Int

    /// Creates a configuration.
    /// - Parameters:
    ///   - baseURL: Where the API lives.
    ///   - apiKey: The API key.
    ///   - modelID: The default model.
    ///   - outputFormat: The output format.
    ///   - voiceSettings: The voice settings.
    ///   - sendsLanguageCode: Whether to send `language_code`.
    ///   - seed: The seed, if any.
    ///   - requestTimeout: How long one request may take.
    ///   - maximumAudioBytes: The most audio one response may hold.
    public init(
        baseURL: String = ElevenLabsConfiguration.defaultBaseURL,
        apiKey: Secret,
        modelID: String = ElevenLabsConfiguration.defaultModelID,
        outputFormat: String = ElevenLabsConfiguration.defaultOutputFormat,
        voiceSettings: VoiceSettings = VoiceSettings(),
        sendsLanguageCode: Bool = false,
        seed: UInt32? = nil,
        requestTimeout: Duration = .seconds(60),
        maximumAudioBytes: Int = 64 << 20
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.modelID = modelID
        self.outputFormat = outputFormat
        self.voiceSettings = voiceSettings
        self.sendsLanguageCode = sendsLanguageCode
        self.seed = seed
        self.requestTimeout = requestTimeout
        self.maximumAudioBytes = maximumAudioBytes
    }

    /// The API key from a file, else from `ELEVENLABS_API_KEY`, trimmed of surrounding white
    /// space.
    ///
    /// A file, when given, wins over the environment. No message ever holds the key.
    /// - Parameters:
    ///   - environment: The environment to read `ELEVENLABS_API_KEY` from.
    ///   - file: A file holding the key, if one was configured.
    /// - Returns: The key, or `nil` when no file is given and the variable is not set (the caller
    ///   may then fall back to espeak-ng).
    /// - Throws: ``SpeechProviderError`` with scope ``SpeechProviderError/Scope/run``: reason
    ///   `unreadable_api_key_file` when the file cannot be read, `empty_api_key` when the file or
    ///   the variable holds nothing but white space.
    public static func apiKey(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        file: String? = nil
    ) throws(SpeechProviderError) -> Secret? {
        if let file {
            let contents: Data
            do {
                contents = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw SpeechProviderError(
                    .run,
                    reason: "unreadable_api_key_file",
                    "cannot read the ElevenLabs API key file \(file)"
                )
            }
            let key = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else {
                throw SpeechProviderError(.run, reason: "empty_api_key", "the ElevenLabs API key file \(file) is empty")
            }
            return Secret(key)
        }
        guard let variable = environment[apiKeyVariable] else { return nil }
        let key = variable.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else {
            throw SpeechProviderError(.run, reason: "empty_api_key", "\(apiKeyVariable) is set but empty")
        }
        return Secret(key)
    }

    /// The `language_code` to send for a phrase in `language`: `nil` unless
    /// ``sendsLanguageCode``, else the primary subtag, lowercased.
    /// - Parameter language: The phrase's language (`es`, `es-MX`, `en_US`).
    /// - Returns: The code, or `nil`.
    public func languageCode(for language: String) -> String? {
        guard sendsLanguageCode else { return nil }
        let primary = language.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        return primary.isEmpty ? nil : primary.lowercased()
    }
}

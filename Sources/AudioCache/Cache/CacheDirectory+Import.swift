import Foundation

extension CacheDirectory {
    /// A human recording to store in place of the synthesized audio of a phrase.
    public struct Recording: Sendable {
        /// The phrase's text (the key is computed from it).
        public var text: String
        /// The phrase's voice.
        public var voiceID: String
        /// The phrase's language.
        public var language: String
        /// The audio's output format, such as `wav` or `mp3_44100_128`; `nil` to detect it from the
        /// audio's first bytes.
        public var format: String?
        /// The model to record with the entry, if any.
        public var modelID: String?

        /// Creates a recording's description.
        public init(text: String, voiceID: String, language: String, format: String? = nil, modelID: String? = nil) {
            self.text = text
            self.voiceID = voiceID
            self.language = language
            self.format = format
            self.modelID = modelID
        }
    }

    /// Stores a human recording under the phrase's key, in place of the synthesized audio: what
    /// `audiocache import` and the review page's upload do.
    ///
    /// The entry is marked recorded (provider `recorded`) and pinned, so eviction and TTL leave it
    /// alone and plans count it as cached whatever the model; it starts unreviewed.
    /// - Parameters:
    ///   - audio: The recording's bytes.
    ///   - recording: The phrase and the format.
    ///   - location: Where the audio came from, to name in errors (a file), or `nil`.
    /// - Returns: The new entry.
    /// - Throws: ``AudioCacheError``: bad data for audio this library does not recognise or that is
    ///   not the format given, or for a text, voice or language a manifest could not hold; usage
    ///   for a read-only cache; I/O errors.
    @discardableResult
    public func importRecording(
        _ audio: [UInt8],
        _ recording: Recording,
        location: SourceLocation? = nil
    ) throws(AudioCacheError) -> CacheEntry {
        guard !audio.isEmpty else { throw .badData(at: location, "is empty") }
        let format = try Self.recordingFormat(of: audio, declaredAs: recording.format, location: location)
        let request = StoreRequest(
            text: recording.text,
            voiceID: recording.voiceID,
            language: recording.language,
            rendering: RenderingDescription(
                provider: AudioSource.recorded.rawValue,
                modelID: recording.modelID,
                outputFormat: format,
                text: recording.text
            ),
            source: .recorded,
            isPinned: true
        )
        return try store(audio, for: request)
    }

    /// The output format of a recording: `declared`, or the format the audio's header shows;
    /// checks that the two agree. ``importRecording(_:_:location:)`` asks it first; call it to
    /// refuse a file before opening a cache.
    /// - Throws: ``AudioCacheError`` (bad data).
    public static func recordingFormat(
        of audio: [UInt8],
        declaredAs declared: String?,
        location: SourceLocation?
    ) throws(AudioCacheError) -> String {
        guard let container = AudioContainer.detect(audio, declaredAs: declared ?? "") else {
            throw .badData(
                at: location,
                declared.map { "is not \($0) audio" }
                    ?? "is not audio this tool recognises (WAV, MP3, Ogg, FLAC); give the format for headerless samples"
            )
        }
        guard let declared else { return container.rawValue }
        let families: [AudioContainer: [String]] = [
            .mp3: ["mp3"], .wav: ["wav"], .flac: ["flac"], .ogg: ["ogg", "opus", "vorbis"],
        ]
        if let prefixes = families[container], !prefixes.contains(where: { declared.hasPrefix($0) }) {
            throw .badData(
                at: location,
                "is \(container.rawValue) audio, not \(declared); give the right format or leave it out"
            )
        }
        return declared
    }
}

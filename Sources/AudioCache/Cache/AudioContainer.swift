/// The container of an audio payload, told from its first bytes: how the cache names its file
/// and which MIME type it records.
package enum AudioContainer: String, Sendable, Hashable, CaseIterable {
    /// MPEG audio (MP3), with or without an ID3 tag.
    case mp3
    /// RIFF/WAVE.
    case wav
    /// Ogg (Opus or Vorbis).
    case ogg
    /// FLAC.
    case flac
    /// Headerless samples (ElevenLabs' `pcm_*`, `ulaw_*` and `alaw_*` formats), which only the
    /// declared output format can vouch for.
    case raw

    /// The file name extension.
    package var fileExtension: String {
        switch self {
        case .mp3: "mp3"
        case .wav: "wav"
        case .ogg: "ogg"
        case .flac: "flac"
        case .raw: "raw"
        }
    }

    /// The MIME type.
    package var mimeType: String {
        switch self {
        case .mp3: "audio/mpeg"
        case .wav: "audio/wav"
        case .ogg: "audio/ogg"
        case .flac: "audio/flac"
        case .raw: "application/octet-stream"
        }
    }

    /// The container of `audio`, declared as `outputFormat`, or `nil` when the bytes are not audio
    /// (empty, an error page, JSON…).
    ///
    /// Headers are checked whatever the declared format says; headerless bytes are only accepted
    /// when the declared format is a headerless one (`pcm_…`, `ulaw_…`, `alaw_…`) and the length is
    /// a whole number of samples.
    /// - Parameters:
    ///   - audio: The payload.
    ///   - outputFormat: The format the provider was asked for.
    /// - Returns: The container, or `nil`.
    package static func detect(_ audio: some Collection<UInt8>, declaredAs outputFormat: String) -> AudioContainer? {
        let head = Array(audio.prefix(12))
        func starts(_ prefix: String, at offset: Int = 0) -> Bool {
            let bytes = Array(prefix.utf8)
            return head.count >= offset + bytes.count && Array(head[offset..<offset + bytes.count]) == bytes
        }
        if starts("RIFF") && starts("WAVE", at: 8) { return .wav }
        if starts("ID3") { return .mp3 }
        if head.count >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 && !outputFormat.hasPrefix("pcm_") {
            return .mp3
        }
        if starts("OggS") { return .ogg }
        if starts("fLaC") { return .flac }
        guard !audio.isEmpty else { return nil }
        if outputFormat.hasPrefix("pcm_") { return audio.count % 2 == 0 ? .raw : nil }
        if outputFormat.hasPrefix("ulaw_") || outputFormat.hasPrefix("alaw_") {
            // Reject text that merely claims to be samples: a JSON or HTML error body.
            return head.first == UInt8(ascii: "{") || head.first == UInt8(ascii: "<") ? nil : .raw
        }
        return nil
    }
}

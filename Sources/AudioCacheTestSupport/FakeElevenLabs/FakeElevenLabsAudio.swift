/// The audio the fake server renders: deterministic bytes per voice, text, model and format, so a
/// test can compare what was cached with ``FakeElevenLabsAudio/bytes(voiceID:text:modelID:outputFormat:)``.
public enum FakeElevenLabsAudio {
    /// The content type answered for an output format: `audio/mpeg` for `mp3_*`, `audio/wav` for
    /// `wav_*`, and `audio/pcm` for raw `pcm_*` samples (an assumption: the documentation does
    /// not name the type the real API sends for PCM).
    /// - Parameter outputFormat: The `output_format` query value.
    /// - Returns: The content type, or `nil` for a format the fake does not support.
    public static func contentType(for outputFormat: String) -> String? {
        if outputFormat.hasPrefix("mp3_") { return "audio/mpeg" }
        if outputFormat.hasPrefix("pcm_") { return "audio/pcm" }
        if outputFormat.hasPrefix("wav_") { return "audio/wav" }
        return nil
    }

    /// The bytes rendered for a request.
    ///
    /// MP3: one 417-byte MPEG-1 Layer III frame (header `FF FB 90 64`, 128 kbit/s, 44.1 kHz) per
    /// eight characters, at least one, filled from a hash of the request. PCM: 16-bit
    /// little-endian samples, 160 per character (an even byte count). WAV: a RIFF/WAVE file.
    /// - Parameters:
    ///   - voiceID: The voice id.
    ///   - text: The text.
    ///   - modelID: The model id.
    ///   - outputFormat: The output format.
    /// - Returns: The bytes.
    public static func bytes(voiceID: String, text: String, modelID: String, outputFormat: String) -> [UInt8] {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "\(voiceID)\u{0}\(text)\u{0}\(modelID)\u{0}\(outputFormat)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        var random = SplitMix64(seed: hash)
        let characters = text.unicodeScalars.count
        if outputFormat.hasPrefix("wav_") {
            return AudioFixtures.wav(samples: 160 * max(1, characters), seed: Int(hash % 997))
        }
        if outputFormat.hasPrefix("pcm_") {
            return (0..<(160 * max(1, characters))).flatMap { _ in
                let sample = UInt16(truncatingIfNeeded: random.next() >> 48) & 0x0FFF
                return [UInt8(sample & 0xFF), UInt8(sample >> 8)]
            }
        }
        let frames = 1 + characters / 8
        var bytes: [UInt8] = []
        bytes.reserveCapacity(frames * 417)
        for _ in 0..<frames {
            bytes += [0xFF, 0xFB, 0x90, 0x64]
            bytes += (0..<413).map { _ in UInt8(truncatingIfNeeded: random.next() >> 56) }
        }
        return bytes
    }
}

import AudioCache

/// Turns a WAV file written to a stream (a pipe cannot seek back, so the RIFF and `data` sizes are
/// placeholders, espeak-ng's `0x7FFFF024`/`0x7FFFF000` or `0xFFFFFFFF`) into a valid file.
enum StreamedWAV {
    /// `bytes` as a valid WAV file, or `nil` when they are not one with audio.
    ///
    /// The bytes must be RIFF/WAVE with a PCM-like `fmt ` chunk (a non-zero block size) followed by
    /// a `data` chunk holding at least one whole sample frame. A `data` size larger than what
    /// follows is set to what follows, cut to whole frames (dropping a partial trailing frame),
    /// and the RIFF size is set to match; a RIFF size larger than the file is set to the file's;
    /// a consistent file is returned as it is.
    /// - Parameter bytes: What the program wrote.
    /// - Returns: The repaired file, or `nil`.
    static func finalized(_ bytes: [UInt8]) -> [UInt8]? {
        guard AudioContainer.detect(bytes, declaredAs: "wav") == .wav else { return nil }
        var blockAlign = 0
        var offset = 12
        while offset + 8 <= bytes.count {
            let identifier = Array(bytes[offset..<offset + 4])
            let size = Int(readUInt32(bytes, at: offset + 4))
            let body = offset + 8
            if identifier == Array("data".utf8) {
                guard blockAlign > 0 else { return nil }
                let available = bytes.count - body
                if size <= available {
                    guard size >= blockAlign else { return nil }
                    guard readUInt32(bytes, at: 4) > UInt32(clamping: bytes.count - 8) else { return bytes }
                    var file = bytes
                    writeUInt32(UInt32(clamping: bytes.count - 8), to: &file, at: 4)
                    return file
                }
                let kept = available - available % blockAlign
                guard kept >= blockAlign, body + kept - 8 <= Int(UInt32.max) else { return nil }
                var file = Array(bytes[..<(body + kept)])
                writeUInt32(UInt32(kept), to: &file, at: offset + 4)
                writeUInt32(UInt32(file.count - 8), to: &file, at: 4)
                return file
            }
            if identifier == Array("fmt ".utf8) {
                guard size >= 16, body + 16 <= bytes.count else { return nil }
                blockAlign = Int(readUInt16(bytes, at: body + 12))
            }
            // Chunks are padded to an even size.
            let next = body + size + size % 2
            guard next > offset, next <= bytes.count else { return nil }
            offset = next
        }
        return nil
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { value, index in value | UInt32(bytes[offset + index]) << (8 * index) }
    }

    private static func readUInt16(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func writeUInt32(_ value: UInt32, to bytes: inout [UInt8], at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}

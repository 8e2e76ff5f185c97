extension UTF8Bytes {
    /// The UTF-8 bytes of a file that starts with a UTF-16 byte order mark (`FF FE` little-endian,
    /// `FE FF` big-endian), without the mark; `nil` for any other file.
    ///
    /// Spreadsheets save "Unicode Text" this way. Lines and columns stay those of the file, so the
    /// readers' locations need no translation.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - path: The file's path, for errors.
    /// - Returns: The decoded bytes, or `nil` when the file has no UTF-16 byte order mark.
    /// - Throws: ``AudioCacheError`` for an odd number of bytes or an unpaired surrogate.
    static func utf8(fromUTF16 bytes: UnsafeRawBufferPointer, path: String) throws(AudioCacheError) -> [UInt8]? {
        guard bytes.count >= 2 else { return nil }
        let isLittleEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0xFF, 0xFE): isLittleEndian = true
        case (0xFE, 0xFF): isLittleEndian = false
        default: return nil
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var line = 1
        var previousWasCarriageReturn = false
        var offset = 2
        func unit(at offset: Int) -> UInt16 {
            let first = UInt16(bytes[offset])
            let second = UInt16(bytes[offset + 1])
            return isLittleEndian ? first | second << 8 : first << 8 | second
        }
        func problem(_ message: String) -> AudioCacheError {
            .badData(
                at: SourceLocation(file: path, line: line),
                "\(message) at byte offset \(offset); save the file as UTF-8, or as UTF-16 with a byte order mark"
            )
        }
        while offset < bytes.count {
            guard offset + 1 < bytes.count else { throw problem("the file ends in the middle of a UTF-16 code unit") }
            let first = unit(at: offset)
            // A high surrogate needs the low one after it; a lone surrogate is no scalar.
            var scalar = Unicode.Scalar(first)
            var length = 2
            if (0xD800...0xDBFF).contains(first), offset + 3 < bytes.count {
                let second = unit(at: offset + 2)
                if (0xDC00...0xDFFF).contains(second) {
                    scalar = Unicode.Scalar(0x10000 + (UInt32(first - 0xD800) << 10 | UInt32(second - 0xDC00)))
                    length = 4
                }
            }
            guard let scalar else { throw problem("invalid UTF-16 (an unpaired surrogate)") }
            if scalar == "\n" {
                if !previousWasCarriageReturn { line += 1 }
            } else if scalar == "\r" {
                line += 1
            }
            previousWasCarriageReturn = scalar == "\r"
            UTF8.encode(scalar) { output.append($0) }
            offset += length
        }
        return output
    }
}

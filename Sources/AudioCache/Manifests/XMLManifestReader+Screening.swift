extension XMLManifestReader {
    /// Refuses a file that is not UTF-8: a UTF-16 or UTF-32 file, any invalid UTF-8 byte, or an XML
    /// declaration that names another encoding.
    ///
    /// Checking before parsing keeps the parser from transcoding (and so from reading a Latin-1 file
    /// as something else) and gives the byte's line and column.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - path: The path for locations.
    /// - Throws: ``AudioCacheError/Kind/badData`` naming the first offending place.
    static func screenEncoding(_ bytes: UnsafeRawBufferPointer, path: String) throws(AudioCacheError) {
        // A UTF-16 or UTF-32 byte order mark, or a NUL in the first two bytes (UTF-16 or UTF-32 without one).
        if bytes.count >= 2,
            (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) || bytes[0] == 0
                || bytes[1] == 0
        {
            throw .badData(
                at: SourceLocation(file: path, line: 1, column: 1),
                "file is UTF-16 or UTF-32 encoded; only UTF-8 manifests are supported, so save it as UTF-8"
            )
        }
        if let offset = firstInvalidUTF8Offset(bytes) {
            let hex = String(bytes[offset], radix: 16, uppercase: true)
            throw .badData(
                at: location(ofOffset: offset, in: bytes, path: path),
                "byte 0x\(hex) is not valid UTF-8; only UTF-8 manifests are supported (was the file saved as Latin-1 or Windows-1252?)"
            )
        }
        if let (name, offset) = declaredEncoding(bytes), !["utf-8", "utf8"].contains(name.lowercased()) {
            throw .badData(
                at: location(ofOffset: offset, in: bytes, path: path),
                "the XML declaration names the encoding \(quoted(name)); only UTF-8 manifests are supported, so save the file as UTF-8 and declare encoding=\"UTF-8\" or no encoding"
            )
        }
    }

    /// Refuses any document type declaration or entity declaration, wherever it appears.
    ///
    /// Without a DTD there are no entities besides XML's five predefined ones and character
    /// references, so nothing can be expanded exponentially ("billion laughs") and no external
    /// entity can name a file or URL to read. The scan is byte-wise and deliberately blunt: it also
    /// refuses `<!DOCTYPE` written inside a comment or CDATA section.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - path: The path for locations.
    /// - Throws: ``AudioCacheError/Kind/badData`` at the first declaration.
    static func screenDeclarations(_ bytes: UnsafeRawBufferPointer, path: String) throws(AudioCacheError) {
        var offset = 0
        while offset + 1 < bytes.count {
            if bytes[offset] == UInt8(ascii: "<") && bytes[offset + 1] == UInt8(ascii: "!")
                && (matches("DOCTYPE", at: offset + 2, in: bytes) || matches("ENTITY", at: offset + 2, in: bytes))
            {
                throw .badData(
                    at: location(ofOffset: offset, in: bytes, path: path),
                    "DTDs and entity declarations are not allowed in manifests; remove the <!DOCTYPE …> declaration"
                )
            }
            offset += 1
        }
    }

    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629:
    /// no overlong forms, no surrogates, nothing above U+10FFFF), or `nil` when the bytes are valid.
    static func firstInvalidUTF8Offset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        while offset < bytes.count {
            let lead = bytes[offset]
            if lead < 0x80 {
                offset += 1
                continue
            }
            // The length of the sequence and the range its second byte must fall in.
            let length: Int
            var range: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: (length, range) = (3, 0xA0...0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: (length, range) = (3, 0x80...0x9F)
            case 0xF0: (length, range) = (4, 0x90...0xBF)
            case 0xF1...0xF3: length = 4
            case 0xF4: (length, range) = (4, 0x80...0x8F)
            default: return offset
            }
            guard offset + length <= bytes.count, range.contains(bytes[offset + 1]) else { return offset }
            for index in (offset + 2)..<(offset + length) where bytes[index] & 0xC0 != 0x80 { return offset }
            offset += length
        }
        return nil
    }

    /// The encoding an XML declaration at the start of the file names, and the offset of its value.
    private static func declaredEncoding(_ bytes: UnsafeRawBufferPointer) -> (String, Int)? {
        var offset = XMLMarkupLocator.hasByteOrderMark(bytes) ? 3 : 0
        guard matches("<?xml", at: offset, in: bytes), offset + 5 < bytes.count,
            XMLMarkupLocator.isXMLWhitespace(bytes[offset + 5])
        else { return nil }
        offset += 5
        while offset + 1 < bytes.count
            && !(bytes[offset] == UInt8(ascii: "?") && bytes[offset + 1] == UInt8(ascii: ">"))
        {
            guard matches("encoding", at: offset, in: bytes) else {
                offset += 1
                continue
            }
            offset += 8
            while offset < bytes.count && XMLMarkupLocator.isXMLWhitespace(bytes[offset]) { offset += 1 }
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "=") else { return nil }
            offset += 1
            while offset < bytes.count && XMLMarkupLocator.isXMLWhitespace(bytes[offset]) { offset += 1 }
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") || bytes[offset] == UInt8(ascii: "'") else {
                return nil
            }
            let quote = bytes[offset]
            let start = offset + 1
            var end = start
            while end < bytes.count && bytes[end] != quote && end - start < 64 { end += 1 }
            return (String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self), start)
        }
        return nil
    }

    /// Whether `bytes` holds `word` at `offset`, comparing ASCII letters without regard to case.
    static func matches(_ word: StaticString, at offset: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        let count = word.utf8CodeUnitCount
        guard offset >= 0, offset + count <= bytes.count else { return false }
        return word.withUTF8Buffer { expected in
            for index in 0..<count {
                let want = expected[index]
                let have = bytes[offset + index]
                let isLetter = want | 0x20 >= UInt8(ascii: "a") && want | 0x20 <= UInt8(ascii: "z")
                if isLetter ? have | 0x20 != want | 0x20 : have != want { return false }
            }
            return true
        }
    }

    /// The location of a byte offset in the file.
    static func location(ofOffset offset: Int, in bytes: UnsafeRawBufferPointer, path: String) -> SourceLocation {
        let position = XMLMarkupLocator.position(ofOffset: offset, in: bytes)
        return SourceLocation(file: path, line: position.line, column: position.column)
    }
}

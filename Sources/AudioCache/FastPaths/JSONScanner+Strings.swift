/// JSON strings: checking them in place, and turning them into `String`s.
///
/// A string is checked in one pass for its closing quote, escapes (including surrogate pairs)
/// and control characters, eight bytes at a time while they are plain ASCII. Strings that become
/// `String`s leave the UTF-8 check to the standard library's fast decoder (see
/// ``UTF8Bytes/string(_:count:)``); strings that are only skipped or matched are checked here.
extension JSONScanner {
    /// Reads the string at the current position.
    /// - Parameter isRepeated: Whether the value tends to repeat from phrase to phrase (a voice,
    ///   a language, a model), so that it is worth looking up in ``repeatedStrings``.
    /// - Returns: The string's text, escapes decoded.
    /// - Throws: When the string is malformed, too long or not UTF-8.
    mutating func readString(isRepeated: Bool = false) throws(AudioCacheError) -> String {
        let token = try scanString(validatingUTF8: false)
        let text: String?
        if isRepeated && !token.hasEscapes {
            text = repeatedStrings.string(base, start: token.start, count: token.end - token.start)
        } else if token.hasEscapes {
            text = unescaped(token).withUnsafeBufferPointer { bytes in
                guard let start = bytes.baseAddress else { return "" }
                return UTF8Bytes.string(start, count: bytes.count)
            }
        } else {
            text = UTF8Bytes.string(base + token.start, count: token.end - token.start)
        }
        if let text { return text }
        let offset = UTF8Bytes.firstInvalidUTF8(base, from: token.start, to: token.end) ?? token.start
        throw error(UTF8Bytes.invalidUTF8Message(at: offset), at: offset)
    }

    /// Reads the string at the current position as bytes: a range of the file, or the decoded
    /// bytes when it holds escapes. No `String` is made.
    /// - Returns: The string's bytes, checked to be UTF-8.
    /// - Throws: When the string is malformed, too long or not UTF-8.
    mutating func readBytes() throws(AudioCacheError) -> FieldBytes {
        let token = try scanString(validatingUTF8: true)
        guard token.hasEscapes else { return .inFile(start: token.start, end: token.end) }
        let start = scratch.count
        appendUnescaped(token, to: &scratch)
        return .inScratch(start: start, end: scratch.count)
    }

    /// Empties the scratch buffer ``readBytes()`` decodes into, keeping its room.
    mutating func clearScratch() {
        scratch.removeAll(keepingCapacity: true)
    }

    /// The text of a string that ``scanString(validatingUTF8:)`` checked, escapes decoded.
    func string(_ token: StringToken) -> String {
        if token.hasEscapes { return String(decoding: unescaped(token), as: UTF8.self) }
        return String(
            decoding: UnsafeBufferPointer(start: base + token.start, count: token.end - token.start),
            as: UTF8.self
        )
    }

    /// Whether a string's raw content is exactly `name` (a name without escapes).
    func matches(_ token: StringToken, _ name: StaticString) -> Bool {
        let count = token.end - token.start
        guard !token.hasEscapes, count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for index in 0..<count where base[token.start + index] != expected[index] { return false }
        return true
    }

    /// Checks the string at the current position (escapes, surrogate pairs, control characters,
    /// length and, when asked, UTF-8) and moves past it.
    /// - Parameter validatingUTF8: Whether to check the UTF-8 here; pass `false` only when the
    ///   caller turns the string into a `String` with a check.
    /// - Returns: Where the string's content lies.
    /// - Throws: When the string is malformed, too long or (when checked) not UTF-8.
    mutating func scanString(validatingUTF8: Bool = true) throws(AudioCacheError) -> StringToken {
        let quote = position
        var offset = quote + 1
        var hasEscapes = false
        let limit = min(end, offset + limits.maxFieldBytes + 1)
        while offset < limit {
            // Eight plain bytes at a time: no quote, backslash, control character or (when
            // checking UTF-8) non-ASCII byte among them.
            if offset + 8 <= limit {
                let word = ByteWords.load(base + offset)
                let special = ByteWords.jsonSpecial(word) | (validatingUTF8 ? word & ByteWords.highs : 0)
                if special == 0 {
                    offset += 8
                    continue
                }
            }
            let byte = base[offset]
            if byte == UInt8(ascii: "\"") {
                position = offset + 1
                return StringToken(quote: quote, start: quote + 1, end: offset, hasEscapes: hasEscapes)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                offset = try scanEscape(at: offset)
            } else if byte < 0x20 {
                throw error(
                    "unescaped control character U+\(FieldRules.hex4(UInt32(byte))) in a string; write it as an escape such as \\n or \\u0000",
                    at: offset
                )
            } else if byte < 0x80 || !validatingUTF8 {
                offset += 1
            } else {
                let length = UTF8Bytes.sequenceLength(base, at: offset, end: end)
                if length == 0 { throw error(UTF8Bytes.invalidUTF8Message(at: offset), at: offset) }
                offset += length
            }
        }
        if limit < end {
            throw error(limits.tooLongMessage("string"), at: quote)
        }
        throw error("string is never closed; expected a closing '\"' before \(endDescription)", at: quote)
    }

    /// Checks the escape at `offset` (its backslash) and returns the offset after it.
    private mutating func scanEscape(at offset: Int) throws(AudioCacheError) -> Int {
        guard offset + 1 < end else {
            throw error("string is never closed; expected a closing '\"' before \(endDescription)", at: offset)
        }
        switch base[offset + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return offset + 2
        case UInt8(ascii: "u"):
            let value = try hexEscape(at: offset)
            switch value {
            case 0xD800...0xDBFF:
                guard offset + 7 < end, base[offset + 6] == UInt8(ascii: "\\"), base[offset + 7] == UInt8(ascii: "u"),
                    case 0xDC00...0xDFFF = try hexEscape(at: offset + 6)
                else {
                    throw error(
                        "lone surrogate \\u\(FieldRules.hex4(value)) in a string; a high surrogate must be followed by a low surrogate escape",
                        at: offset
                    )
                }
                return offset + 12
            case 0xDC00...0xDFFF:
                throw error(
                    "lone surrogate \\u\(FieldRules.hex4(value)) in a string; a low surrogate must follow a high surrogate escape",
                    at: offset
                )
            default:
                return offset + 6
            }
        default:
            let found = UTF8Bytes.describe(base, at: offset + 1, end: end, endDescription: endDescription)
            throw error(
                "invalid escape in a string, found \(found) after '\\'; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u",
                at: offset
            )
        }
    }

    /// The value of the `\uXXXX` escape at `offset` (its backslash).
    private mutating func hexEscape(at offset: Int) throws(AudioCacheError) -> UInt32 {
        guard offset + 6 <= end, let value = Self.hexValue(base, at: offset + 2) else {
            throw error("invalid \\u escape in a string; expected four hexadecimal digits after \\u", at: offset)
        }
        return value
    }

    private static func hexValue(_ base: UnsafePointer<UInt8>, at offset: Int) -> UInt32? {
        var value: UInt32 = 0
        for index in offset..<offset + 4 {
            let byte = base[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The bytes of a string whose escapes ``scanString(validatingUTF8:)`` checked, decoded.
    private func unescaped(_ token: StringToken) -> [UInt8] {
        var bytes: [UInt8] = []
        appendUnescaped(token, to: &bytes)
        return bytes
    }

    /// Appends the decoded bytes of a string whose escapes ``scanString(validatingUTF8:)`` checked.
    private func appendUnescaped(_ token: StringToken, to bytes: inout [UInt8]) {
        bytes.reserveCapacity(bytes.count + token.end - token.start)
        var offset = token.start
        var chunk = offset
        while offset < token.end {
            guard base[offset] == UInt8(ascii: "\\") else {
                offset += 1
                continue
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + chunk, count: offset - chunk))
            let code = base[offset + 1]
            offset += 2
            switch code {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var value = Self.hexValue(base, at: offset) ?? 0xFFFD
                offset += 4
                if (0xD800...0xDBFF).contains(value), let low = Self.hexValue(base, at: offset + 2) {
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    offset += 6
                }
                UTF8.encode(Unicode.Scalar(value) ?? "\u{FFFD}") { bytes.append($0) }
            default: bytes.append(code)  // \" \\ \/
            }
            chunk = offset
        }
        bytes.append(contentsOf: UnsafeBufferPointer(start: base + chunk, count: token.end - chunk))
    }
}

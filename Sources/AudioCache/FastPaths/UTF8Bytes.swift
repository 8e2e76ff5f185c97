#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level helpers the scanners share: UTF-8 checks, columns and how a byte is named in an
/// error message.
///
/// Every scanner works on the raw bytes of a whole file (a manifest, the cache index); offsets here
/// are offsets into that file.
enum UTF8Bytes {
    /// The length of a UTF-8 byte order mark at `offset`, or 0 when there is none.
    static func byteOrderMarkLength(_ base: UnsafePointer<UInt8>, at offset: Int, end: Int) -> Int {
        guard end - offset >= 3, base[offset] == 0xEF, base[offset + 1] == 0xBB, base[offset + 2] == 0xBF else {
            return 0
        }
        return 3
    }

    /// The length of the well-formed UTF-8 sequence that starts at `offset`, or 0 when the bytes
    /// there are not one (stray continuation bytes, overlong forms, surrogates, values past
    /// U+10FFFF, truncation at `end`).
    ///
    /// The rules are those of the Unicode Standard, table 3-7, which `String(validating:as:)`
    /// also follows.
    @inline(__always)
    static func sequenceLength(_ base: UnsafePointer<UInt8>, at offset: Int, end: Int) -> Int {
        let lead = base[offset]
        if lead < 0x80 { return 1 }
        func continuation(_ index: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            index < end && base[index] >= low && base[index] <= high
        }
        switch lead {
        case 0xC2...0xDF:
            return continuation(offset + 1) ? 2 : 0
        case 0xE0...0xEF:
            let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80
            let high: UInt8 = lead == 0xED ? 0x9F : 0xBF
            return continuation(offset + 1, low, high) && continuation(offset + 2) ? 3 : 0
        case 0xF0...0xF4:
            let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80
            let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF
            return continuation(offset + 1, low, high) && continuation(offset + 2) && continuation(offset + 3) ? 4 : 0
        default:
            return 0
        }
    }

    /// The text of `count` bytes at `start`, or `nil` when they are not well-formed UTF-8.
    ///
    /// `String(decoding:as:)` validates with the standard library's fast, non-generic code and
    /// replaces bad bytes with U+FFFD; the result holds exactly the input bytes only when none was
    /// replaced, which one `memcmp` tells. (`String(validating:as:)` goes through generic code
    /// that looks up type metadata on every call, which short fields feel.)
    @inline(__always)
    static func string(_ start: UnsafePointer<UInt8>, count: Int) -> String? {
        var text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
        let isExact = text.withUTF8 { decoded in
            guard let decodedStart = decoded.baseAddress else { return count == 0 }
            return decoded.count == count && memcmp(decodedStart, start, count) == 0
        }
        return isExact ? text : nil
    }

    /// The offset of the first byte in `start..<end` that does not begin well-formed UTF-8, or
    /// `nil` when the whole range is valid.
    static func firstInvalidUTF8(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var offset = start
        while offset < end {
            // Eight ASCII bytes at a time.
            if offset + 8 <= end,
                UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                offset += 8
                continue
            }
            if base[offset] < 0x80 {
                offset += 1
                continue
            }
            let length = sequenceLength(base, at: offset, end: end)
            if length == 0 { return offset }
            offset += length
        }
        return nil
    }

    /// The message for bytes that are not UTF-8.
    static func invalidUTF8Message(at offset: Int) -> String {
        "invalid UTF-8 at byte offset \(offset); save the file as UTF-8"
    }

    /// The number of Unicode scalars that start in `start..<end`: the column distance between two
    /// offsets on one line. Malformed bytes count as one scalar each, as an editor shows them.
    static func scalarCount(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        var count = 0
        var offset = start
        while offset < end {
            if base[offset] & 0xC0 != 0x80 { count += 1 }
            offset += 1
        }
        return count
    }

    /// The text or byte at `offset`, as an error message names what it found there.
    /// - Parameters:
    ///   - base: The file.
    ///   - offset: The offset of the surprising byte.
    ///   - end: Where the readable range ends.
    ///   - endDescription: What to say when `offset` is at `end` (`the end of the file`).
    /// - Returns: `'x'`, `the control character U+0009`, `the byte 0xFF (…)` or `endDescription`.
    static func describe(
        _ base: UnsafePointer<UInt8>,
        at offset: Int,
        end: Int,
        endDescription: String
    ) -> String {
        guard offset < end else { return endDescription }
        let byte = base[offset]
        if byte < 0x20 || byte == 0x7F {
            return "the control character U+\(FieldRules.hex4(UInt32(byte)))"
        }
        if byte < 0x80 {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        let length = sequenceLength(base, at: offset, end: end)
        guard length > 0 else {
            return "the byte 0x\(String(byte, radix: 16, uppercase: true)) (\(invalidUTF8Message(at: offset)))"
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + offset, count: length), as: UTF8.self)
        return "'\(text)'"
    }
}

/// A pull parser for JSON (RFC 8259) over a byte buffer that knows the line and column of every
/// value it meets.
///
/// The scanner never builds a tree: a reader asks for the next field name or array element and
/// then reads the value it expects, skips it, or names its type in a message. Strings are checked
/// in place (escapes, surrogate pairs, UTF-8) and only become `String`s when asked. Nesting is
/// bounded by ``ManifestLimits/maxNestingDepth`` and ``skipValue()`` keeps its own stack, so no
/// input can overflow the call stack.
///
/// Line breaks only occur in whitespace in valid JSON, so the scanner tracks lines there; every
/// error it throws is on the current line.
struct JSONScanner {
    /// Where a string's content lies: the bytes between its quotes, still escaped.
    struct StringToken {
        /// The offset of the opening quote.
        var quote: Int
        /// The offset of the first content byte.
        var start: Int
        /// The offset of the closing quote.
        var end: Int
        /// Whether the content holds a backslash escape.
        var hasEscapes: Bool
    }

    /// The kinds of JSON value, as told by a value's first byte.
    enum Kind {
        case object, array, string, number, boolean, null

        /// The kind as an error message names it: `a string`, `an object`, `null`.
        var description: String {
            switch self {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .number: "a number"
            case .boolean: "a boolean"
            case .null: "null"
            }
        }
    }

    let base: UnsafePointer<UInt8>
    let end: Int
    let path: String
    let maxDepth: Int
    let maxStringBytes: Int
    /// What an error calls `end`: `the end of the file` or `the end of the line`.
    let endDescription: String
    /// Whether line breaks in whitespace advance ``line`` (not within one line of JSON Lines).
    let countsLines: Bool
    private(set) var position: Int
    private(set) var line: Int
    private(set) var lineStart: Int
    private(set) var depth = 0
    // The last column computed on the current line, so that columns on a long line are counted once.
    private var columnAnchor: (offset: Int, column: Int)

    /// Creates a scanner over `start..<end` of a file.
    /// - Parameters:
    ///   - base: The whole file.
    ///   - start: Where to begin.
    ///   - end: Where to stop.
    ///   - line: The line `start` is on.
    ///   - lineStart: The offset where that line starts (after a byte order mark).
    ///   - path: The file's path, for locations.
    ///   - limits: The nesting and length bounds.
    ///   - endDescription: What an error calls `end`.
    ///   - countsLines: Whether line breaks advance the line.
    init(
        base: UnsafePointer<UInt8>,
        start: Int,
        end: Int,
        line: Int,
        lineStart: Int,
        path: String,
        limits: ManifestLimits,
        endDescription: String,
        countsLines: Bool
    ) {
        self.base = base
        self.end = end
        self.path = path
        self.maxDepth = limits.maxNestingDepth
        self.maxStringBytes = limits.maxFieldBytes
        self.endDescription = endDescription
        self.countsLines = countsLines
        self.position = start
        self.line = line
        self.lineStart = lineStart
        self.columnAnchor = (lineStart, 1)
    }

    // MARK: Positions and errors

    /// Whether only whitespace is left (call ``skipWhitespace()`` first).
    var isAtEnd: Bool { position >= end }

    /// The byte at the current position, or `nil` at the end.
    var current: UInt8? { position < end ? base[position] : nil }

    /// The kind of the value that starts at the current position, or `nil` when none can start there.
    var kind: Kind? {
        guard position < end else { return nil }
        switch base[position] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        default: return nil
        }
    }

    /// The location of `offset`, which must be on the current line.
    mutating func location(at offset: Int) -> SourceLocation {
        if offset < columnAnchor.offset { columnAnchor = (lineStart, 1) }
        let column = columnAnchor.column + ManifestBytes.scalarCount(base, from: columnAnchor.offset, to: offset)
        columnAnchor = (offset, column)
        return SourceLocation(file: path, line: line, column: column)
    }

    /// A data error at `offset`.
    mutating func error(_ message: String, at offset: Int) -> AudioCacheError {
        .badData(at: location(at: offset), message)
    }

    /// An error saying what was expected at the current position and what was found instead.
    mutating func unexpected(_ expected: String) -> AudioCacheError {
        let found = ManifestBytes.describe(base, at: position, end: end, endDescription: endDescription)
        return error("expected \(expected), found \(found)", at: position)
    }

    /// An error saying that something was found after a complete value, where nothing may be.
    /// - Parameters:
    ///   - what: What ended (`the document`, `the phrase`).
    ///   - advice: What to do about it.
    mutating func unexpectedAfter(_ what: String, _ advice: String) -> AudioCacheError {
        let found = ManifestBytes.describe(base, at: position, end: end, endDescription: endDescription)
        return error("unexpected \(found) after \(what); \(advice)", at: position)
    }

    /// Skips spaces, tabs and line breaks, counting lines.
    mutating func skipWhitespace() {
        while position < end {
            switch base[position] {
            case 0x20, 0x09:
                position += 1
            case 0x0A:
                position += 1
                if countsLines { newLine() }
            case 0x0D:
                position += 1
                if countsLines && (position == end || base[position] != 0x0A) { newLine() }
            default:
                return
            }
        }
    }

    private mutating func newLine() {
        line += 1
        lineStart = position
        columnAnchor = (position, 1)
    }

    // MARK: Containers

    /// Enters the object at the current position (its `{`).
    /// - Throws: When nesting would pass the limit.
    mutating func beginObject() throws(AudioCacheError) {
        try enter()
    }

    /// Enters the array at the current position (its `[`).
    /// - Throws: When nesting would pass the limit.
    mutating func beginArray() throws(AudioCacheError) {
        try enter()
    }

    private mutating func enter() throws(AudioCacheError) {
        depth += 1
        if depth > maxDepth {
            throw error("nesting is deeper than \(maxDepth) levels; flatten the document", at: position)
        }
        position += 1
    }

    /// Moves to the next field of the current object and returns its name, leaving the position
    /// at the field's value; returns `nil` after the closing `}`.
    /// - Parameter isFirst: `true` before the first field; set to `false` by the call.
    mutating func nextField(_ isFirst: inout Bool) throws(AudioCacheError) -> StringToken? {
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return nil
        }
        if isFirst {
            guard current == UInt8(ascii: "\"") else { throw unexpected("a field name in double quotes or '}'") }
            isFirst = false
        } else {
            guard current == UInt8(ascii: ",") else { throw unexpected("',' or '}' after a value in an object") }
            position += 1
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw unexpected("a field name in double quotes after ','") }
        }
        let name = try scanString()
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw unexpected("':' after a field name") }
        position += 1
        skipWhitespace()
        return name
    }

    /// Moves to the next element of the current array and returns `true`, leaving the position
    /// at the element; returns `false` after the closing `]`.
    /// - Parameter isFirst: `true` before the first element; set to `false` by the call.
    mutating func nextElement(_ isFirst: inout Bool) throws(AudioCacheError) -> Bool {
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return false
        }
        if isFirst {
            isFirst = false
        } else {
            guard current == UInt8(ascii: ",") else { throw unexpected("',' or ']' after a value in an array") }
            position += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") { throw unexpected("a value after ','") }
        }
        return true
    }

    // MARK: Values

    /// Checks and skips the value at the current position, whatever it is.
    /// - Throws: When the value is malformed or nested too deeply.
    mutating func skipValue() throws(AudioCacheError) {
        var objects: [Bool] = []  // for each open container that holds something: is it an object?
        while true {
            switch kind {
            case .object:
                try beginObject()
                var isFirst = true
                if try nextField(&isFirst) != nil {
                    objects.append(true)
                    continue
                }
            case .array:
                try beginArray()
                var isFirst = true
                if try nextElement(&isFirst) {
                    objects.append(false)
                    continue
                }
            case .string: _ = try scanString()
            case .number: try skipNumber()
            case .boolean, .null: try skipLiteral()
            case nil: throw unexpected("a value")
            }
            // A value ended: move to the next one in the innermost open container, closing the
            // containers that end here.
            while let isObject = objects.last {
                var isFirst = false
                if isObject {
                    if try nextField(&isFirst) != nil { break }
                } else {
                    if try nextElement(&isFirst) { break }
                }
                objects.removeLast()
            }
            if objects.isEmpty { return }
        }
    }

    /// Reads the string at the current position.
    mutating func readString() throws(AudioCacheError) -> String {
        string(try scanString())
    }

    /// Checks the string at the current position (escapes, surrogate pairs, UTF-8, length) and
    /// moves past it.
    mutating func scanString() throws(AudioCacheError) -> StringToken {
        let quote = position
        var offset = quote + 1
        var hasEscapes = false
        let limit = min(end, offset + maxStringBytes + 1)
        while offset < limit {
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
            } else if byte < 0x80 {
                offset += 1
            } else {
                let length = ManifestBytes.sequenceLength(base, at: offset, end: end)
                if length == 0 { throw error(ManifestBytes.invalidUTF8Message(at: offset), at: offset) }
                offset += length
            }
        }
        if limit < end {
            throw error("string is longer than \(maxStringBytes) bytes; a text may hold at most a few thousand characters", at: quote)
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
            let found = ManifestBytes.describe(base, at: offset + 1, end: end, endDescription: endDescription)
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

    /// The text of a string that ``scanString()`` checked, with its escapes decoded.
    func string(_ token: StringToken) -> String {
        if !token.hasEscapes {
            return String(decoding: UnsafeBufferPointer(start: base + token.start, count: token.end - token.start), as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.end - token.start)
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
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether a string's raw content is exactly `name` (a name without escapes).
    func matches(_ token: StringToken, _ name: StaticString) -> Bool {
        let count = token.end - token.start
        guard !token.hasEscapes, count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for index in 0..<count where base[token.start + index] != expected[index] { return false }
        return true
    }

    private mutating func skipNumber() throws(AudioCacheError) {
        func isDigit(_ offset: Int) -> Bool {
            offset < end && base[offset] >= UInt8(ascii: "0") && base[offset] <= UInt8(ascii: "9")
        }
        if base[position] == UInt8(ascii: "-") {
            position += 1
            guard isDigit(position) else { throw unexpected("a digit after '-' in a number") }
        }
        if base[position] == UInt8(ascii: "0") {
            position += 1
            if isDigit(position) { throw error("a number may not start with 0 followed by digits; write 7, not 07", at: position) }
        } else {
            while isDigit(position) { position += 1 }
        }
        if position < end && base[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { throw unexpected("a digit after '.' in a number") }
            while isDigit(position) { position += 1 }
        }
        if position < end && base[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < end && (base[position] == UInt8(ascii: "+") || base[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard isDigit(position) else { throw unexpected("a digit in the exponent of a number") }
            while isDigit(position) { position += 1 }
        }
    }

    private mutating func skipLiteral() throws(AudioCacheError) {
        for literal: StaticString in ["true", "false", "null"] {
            let count = literal.utf8CodeUnitCount
            guard end - position >= count, base[position] == literal.utf8Start[0] else { continue }
            var same = true
            for index in 1..<count where base[position + index] != literal.utf8Start[index] { same = false }
            if same {
                position += count
                return
            }
        }
        throw unexpected("a value (true, false, null, a number, a string, an array or an object)")
    }
}

/// A pull parser for JSON (RFC 8259) over a byte buffer that knows the line and column of every
/// value it meets.
///
/// The scanner never builds a tree: a reader asks for the next field name or array element and
/// then reads the value it expects, skips it, or names its type in a message. Strings are checked
/// in place (escapes, surrogate pairs, UTF-8) and only become `String`s when asked. Nesting is
/// bounded by ``ScanLimits/maxDepth`` and ``skipValue()`` keeps its own stack, so no
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
    private(set) var end: Int
    let path: String
    let limits: ScanLimits
    /// What an error calls `end`: `the end of the file` or `the end of the line`.
    let endDescription: String
    /// Whether line breaks in whitespace advance ``line`` (not within one line of JSON Lines).
    let countsLines: Bool
    /// The offset of the next byte to read.
    var position: Int
    private(set) var line: Int
    private(set) var lineStart: Int
    private(set) var depth = 0
    /// Voices, languages and models seen recently, reused instead of decoded again.
    var repeatedStrings = RepeatedStrings()
    /// Where ``readBytes()`` decodes strings with escapes; emptied for each phrase.
    var scratch: [UInt8] = []
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
        limits: ScanLimits,
        endDescription: String,
        countsLines: Bool
    ) {
        self.base = base
        self.end = end
        self.path = path
        self.limits = limits
        self.endDescription = endDescription
        self.countsLines = countsLines
        self.position = start
        self.line = line
        self.lineStart = lineStart
        self.columnAnchor = (lineStart, 1)
    }

    /// Moves the scanner to another line of the same file (the next line of JSON Lines), as if
    /// it were new.
    /// - Parameters:
    ///   - start: Where the line starts.
    ///   - end: Where it ends (its line feed, or the end of the file).
    ///   - line: Its number.
    mutating func reset(start: Int, end: Int, line: Int) {
        self.end = end
        self.position = start
        self.line = line
        self.lineStart = start
        self.depth = 0
        self.columnAnchor = (start, 1)
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
        let column = columnAnchor.column + UTF8Bytes.scalarCount(base, from: columnAnchor.offset, to: offset)
        columnAnchor = (offset, column)
        return SourceLocation(file: path, line: line, column: column)
    }

    /// A data error at `offset`.
    mutating func error(_ message: String, at offset: Int) -> AudioCacheError {
        .badData(at: location(at: offset), message)
    }

    /// An error saying what was expected at the current position and what was found instead.
    mutating func unexpected(_ expected: String) -> AudioCacheError {
        let found = UTF8Bytes.describe(base, at: position, end: end, endDescription: endDescription)
        return error("expected \(expected), found \(found)", at: position)
    }

    /// An error saying that something was found after a complete value, where nothing may be.
    /// - Parameters:
    ///   - what: What ended (`the document`, `the phrase`).
    ///   - advice: What to do about it.
    /// - Returns: The error, at the current position.
    mutating func unexpectedAfter(_ what: String, _ advice: String) -> AudioCacheError {
        let found = UTF8Bytes.describe(base, at: position, end: end, endDescription: endDescription)
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
        if depth > limits.maxDepth {
            throw error("nesting is deeper than \(limits.maxDepth) levels; flatten the document", at: position)
        }
        position += 1
    }

    /// Moves to the next field of the current object and returns its name, leaving the position
    /// at the field's value; returns `nil` after the closing `}`.
    /// - Parameter isFirst: `true` before the first field; set to `false` by the call.
    /// - Returns: The field's name, or `nil` at the end of the object.
    /// - Throws: When the object is malformed.
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
    /// - Returns: Whether there is another element.
    /// - Throws: When the array is malformed.
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
            if isDigit(position) {
                throw error("a number may not start with 0 followed by digits; write 7, not 07", at: position)
            }
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

/// Splits CSV bytes into records of fields, counting lines across quoted line breaks.
///
/// Quoted fields follow RFC 4180: a field that starts with `"` runs to the next lone `"`, may hold
/// delimiters, line breaks and `""` for a quote, and must be followed by a delimiter or a line
/// break. A quote anywhere else is a character of its field, as Python's `csv` module and
/// spreadsheets take it (`He is 6'2" tall`).
///
/// Fields are not copied: an unquoted or simply quoted field is a range of the file, and only a
/// quoted field with `""` escapes is unescaped, into a scratch buffer reused for every record.
/// Line breaks are LF, CRLF or a lone CR, inside quotes as well as between records.
struct CSVRecordScanner {
    /// Where one field's bytes are.
    struct Field {
        /// The field's bytes in the file (inside the quotes, when quoted).
        var start: Int
        /// The end of the field's bytes in the file.
        var end: Int
        /// Where the unescaped bytes are in ``CSVRecordScanner/scratch``, when the field held `""`.
        var unescaped: Range<Int>?

        /// Whether the field holds nothing.
        var isEmpty: Bool { start == end }
    }

    let base: UnsafePointer<UInt8>
    let count: Int
    let path: String
    let limits: ScanLimits
    /// What separates fields: `,`, `;` or a tab.
    let separator: CSVDelimiter
    /// The separator's byte.
    private let delimiter: UInt8
    private(set) var position: Int
    /// The line the scanner is on.
    private(set) var line = 1
    private(set) var lineStart: Int
    /// The line the current record starts on.
    private(set) var recordLine = 1
    /// The offset where the current record starts.
    private(set) var recordStart = 0
    /// The fields of the current record.
    private(set) var fields: [Field] = []
    /// Unescaped bytes of the current record's fields that held `""`.
    private(set) var scratch: [UInt8] = []

    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed: UInt8 = 0x0A
    private static let carriageReturn: UInt8 = 0x0D

    /// Creates a scanner over a whole file.
    /// - Parameters:
    ///   - base: The file.
    ///   - count: Its length.
    ///   - start: Where the first line starts (after a byte order mark).
    ///   - path: The file's path, for locations.
    ///   - limits: Bounds on field length.
    ///   - delimiter: The byte between fields.
    init(
        base: UnsafePointer<UInt8>,
        count: Int,
        start: Int,
        path: String,
        limits: ScanLimits,
        delimiter: CSVDelimiter
    ) {
        self.base = base
        self.count = count
        self.path = path
        self.limits = limits
        self.separator = delimiter
        self.delimiter = delimiter.rawValue
        self.position = start
        self.lineStart = start
        self.recordStart = start
        fields.reserveCapacity(16)
    }

    /// Reads the next record into ``fields``, skipping empty lines.
    /// - Returns: `false` at the end of the file.
    /// - Throws: When a quote is misplaced or never closed, or a field is too long.
    mutating func nextRecord() throws(AudioCacheError) -> Bool {
        fields.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: true)
        while position < count, skipLineBreak() {}
        guard position < count else { return false }
        recordLine = line
        recordStart = position
        while true {
            if position < count && base[position] == Self.quote {
                try scanQuotedField()
            } else {
                try scanUnquotedField()
            }
            guard position < count else { return true }
            if base[position] == delimiter {
                position += 1
            } else {
                _ = skipLineBreak()
                return true
            }
        }
    }

    /// The text of a field, or `nil` when its bytes are not UTF-8.
    func string(_ field: Field) -> String? {
        if let range = field.unescaped {
            return scratch.withUnsafeBufferPointer { buffer in
                guard let start = buffer.baseAddress else { return "" }
                return UTF8Bytes.string(start + range.lowerBound, count: range.count)
            }
        }
        return UTF8Bytes.string(base + field.start, count: field.end - field.start)
    }

    /// Where a field's bytes are: in the file, or unescaped.
    func bytes(_ field: Field) -> FieldBytes {
        guard let range = field.unescaped else { return .inFile(start: field.start, end: field.end) }
        return .inScratch(start: range.lowerBound, end: range.upperBound)
    }

    /// The text of a field whose values repeat, looked up in `repeated` first; `nil` when its
    /// bytes are not UTF-8.
    func string(_ field: Field, repeated: inout RepeatedStrings) -> String? {
        guard field.unescaped == nil else { return string(field) }
        return repeated.string(base, start: field.start, count: field.end - field.start)
    }

    /// The offset of the first byte in a field that is not UTF-8, if any.
    func firstInvalidUTF8(in field: Field) -> Int? {
        UTF8Bytes.firstInvalidUTF8(base, from: field.start, to: field.end)
    }

    /// The location of an offset in the current record, which may span lines.
    func location(inRecord offset: Int) -> SourceLocation {
        var line = recordLine
        var lineStart = recordStart
        var index = recordStart
        while index < offset {
            let byte = base[index]
            index += 1
            if byte == Self.lineFeed || byte == Self.carriageReturn && (index == count || base[index] != Self.lineFeed)
            {
                line += 1
                lineStart = index
            }
        }
        return SourceLocation(
            file: path,
            line: line,
            column: UTF8Bytes.scalarCount(base, from: lineStart, to: offset) + 1
        )
    }

    // MARK: Fields

    /// Consumes one line break at the position, if there is one.
    private mutating func skipLineBreak() -> Bool {
        let byte = base[position]
        if byte == Self.lineFeed {
            position += 1
        } else if byte == Self.carriageReturn {
            position += 1
            if position < count && base[position] == Self.lineFeed { position += 1 }
        } else {
            return false
        }
        line += 1
        lineStart = position
        return true
    }

    private mutating func scanUnquotedField() throws(AudioCacheError) {
        let start = position
        let limit = min(count, start + limits.maxFieldBytes + 1)
        var offset = start
        while offset < limit {
            offset = skipPlainBytes(from: offset, to: limit, includingDelimiter: true)
            guard offset < limit else { break }
            let byte = base[offset]
            if byte == delimiter || byte == Self.lineFeed || byte == Self.carriageReturn { break }
            // A quote inside an unquoted field is one of its characters.
            offset += 1
        }
        if offset == limit && limit < count {
            throw tooLong(line: line, lineStart: lineStart, at: start)
        }
        fields.append(Field(start: start, end: offset))
        position = offset
    }

    /// The offset of the first CR or LF, and the first delimiter or the first `"` in
    /// `offset..<limit`, looked for eight bytes at a time; when there is none, where fewer than
    /// eight bytes were left to look at.
    @inline(__always)
    private func skipPlainBytes(from offset: Int, to limit: Int, includingDelimiter: Bool) -> Int {
        var offset = offset
        while offset + 8 <= limit {
            let word = ByteWords.load(base + offset)
            let flags =
                ByteWords.equal(word, Self.lineFeed) | ByteWords.equal(word, Self.carriageReturn)
                | (includingDelimiter ? ByteWords.equal(word, delimiter) : ByteWords.equal(word, Self.quote))
            if flags != 0 { return offset + ByteWords.firstFlagged(flags) }
            offset += 8
        }
        return offset
    }

    private mutating func scanQuotedField() throws(AudioCacheError) {
        let quoteOffset = position
        let quoteLine = line
        let quoteLineStart = lineStart
        let start = quoteOffset + 1
        let limit = min(count, start + limits.maxFieldBytes + 1)
        var offset = start
        var chunk = start
        var unescapedStart: Int?
        while true {
            guard offset < limit else {
                if limit < count { throw tooLong(line: quoteLine, lineStart: quoteLineStart, at: quoteOffset) }
                throw error(
                    "quoted field is never closed; expected a closing '\"' before the end of the file",
                    line: quoteLine,
                    lineStart: quoteLineStart,
                    at: quoteOffset
                )
            }
            offset = skipPlainBytes(from: offset, to: limit, includingDelimiter: false)
            guard offset < limit else { continue }
            let byte = base[offset]
            offset += 1
            if byte > Self.quote { continue }
            if byte == Self.quote {
                guard offset < count && base[offset] == Self.quote else { break }
                // `""` stands for one quote: keep the text so far and the quote, then skip the second.
                if unescapedStart == nil { unescapedStart = scratch.count }
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + chunk, count: offset - chunk))
                offset += 1
                chunk = offset
            } else if byte == Self.lineFeed
                || byte == Self.carriageReturn && (offset == count || base[offset] != Self.lineFeed)
            {
                line += 1
                lineStart = offset
            }
        }
        let end = offset - 1  // the closing quote
        var field = Field(start: start, end: end)
        if let unescapedStart {
            scratch.append(contentsOf: UnsafeBufferPointer(start: base + chunk, count: end - chunk))
            field.unescaped = unescapedStart..<scratch.count
        }
        fields.append(field)
        position = offset
        guard position < count else { return }
        let next = base[position]
        if next != delimiter && next != Self.lineFeed && next != Self.carriageReturn {
            let found = UTF8Bytes.describe(base, at: position, end: count, endDescription: "the end of the file")
            throw error(
                "expected \(separator) or the end of the line after a closing quote, found \(found); write a quote inside a quoted field as \"\"",
                line: line,
                lineStart: lineStart,
                at: position
            )
        }
    }

    private func error(_ message: String, line: Int, lineStart: Int, at offset: Int) -> AudioCacheError {
        let column = UTF8Bytes.scalarCount(base, from: lineStart, to: offset) + 1
        return .badData(at: SourceLocation(file: path, line: line, column: column), message)
    }

    private func tooLong(line: Int, lineStart: Int, at offset: Int) -> AudioCacheError {
        error(
            limits.tooLongMessage("field"),
            line: line,
            lineStart: lineStart,
            at: offset
        )
    }
}

/// Finds where the tags of an XML document start, in step with a streaming parser's events.
///
/// `XMLParser` reports its position after a start tag has been read, which for a tag spread over
/// several lines is not where the tag begins. The locator walks the same bytes alongside the parser:
/// every start event takes the next start tag, every end event the next end tag (or the pending
/// `<line/>`), so each `<line>` is reported where its `<` is. Positions are 1-based; a line break is
/// LF, CRLF or a lone CR; columns count Unicode scalars, and a leading byte order mark is not counted.
///
/// The locator only needs to tell markup from text: comments, CDATA sections, processing
/// instructions and quoted attribute values are skipped whole. It never judges well-formedness;
/// that is the parser's job, and the reader stops at the parser's first error.
struct XMLMarkupLocator {
    /// A 1-based line and column.
    struct Position: Hashable {
        /// The line, counted from 1.
        var line: Int
        /// The column in Unicode scalars, counted from 1.
        var column: Int
    }

    private let bytes: UnsafeRawBufferPointer
    private var offset: Int
    private var position = Position(line: 1, column: 1)
    private var pendingSelfClosingEnd = false

    /// Creates a locator at the start of a document.
    /// - Parameter bytes: The whole document, which must outlive the locator.
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.offset = Self.hasByteOrderMark(bytes) ? 3 : 0
    }

    /// Moves past the next start tag and returns where its `<` is.
    mutating func nextStartTag() -> Position {
        while offset < bytes.count {
            guard bytes[offset] == UInt8(ascii: "<") else {
                advance()
                continue
            }
            switch byte(at: offset + 1) {
            case UInt8(ascii: "/"), UInt8(ascii: "!"), UInt8(ascii: "?"):
                skipMarkup()
            default:
                let start = position
                pendingSelfClosingEnd = skipTag()
                return start
            }
        }
        return position
    }

    /// Moves past the end tag that matches the current end event.
    ///
    /// An empty-element tag (`<line/>`) produces a start and an end event; its end event moves nothing.
    mutating func nextEndTag() {
        if pendingSelfClosingEnd {
            pendingSelfClosingEnd = false
            return
        }
        while offset < bytes.count {
            guard bytes[offset] == UInt8(ascii: "<") else {
                advance()
                continue
            }
            let isEndTag = byte(at: offset + 1) == UInt8(ascii: "/")
            skipMarkup()
            if isEndTag { return }
        }
    }

    /// Where the next character that is neither XML whitespace nor inside a comment or processing
    /// instruction is, from the current place on; the locator itself does not move.
    func nextContent() -> Position {
        var probe = self
        while probe.offset < probe.bytes.count {
            let current = probe.bytes[probe.offset]
            if Self.isXMLWhitespace(current) {
                probe.advance()
            } else if current == UInt8(ascii: "<"), probe.startsWith("<!--") || probe.startsWith("<?") {
                probe.skipMarkup()
            } else {
                break
            }
        }
        return probe.position
    }

    /// The position of a byte offset in a document, counting from its start.
    /// - Parameters:
    ///   - target: The byte offset.
    ///   - bytes: The document.
    /// - Returns: The line and column of that byte.
    static func position(ofOffset target: Int, in bytes: UnsafeRawBufferPointer) -> Position {
        var locator = XMLMarkupLocator(bytes)
        while locator.offset < min(target, bytes.count) { locator.advance() }
        return locator.position
    }

    /// The byte offset of a position in a document: the inverse of ``position(ofOffset:in:)``.
    /// - Parameters:
    ///   - target: The line and column.
    ///   - bytes: The document.
    /// - Returns: The offset of the first byte at or after that position.
    static func offset(of target: Position, in bytes: UnsafeRawBufferPointer) -> Int {
        var locator = XMLMarkupLocator(bytes)
        while locator.offset < bytes.count
            && (locator.position.line, locator.position.column) < (target.line, target.column)
        {
            locator.advance()
        }
        return locator.offset
    }

    /// Whether a byte is one of XML's four whitespace characters: space, tab, line feed, carriage return.
    static func isXMLWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Whether the document starts with the UTF-8 byte order mark.
    static func hasByteOrderMark(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    // Moves one byte on, keeping the line and column.
    private mutating func advance() {
        let current = bytes[offset]
        offset += 1
        if current == 0x0A || (current == 0x0D && byte(at: offset) != 0x0A) {
            position.line += 1
            position.column = 1
        } else if current & 0xC0 != 0x80 {
            // Count a scalar at its first byte: continuation bytes (10xxxxxx) belong to the previous one.
            if current != 0x0D { position.column += 1 }
        }
    }

    private func byte(at index: Int) -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func startsWith(_ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { expected in
            for index in 0..<count where bytes[offset + index] != expected[index] { return false }
            return true
        }
    }

    // Moves past a comment, CDATA section, processing instruction or end tag starting at `offset`.
    private mutating func skipMarkup() {
        if startsWith("<!--") {
            skip(through: "-->")
        } else if startsWith("<![CDATA[") {
            skip(through: "]]>")
        } else if startsWith("<?") {
            skip(through: "?>")
        } else {
            _ = skipTag()
        }
    }

    private mutating func skip(through terminator: StaticString) {
        while offset < bytes.count {
            if startsWith(terminator) {
                for _ in 0..<terminator.utf8CodeUnitCount { advance() }
                return
            }
            advance()
        }
    }

    // Moves past a tag, skipping quoted attribute values (which may hold `>`); returns whether the
    // tag ends with `/>`.
    private mutating func skipTag() -> Bool {
        var quote: UInt8?
        var previous: UInt8 = 0
        while offset < bytes.count {
            let current = bytes[offset]
            advance()
            if let open = quote {
                if current == open { quote = nil }
            } else if current == UInt8(ascii: "\"") || current == UInt8(ascii: "'") {
                quote = current
            } else if current == UInt8(ascii: ">") {
                return previous == UInt8(ascii: "/")
            }
            previous = current
        }
        return false
    }
}

/// A small streaming JSON writer that appends UTF-8 bytes to a buffer, laid out exactly as
/// Foundation's `JSONEncoder` prints with `.prettyPrinted` and `.withoutEscapingSlashes`.
///
/// The layout: two spaces of indent per level, `"key" : value` with a space on each side of the
/// colon, one member or element per line, and empty containers as the bracket, two line feeds,
/// the indent and the closing bracket. Strings are escaped as RFC 8259 requires and nothing more:
/// `"` and `\` and the control characters U+0000–U+001F (the short forms `\b \t \n \f \r`, else
/// `\u00xx` in lower-case hex); everything else, `/` and non-ASCII included, is copied as raw UTF-8.
///
/// The writer does not sort keys or check the structure: callers write keys in the order they
/// want them (byte order, to match `.sortedKeys`), put a value after every key and close what they
/// open. `PlanDocumentTests` holds the output to `JSONEncoder`'s byte for byte.
///
/// A compact writer (``init(capacity:compact:)``) writes the same values with no whitespace at
/// all (`{"key":value,…}`), one document per line for JSON Lines and the cache index.
///
/// Long documents can be written in pieces: take ``bytes`` out with ``removeAll()`` whenever
/// ``count`` grows past a chunk size; the writer's state does not depend on what it has written.
struct JSONWriter {
    /// The bytes written and not yet removed.
    private(set) var bytes: [UInt8] = []
    /// How many containers are open.
    private var depth = 0
    /// Whether the innermost open container has no member or element yet.
    private var isEmpty = true
    /// Whether a key was just written, so the next value goes on the same line.
    private var afterKey = false
    /// Whether to write without whitespace.
    let isCompact: Bool

    /// Creates a writer.
    /// - Parameters:
    ///   - capacity: The bytes to reserve room for.
    ///   - compact: Whether to write without whitespace rather than in `JSONEncoder`'s pretty layout.
    init(capacity: Int = 0, compact: Bool = false) {
        bytes.reserveCapacity(capacity)
        isCompact = compact
    }

    /// Creates a writer for elements of an array that another writer opened, at depth `depth`
    /// (its `beginArray()` made it that deep): its bytes belong right after that writer's, laid
    /// out as if that writer had written them (see ``noteElements(_:)``). Long arrays can so be
    /// written in parts, in parallel.
    /// - Parameters:
    ///   - depth: The depth of the array's elements: 1 for the elements of a top-level array.
    ///   - afterElements: Whether elements come before these in the array.
    ///   - capacity: The bytes to reserve room for.
    ///   - buffer: A buffer to write into, emptied first (its room is kept), instead of a new one.
    init(elementsAt depth: Int, afterElements: Bool, capacity: Int = 0, reusing buffer: [UInt8]? = nil) {
        self.init(capacity: 0)
        if var buffer {
            buffer.removeAll(keepingCapacity: true)
            bytes = buffer
        }
        bytes.reserveCapacity(capacity)
        self.depth = depth
        isEmpty = !afterElements
    }

    /// Records that the bytes of a writer made with ``init(elementsAt:afterElements:capacity:)``
    /// were written out right after this writer's bytes, without passing through them.
    /// - Parameter fragment: The elements' bytes.
    mutating func noteElements(_ fragment: [UInt8]) {
        if !fragment.isEmpty { isEmpty = false }
    }

    /// The number of bytes in ``bytes``.
    var count: Int { bytes.count }

    /// Empties ``bytes``, keeping its capacity, to go on writing after handing the bytes out.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    // MARK: Structure

    /// Opens an object: write its members with ``key(_:)`` and a value each, then ``endObject()``.
    mutating func beginObject() {
        open(UInt8(ascii: "{"))
    }

    /// Closes the innermost object.
    mutating func endObject() {
        close(UInt8(ascii: "}"))
    }

    /// Opens an array: write its elements, then ``endArray()``.
    mutating func beginArray() {
        open(UInt8(ascii: "["))
    }

    /// Closes the innermost array.
    mutating func endArray() {
        close(UInt8(ascii: "]"))
    }

    /// Writes a member name of the innermost object; a value must follow.
    /// - Parameter name: The name, plain ASCII that needs no escaping.
    mutating func key(_ name: StaticString) {
        startValue()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        append(isCompact ? Self.compactColon : Self.colon)
        afterKey = true
    }

    /// Writes a member name that may need escaping; a value must follow.
    /// - Parameter name: The name.
    mutating func key(_ name: String) {
        string(name)
        append(isCompact ? ":" : " : ")
        afterKey = true
    }

    // MARK: Values

    /// Writes a string value, escaped.
    /// - Parameter text: The string.
    mutating func string(_ text: String) {
        startValue()
        let written = text.utf8.withContiguousStorageIfAvailable { appendEscaped($0) } != nil
        guard !written else { return }
        var copy = text
        copy.withUTF8 { appendEscaped($0) }
    }

    /// Writes a string value given as UTF-8, escaped.
    /// - Parameter utf8: The string's bytes.
    mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        startValue()
        appendEscaped(utf8)
    }

    /// Writes a cache key as a string of 32 lower-case hex digits, as its `description`.
    /// - Parameter key: The key.
    mutating func string(_ key: CacheKey) {
        startValue()
        bytes.append(UInt8(ascii: "\""))
        appendHex(key.high)
        appendHex(key.low)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes bytes as a string of lower-case hex digits, two per byte.
    /// - Parameter hexBytes: The bytes.
    mutating func hexString(_ hexBytes: some Sequence<UInt8>) {
        startValue()
        bytes.append(UInt8(ascii: "\""))
        for byte in hexBytes {
            bytes.append(Self.hexDigit(byte >> 4))
            bytes.append(Self.hexDigit(byte & 0xF))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes a finite floating-point value in its shortest form that reads back the same
    /// (`0.5`, `1.0`, `1e-07`).
    /// - Parameter value: The number; must be finite, as JSON has no infinities or NaN.
    mutating func double(_ value: Double) {
        startValue()
        precondition(value.isFinite, "JSON numbers are finite")
        bytes.append(contentsOf: value.description.utf8)
    }

    /// Writes an integer value in decimal.
    /// - Parameter value: The integer.
    mutating func int(_ value: Int) {
        startValue()
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for a sign and 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            guard let out = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            bytes.append(contentsOf: UnsafeBufferPointer(start: out, count: Self.writeDecimal(value, to: out)))
        }
    }

    /// Writes `value` in decimal to `out`, which has room for 21 bytes.
    /// - Returns: The number of bytes written.
    private static func writeDecimal(_ value: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var written = 0
        if value < 0 {
            out[0] = UInt8(ascii: "-")
            written = 1
        }
        var magnitude = value.magnitude
        var divisor: UInt = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        repeat {
            out[written] = UInt8(ascii: "0") + UInt8(magnitude / divisor)
            magnitude %= divisor
            divisor /= 10
            written += 1
        } while divisor > 0
        return written
    }

    /// Writes `true` or `false`.
    /// - Parameter value: The Boolean.
    mutating func bool(_ value: Bool) {
        startValue()
        append(value ? "true" : "false")
    }

    /// Writes `null`.
    mutating func null() {
        startValue()
        append("null")
    }

    /// Writes a line feed, as `PlanDocument.jsonData()` ends its document; only after the last value.
    mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
    }

    // MARK: Layout

    // Static strings rather than arrays: appending them retains nothing.
    private static let colon: StaticString = "\" : "
    private static let compactColon: StaticString = "\":"
    private static let spaces: StaticString = "                                "

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Puts the separator, line feed and indent before a member or element, unless a key was
    /// just written (or this is the top-level value).
    private mutating func startValue() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        if !isEmpty { bytes.append(UInt8(ascii: ",")) }
        isEmpty = false
        if isCompact { return }
        bytes.append(UInt8(ascii: "\n"))
        indent(depth)
    }

    private mutating func open(_ bracket: UInt8) {
        startValue()
        bytes.append(bracket)
        depth += 1
        isEmpty = true
    }

    private mutating func close(_ bracket: UInt8) {
        if isCompact {
            depth -= 1
            bytes.append(bracket)
            isEmpty = false
            return
        }
        if isEmpty { bytes.append(UInt8(ascii: "\n")) }
        bytes.append(UInt8(ascii: "\n"))
        depth -= 1
        indent(depth)
        bytes.append(bracket)
        // The enclosing container holds this one, so it is not empty.
        isEmpty = false
    }

    private mutating func indent(_ level: Int) {
        var remaining = 2 * level
        while remaining > 0 {
            let run = min(remaining, Self.spaces.utf8CodeUnitCount)
            Self.spaces.withUTF8Buffer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<run])) }
            remaining -= run
        }
    }

    // MARK: Escaping

    /// Appends `text` in quotes, copying runs of bytes that need no escape in one go; the runs are
    /// found eight bytes at a time.
    private mutating func appendEscaped(_ text: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        guard let base = text.baseAddress else {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        var runStart = 0
        var index = 0
        while index < text.count {
            if index + 8 <= text.count && ByteWords.jsonSpecial(ByteWords.load(base + index)) == 0 {
                index += 8
                continue
            }
            let byte = base[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            if runStart < index {
                bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
            }
            appendEscape(byte)
            index += 1
            runStart = index
        }
        if runStart < text.count {
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: text.count - runStart))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A string value as the writer writes it: escaped, in quotes. Values written many times, such
    /// as file paths in a list of sources, are so escaped once.
    /// - Parameter text: The string.
    /// - Returns: Its bytes in the document.
    static func quoted(_ text: String) -> [UInt8] {
        var writer = JSONWriter(capacity: text.utf8.count + 2, compact: true)
        writer.string(text)
        return writer.bytes
    }

    /// Writes an object of a file, an optional id, a line and an optional column (a phrase source:
    /// `column`, `file`, `id`, `line`, in that order), laid out as `beginObject()`, `key(_:)`, the
    /// values and `endObject()` would, but formatted in one go: a plan lists hundreds of thousands
    /// of sources.
    /// - Parameters:
    ///   - file: The file as a string value, escaped and in quotes (``quoted(_:)``).
    ///   - line: The line.
    ///   - column: The column, if any.
    ///   - id: The id as UTF-8, if any.
    mutating func sourceObject(
        quotedFile file: UnsafeBufferPointer<UInt8>,
        line: Int,
        column: Int?,
        id: UnsafeBufferPointer<UInt8>?
    ) {
        guard !isCompact else {
            beginObject()
            if let column {
                key("column")
                int(column)
            }
            key("file")
            startValue()
            bytes.append(contentsOf: file)
            if let id {
                key("id")
                string(utf8: id)
            }
            key("line")
            int(line)
            return endObject()
        }
        startValue()
        let indent = 2 * (depth + 1)
        // Room for the worst case, every byte of the id escaped as \u00XX; the rest is cut.
        let room = file.count + 6 * (id?.count ?? 0) + 4 * (indent + 40) + 64
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: room))
        let used = bytes.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            var out = Cursor(next: base + start, indent: indent)
            out.put("{")
            if let column {
                out.member("column", first: true)
                out.decimal(column)
            }
            out.member("file", first: column == nil)
            out.put(file)
            if let id {
                out.member("id")
                out.escaped(id)
            }
            out.member("line")
            out.decimal(line)
            out.put("\n")
            out.spaces(indent - 2)
            out.put("}")
            return out.next - (base + start)
        }
        bytes.removeLast(room - used)
        isEmpty = false
    }

    /// Where ``sourceObject(quotedFile:line:column:id:)`` writes next, in the room it made.
    private struct Cursor {
        var next: UnsafeMutablePointer<UInt8>
        /// The indent of the object's members.
        let indent: Int

        mutating func put(_ text: StaticString) {
            text.withUTF8Buffer { put($0) }
        }

        mutating func put(_ text: UnsafeBufferPointer<UInt8>) {
            guard let source = text.baseAddress else { return }
            next.update(from: source, count: text.count)
            next += text.count
        }

        mutating func spaces(_ count: Int) {
            next.update(repeating: UInt8(ascii: " "), count: count)
            next += count
        }

        /// A member's start: the comma after the one before, a line feed, the indent, the name.
        mutating func member(_ name: StaticString, first: Bool = false) {
            put(first ? "\n" : ",\n")
            spaces(indent)
            put("\"")
            put(name)
            put(JSONWriter.colon)
        }

        mutating func decimal(_ value: Int) {
            next += JSONWriter.writeDecimal(value, to: next)
        }

        mutating func escaped(_ text: UnsafeBufferPointer<UInt8>) {
            next += JSONWriter.writeEscaped(text, to: next)
        }
    }

    /// Writes `text` in quotes and escaped to `out`, which has room for `6 * text.count + 2` bytes.
    /// - Returns: The number of bytes written.
    private static func writeEscaped(_ text: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var written = 0
        out[written] = UInt8(ascii: "\"")
        written += 1
        for byte in text {
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                out[written] = byte
                written += 1
                continue
            }
            written += writeEscape(byte, to: out + written)
        }
        out[written] = UInt8(ascii: "\"")
        return written + 1
    }

    private mutating func appendEscape(_ byte: UInt8) {
        var escape: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &escape) { buffer in
            guard let out = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            bytes.append(contentsOf: UnsafeBufferPointer(start: out, count: Self.writeEscape(byte, to: out)))
        }
    }

    /// Writes the escape of a quote, a backslash or a control character (`\"`, `\n`, `\u001f`)
    /// to `out`, which has room for six bytes.
    /// - Returns: The number of bytes written.
    private static func writeEscape(_ byte: UInt8, to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out[1] = byte
        case 0x08: out[1] = UInt8(ascii: "b")
        case 0x09: out[1] = UInt8(ascii: "t")
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0C: out[1] = UInt8(ascii: "f")
        case 0x0D: out[1] = UInt8(ascii: "r")
        default:
            out[1] = UInt8(ascii: "u")
            out[2] = UInt8(ascii: "0")
            out[3] = UInt8(ascii: "0")
            out[4] = hexDigit(byte >> 4)
            out[5] = hexDigit(byte & 0xF)
            return 6
        }
        return 2
    }

    private mutating func appendHex(_ value: UInt64) {
        for index in 0..<16 {
            bytes.append(Self.hexDigit(UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xF))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

import Foundation
import PropertyBased
import Testing

@testable import AudioCache

/// `JSONWriter` against `JSONEncoder` (`.prettyPrinted`, `.sortedKeys`, `.withoutEscapingSlashes`),
/// byte for byte.
@Suite struct JSONWriterTests {
    /// A JSON value that both encoders can write; object members must be listed in byte order.
    indirect enum Value: Encodable, Sendable {
        case object([(StaticString, Value)])
        case array([Value])
        case string(String)
        case int(Int)
        case bool(Bool)
        case null

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .object(let members):
                var container = encoder.container(keyedBy: Key.self)
                for (name, value) in members { try container.encode(value, forKey: Key(stringValue: "\(name)")) }
            case .array(let elements):
                var container = encoder.unkeyedContainer()
                for element in elements { try container.encode(element) }
            case .string(let text):
                var container = encoder.singleValueContainer()
                try container.encode(text)
            case .int(let number):
                var container = encoder.singleValueContainer()
                try container.encode(number)
            case .bool(let flag):
                var container = encoder.singleValueContainer()
                try container.encode(flag)
            case .null:
                var container = encoder.singleValueContainer()
                try container.encodeNil()
            }
        }

        func write(into writer: inout JSONWriter) {
            switch self {
            case .object(let members):
                writer.beginObject()
                for (name, value) in members {
                    writer.key(name)
                    value.write(into: &writer)
                }
                writer.endObject()
            case .array(let elements):
                writer.beginArray()
                for element in elements { element.write(into: &writer) }
                writer.endArray()
            case .string(let text): writer.string(text)
            case .int(let number): writer.int(number)
            case .bool(let flag): writer.bool(flag)
            case .null: writer.null()
            }
        }
    }

    static func encoded(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func written(_ value: Value) -> [UInt8] {
        var writer = JSONWriter()
        value.write(into: &writer)
        return writer.bytes
    }

    static func expectSameBytes(_ value: Value, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let expected = try encoded(value)
        let actual = written(value)
        #expect(
            actual == expected,
            "\(String(decoding: actual, as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))",
            sourceLocation: sourceLocation
        )
    }

    @Test func everyASCIICharacterIsEscapedAsJSONEncoderDoes() throws {
        for value in 0..<0x80 {
            let text = String(Character(Unicode.Scalar(UInt8(value))))
            try Self.expectSameBytes(.array([.string(text), .string("a\(text)b\(text)\(text)")]))
        }
    }

    @Test func controlCharactersUseShortFormsOrLowerCaseHex() {
        var writer = JSONWriter()
        writer.string("\u{0}\u{8}\t\n\u{B}\u{C}\r\u{1B}\u{1F}\"\\/\u{7F}")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""\u0000\b\t\n\u000b\f\r\u001b\u001f\"\\/\#u{7F}""#)
    }

    @Test(arguments: [
        "", "plain", "café", "cafe\u{301}", "\u{2028}\u{2029}", "😀👩‍👩‍👧", "a/b//c", "\u{FEFF}x", "\u{FFFD}", "Σ ς",
        "\u{10FFFF}", String(repeating: "long text without escapes ", count: 200),
        String(repeating: "\"\\\n", count: 100),
    ])
    func nonASCIIAndSlashesPassThroughRaw(text: String) throws {
        try Self.expectSameBytes(.string(text))
        try Self.expectSameBytes(.object([("text", .string(text))]))
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            #expect(Self.written(.string(text)) == Array("\"\(text)\"".utf8))
        }
    }

    @Test func bridgedAndSubstringBackedStringsAreEscapedToo() throws {
        let slice = "«quoted \"x\"» / tail"
        let text = String(slice.dropFirst(1).dropLast(2))
        try Self.expectSameBytes(.string(text))
        let bridged = NSString(string: "ns \"string\" \u{1}").description
        try Self.expectSameBytes(.string(bridged))
    }

    @Test(arguments: [0, 1, -1, 9, 10, 99, 100, 12_345, -98_765, Int(Int32.max), Int.max, Int.min])
    func integers(number: Int) throws {
        try Self.expectSameBytes(.int(number))
        try Self.expectSameBytes(.array([.int(number)]))
    }

    @Test func nestingAndEmptyContainers() throws {
        try Self.expectSameBytes(.array([]))
        try Self.expectSameBytes(.object([]))
        try Self.expectSameBytes(.array([.array([]), .object([]), .array([.array([.array([])])])]))
        try Self.expectSameBytes(
            .object([
                ("a", .array([])),
                ("b", .object([("c", .object([])), ("d", .array([.int(1), .null, .bool(true), .bool(false)]))])),
                ("e", .string("x")),
                ("e_f", .array([.object([("g", .null)]), .object([])])),
            ])
        )
        #expect(String(decoding: Self.written(.array([])), as: UTF8.self) == "[\n\n]")
    }

    @Test func deepNestingIndentsPastTheSpaceTable() throws {
        var value = Value.array([.string("deep")])
        for level in 0..<40 {
            let key: StaticString = "k"
            value = level.isMultiple(of: 2) ? .array([value, .int(level)]) : .object([(key, value)])
        }
        try Self.expectSameBytes(value)
    }

    @Test func bytesCanBeTakenOutInPieces() throws {
        let value = Value.object([("a", .array((0..<50).map { .string("item \($0)") })), ("b", .array([]))])
        var writer = JSONWriter()
        var pieces: [UInt8] = []
        writer.beginObject()
        writer.key("a")
        writer.beginArray()
        for index in 0..<50 {
            writer.string("item \(index)")
            pieces += writer.bytes
            writer.removeAll()
            #expect(writer.count == 0)
        }
        writer.endArray()
        writer.key("b")
        writer.beginArray()
        writer.endArray()
        writer.endObject()
        pieces += writer.bytes
        #expect(pieces == (try Self.encoded(value)))
    }

    /// Pieces of text that exercise the escapes and the runs between them.
    static let pieces: [String] =
        TrickyText.words + TrickyText.pythonSpaces + TrickyText.notSpaces + TrickyText.greek + TrickyText.turkish
        + TrickyText.equivalentPairs.flatMap { [$0.nfc, $0.nfd] }
        + ["\"", "\\", "/", "\u{8}", "\u{C}", "\r\n", "\u{1}", "\u{1F}", "\u{2028}", "😀", "\\u0041", "</script>"]
    static let text = Gen<String?>.element(of: pieces).map { $0 ?? "" }.array(of: 0...24).map { $0.joined() }

    @Test func generatedTextsMatchJSONEncoder() async {
        await propertyCheck(count: 300, input: Self.text) { text in
            let expected = try? Self.encoded(.array([.string(text)]))
            #expect(Self.written(.array([.string(text)])) == expected)
        }
    }

    /// Phrase sources are formatted in one go (`sourceObject`); pretty or compact, at the top or
    /// deeply nested, they must read as `JSONEncoder` writes them.
    @Test(arguments: [false, true])
    func sourcesMatchJSONEncoder(compact: Bool) throws {
        let sources = [
            PhraseSource(file: "a.csv", line: 2),
            PhraseSource(file: "dir/\"q\"\\b.jsonl", line: 1_234_567, column: 9, id: "id\t\u{1}é"),
            PhraseSource(file: "m.xml", line: 3, id: "x"),
            PhraseSource(file: "m.json", line: 4, column: 1),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            compact ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        for depth in [0, 40] {
            var writer = JSONWriter(compact: compact)
            for _ in 0..<depth { writer.beginArray() }
            writer.beginArray()
            for source in sources {
                writer.source(file: source.file, line: source.line, column: source.column, id: source.id)
            }
            writer.endArray()
            for _ in 0..<depth { writer.endArray() }
            let expected = try encoder.encode(Nested(depth: depth, sources: sources))
            #expect(
                String(decoding: writer.bytes, as: UTF8.self) == String(decoding: expected, as: UTF8.self),
                "depth \(depth)"
            )
        }
    }
}

/// `sources` inside `depth` arrays, for `JSONEncoder`.
private struct Nested: Encodable {
    var depth: Int
    var sources: [PhraseSource]

    func encode(to encoder: any Encoder) throws {
        guard depth > 0 else { return try sources.encode(to: encoder) }
        var container = encoder.unkeyedContainer()
        try container.encode(Nested(depth: depth - 1, sources: sources))
    }
}

import Testing

@testable import AudioCache

@Suite struct ManifestPartitionTests {
    private static func parts(_ text: String, _ format: ManifestFormat, size: Int) -> [String] {
        let bytes = Array(text.utf8)
        let ranges = bytes.withUnsafeBytes { ManifestPartition.parts(of: $0, format: format, partSize: size) }
        #expect(ranges.first?.lowerBound == 0)
        #expect(ranges.last?.upperBound == bytes.count)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        return ranges.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test func jsonLinesPartsEndAtTheFirstLineFeedFromTheirSize() {
        #expect(Self.parts("ab\ncd\nef\n", .jsonLines, size: 1) == ["ab\n", "cd\n", "ef\n"])
        #expect(Self.parts("ab\ncd\nef\n", .jsonLines, size: 3) == ["ab\n", "cd\n", "ef\n"])
        #expect(Self.parts("ab\ncd\nef\n", .jsonLines, size: 4) == ["ab\ncd\n", "ef\n"])
        #expect(Self.parts("abcdef\ng", .jsonLines, size: 2) == ["abcdef\n", "g"])
        #expect(Self.parts("abcdef", .jsonLines, size: 2) == ["abcdef"])
        #expect(Self.parts("ab\ncd\n", .jsonLines, size: 6) == ["ab\ncd\n"])
    }

    /// A line feed inside quotes does not end a record, however far the quoted field runs, and
    /// doubled quotes inside it change nothing.
    @Test func csvPartsNeverCutAQuotedField() {
        let text = "text,id\n\"a\nb\"\"\n\nc\",1\r\nplain,2\n\"\"\"\",3\n"
        #expect(
            Self.parts(text, .csv, size: 1) == ["text,id\n", "\"a\nb\"\"\n\nc\",1\r\n", "plain,2\n", "\"\"\"\",3\n"]
        )
        #expect(Self.parts(text, .csv, size: 10) == ["text,id\n\"a\nb\"\"\n\nc\",1\r\n", "plain,2\n\"\"\"\",3\n"])
        // Lines that end with a carriage return alone are not cut.
        #expect(Self.parts("text\rb\rc\r", .csv, size: 1) == ["text\rb\rc\r"])
    }

    @Test func otherFormatsAndSmallFilesAreOnePart() {
        #expect(Self.parts("[\n1,\n2\n]\n", .json, size: 1) == ["[\n1,\n2\n]\n"])
        #expect(Self.parts("<a>\n</a>\n", .xml, size: 1) == ["<a>\n</a>\n"])
        #expect(Self.parts("a\nb\n", .csv, size: 4) == ["a\nb\n"])
    }

    /// Quotes are counted 32 and 8 bytes at a time; every offset and length must count the same as
    /// one byte at a time, with bytes that differ from a quote in one bit only around them.
    @Test func quotesAreCountedExactlyAtEveryAlignment() {
        let alphabet: [UInt8] = [0x22, 0x22, 0xA2, 0x23, 0x21, 0x02, 0x61, 0x0A, 0xFF, 0x00]
        var state: UInt32 = 7
        let bytes = (0..<120).map { _ in
            state = state &* 1_103_515_245 &+ 12_345
            return alphabet[Int(state >> 16) % alphabet.count]
        }
        var wrong: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for start in 0..<bytes.count {
                for end in start...bytes.count {
                    let expected = bytes[start..<end].filter { $0 == UInt8(ascii: "\"") }.count % 2 == 1
                    if ManifestPartition.hasOddQuotes(base, from: start, to: end) != expected {
                        wrong.append(start..<end)
                    }
                }
            }
        }
        #expect(wrong.isEmpty)
    }
}

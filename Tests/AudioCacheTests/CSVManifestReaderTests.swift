import Testing

@testable import AudioCache

@Suite struct CSVManifestReaderTests {
    private static let p = ExpectedPhrases(.csv)

    static let good: [GoodInput] = [
        GoodInput(
            "all known columns",
            "text,voice_id,language,model_id,id\nHola,v1,es,eleven_v2,greet\n",
            [
                p("Hola", voice: "v1", language: "es", model: "eleven_v2", id: "greet", line: 2)
            ]
        ),
        GoodInput(
            "columns in any order",
            "id,language,text\nx1,es,Hola\n",
            [p("Hola", language: "es", id: "x1", line: 2)]
        ),
        GoodInput("quoted commas", "text,id\n\"Hola, ¿qué tal?\",a\n", [p("Hola, ¿qué tal?", id: "a", line: 2)]),
        GoodInput(
            "escaped quotes",
            "text\n\"say \"\"hi\"\"\"\n\"\"\"\"\"\"\n",
            [p("say \"hi\"", line: 2), p("\"\"", line: 3)]
        ),
        GoodInput(
            "embedded newlines keep later lines right",
            "text,id\n\"one\ntwo\n\nthree\",a\nnext,b\n",
            [
                p("one\ntwo\n\nthree", id: "a", line: 2), p("next", id: "b", line: 6),
            ]
        ),
        GoodInput(
            "CRLF line endings",
            "text,id\r\n\"a\r\nb\",x\r\nc,y\r\n",
            [
                p("a\r\nb", id: "x", line: 2), p("c", id: "y", line: 4),
            ]
        ),
        GoodInput("CR line endings", "text\rA\r\"B\rC\"\rD", [p("A", line: 2), p("B\rC", line: 3), p("D", line: 5)]),
        GoodInput("byte order mark", "\u{FEFF}text,voice_id\nHola,v1\n", [p("Hola", voice: "v1", line: 2)]),
        GoodInput("no trailing newline", "text\nA\nB", [p("A", line: 2), p("B", line: 3)]),
        GoodInput("empty lines are skipped", "\ntext\n\nA\n\n\r\nB\n\n", [p("A", line: 4), p("B", line: 7)]),
        GoodInput("empty cells mean not set", "text,voice_id,language,model_id,id\nA,,,,\n", [p("A", line: 2)]),
        GoodInput(
            "other columns are tags",
            "text,scene,notes\nA,intro,\nB,outro,\"x, y\"\n",
            [
                p("A", tags: ["scene": "intro", "notes": ""], line: 2),
                p("B", tags: ["scene": "outro", "notes": "x, y"], line: 3),
            ]
        ),
        GoodInput(
            "header names are trimmed and may be quoted",
            "\" text \", voice_id \nA,v1\n",
            [p("A", voice: "v1", line: 2)]
        ),
        GoodInput(
            "quotes inside unquoted fields are literal",
            "text,id\nHe is 6'2\" tall,a\n37°36'37.8\"N,b\nab\"c,\"d\"\"\"\n",
            [
                p("He is 6'2\" tall", id: "a", line: 2), p("37°36'37.8\"N", id: "b", line: 3),
                p("ab\"c", id: "d\"", line: 4),
            ]
        ),
        GoodInput(
            "a quote after a leading space is literal",
            "text, \"id\"\nA,x\n",
            [p("A", tags: ["\"id\"": "x"], line: 2)]
        ),
        GoodInput(
            "semicolons, as spreadsheets in many locales save CSV",
            "id;text;voice_id\nm1;Hola, ¿qué tal?;v1\nm2;\"Uno; dos\";v2\n",
            [p("Hola, ¿qué tal?", voice: "v1", id: "m1", line: 2), p("Uno; dos", voice: "v2", id: "m2", line: 3)]
        ),
        GoodInput(
            "tabs",
            "text\tvoice_id\nHola, amigo\tv1\n\"a\tb\"\tv2\n",
            [p("Hola, amigo", voice: "v1", line: 2), p("a\tb", voice: "v2", line: 3)]
        ),
        GoodInput(
            "the delimiter used most in the header wins; quoted ones do not count",
            "\"a,b\";\"c,d\";text\n1;2;Hola, sí\n",
            [p("Hola, sí", tags: ["a,b": "1", "c,d": "2"], line: 2)]
        ),
        GoodInput("a one-column header means commas", "text\nHola; adiós\n", [p("Hola; adiós", line: 2)]),
        GoodInput(
            "header names are case-sensitive",
            "text,Voice_ID\nA,v1\n",
            [p("A", tags: ["Voice_ID": "v1"], line: 2)]
        ),
        GoodInput("numbers in text", "text\n42\n3.14\n", [p("42", line: 2), p("3.14", line: 3)]),
        GoodInput(
            "mixed scripts",
            "text,language\nこんにちは,ja\nمرحبا,ar\n😀 ok,en\n",
            [
                p("こんにちは", language: "ja", line: 2), p("مرحبا", language: "ar", line: 3), p("😀 ok", line: 4),
            ]
        ),
        GoodInput("only a header", "text,voice_id\n", []),
        GoodInput("quoted empty last field", "text,id\nA,\"\"\n", [p("A", line: 2)]),
    ]

    @Test(arguments: good)
    func readsGoodInput(_ input: GoodInput) {
        let outcome = ReaderTestSupport.run(.csv, input.input)
        #expect(outcome.messages == [])
        #expect(outcome.phrases == input.expected)
    }

    static let bad: [BadInput] = [
        BadInput(
            "missing text column",
            "voice_id,language\nv1,en\n",
            thrown:
                "m.csv:1: the header has no \"text\" column (found \"voice_id\", \"language\"); name the column that holds the phrases \"text\"",
            .exactly
        ),
        BadInput(
            "missing text column after empty lines",
            "\n\nvoice_id\n",
            thrown: "m.csv:3: the header has no \"text\" column"
        ),
        BadInput(
            "duplicate header",
            "text,id,text\n",
            thrown: "m.csv:1: the header names \"text\" twice (columns 1 and 3)"
        ),
        BadInput(
            "duplicate header after trimming",
            "text,id, id\n",
            thrown: "m.csv:1: the header names \"id\" twice (columns 2 and 3)"
        ),
        BadInput("empty header name", "text,\nA,\n", thrown: "m.csv:1: column 2 of the header has no name"),
        BadInput("no header", "\u{FEFF}\r\n\n", thrown: "m.csv:3: the file has no header row", .containing),
        BadInput(
            "too few fields",
            "text,voice_id,language\nA,v1\n",
            reported: "m.csv:2: record has 2 fields; the header has 3",
            .exactly
        ),
        BadInput(
            "too many fields",
            "text,voice_id,language\nA,v1,en,x\n",
            reported: "m.csv:2: record has 4 fields; the header has 3",
            .exactly
        ),
        BadInput(
            "one field",
            "text,voice_id\nA\n",
            reported: "m.csv:2: record has 1 field; the header has 2",
            .exactly
        ),
        BadInput(
            "unterminated quote",
            "text\nA\n\"abc\ndef\n",
            thrown: "m.csv:3:1: quoted field is never closed; expected a closing '\"' before the end of the file",
            .exactly
        ),
        BadInput(
            "text after a closing quote",
            "text,id\n\"ab\"c,1\n",
            thrown: "m.csv:2:5: expected ',' or the end of the line after a closing quote, found 'c'",
        ),
        BadInput(
            "text after a closing quote on a later line",
            "text\n\"é\nñ\"x\n",
            thrown: "m.csv:3:3: expected ',' or the end of the line after a closing quote, found 'x'",
        ),
        BadInput(
            "text after a closing quote, with semicolons",
            "text;id\n\"ab\"c;1\n",
            thrown: "m.csv:2:5: expected ';' or the end of the line after a closing quote, found 'c'",
        ),
        BadInput(
            "a trailing semicolon in the header",
            "text;id;\n",
            thrown: "m.csv:1: column 3 of the header has no name; name every column (a trailing ';' adds an empty one)",
        ),
        BadInput(
            "a comma header read with semicolon rows",
            "text,voice_id\nA;v1\n",
            reported: "m.csv:2: record has 1 field; the header has 2",
            .exactly
        ),
        BadInput("empty text", "text,id\n,x\n", reported: "m.csv:2: text is empty", .exactly),
        BadInput("whitespace text", "text,id\n \t,x\n", reported: "m.csv:2: text holds only whitespace", .exactly),
        BadInput(
            "NUL in text",
            "text\na\u{0}b\n",
            reported: "m.csv:2: text contains the control character U+0000; remove it",
            .exactly
        ),
        BadInput("bad voice", "text,voice_id\nA,../x\n", reported: "m.csv:2: voice_id \"../x\" is not allowed"),
        BadInput(
            "truncated UTF-8",
            ReaderTestSupport.bytes("text\na%(\n", replacingPercentWith: [0xC3]),
            message: "m.csv:2:2: invalid UTF-8 at byte offset 6; save the file as UTF-8",
            match: .exactly,
            isThrown: false
        ),
        BadInput(
            "0xFF in a tag",
            ReaderTestSupport.bytes("text,scene\nA,b%\n", replacingPercentWith: [0xFF]),
            message: "m.csv:2:4: invalid UTF-8 at byte offset 14",
            match: .containing,
            isThrown: false
        ),
        BadInput(
            "overlong encoding on a second line of a field",
            ReaderTestSupport.bytes("text,id\n\"a\nñ%\",x\n", replacingPercentWith: [0xC0, 0xAF]),
            message: "m.csv:3:2: invalid UTF-8 at byte offset 13",
            match: .containing,
            isThrown: false
        ),
        BadInput(
            "invalid UTF-8 in the header",
            ReaderTestSupport.bytes("text,%\n", replacingPercentWith: [0xED, 0xA0, 0x80]),
            message: "m.csv:1:6: invalid UTF-8 at byte offset 5",
            match: .containing,
            isThrown: true
        ),
    ]

    @Test(arguments: bad)
    func reportsBadInput(_ input: BadInput) {
        input.check(ReaderTestSupport.run(.csv, input.input))
    }

    @Test func tsvFilesAreTabSeparatedWhateverTheHeaderHoldsMost() {
        let outcome = ReaderTestSupport.run(.tsv, "text\tid\tnote,a;b,c;d\nHola, amigo\tx\tn;1,2\n")
        #expect(outcome.messages == [])
        #expect(outcome.phrases.map(\.text) == ["Hola, amigo"])
        #expect(outcome.phrases.map(\.id) == ["x"])
        #expect(outcome.phrases.map(\.tags) == [["note,a;b,c;d": "n;1,2"]])
    }

    /// Excel's "Unicode Text" is UTF-16 with a byte order mark, little-endian, tab-separated.
    @Test(arguments: [true, false])
    func utf16WithAByteOrderMarkIsDecoded(littleEndian: Bool) {
        let text = "text\tvoice_id\r\n\"Dijo \"\"sí\"\"\r\nañadió 🎉\"\tv1\r\nÜber\tv2\r\n"
        let outcome = ReaderTestSupport.run(.csv, Self.utf16(text, littleEndian: littleEndian))
        #expect(outcome.messages == [])
        #expect(outcome.phrases.map(\.text) == ["Dijo \"sí\"\r\nañadió 🎉", "Über"])
        #expect(outcome.phrases.map(\.location.line) == [2, 4])
        #expect(outcome.phrases.map(\.voiceID) == ["v1", "v2"])
    }

    @Test func badUTF16IsRefusedWithItsLine() {
        var bytes = Self.utf16("text\nHola\nadiós\n", littleEndian: true)
        // An unpaired high surrogate in place of the "d" of "adiós", on line 3.
        let offset = 2 + 2 * Array("text\nHola\na".utf16).count
        bytes[offset] = 0x00
        bytes[offset + 1] = 0xD8
        let outcome = ReaderTestSupport.run(.csv, bytes)
        #expect(
            outcome.messages == [
                "m.csv:3: invalid UTF-16 (an unpaired surrogate) at byte offset \(offset); save the file as UTF-8, or as UTF-16 with a byte order mark"
            ]
        )
        let odd = ReaderTestSupport.run(.csv, Self.utf16("text\nA\n", littleEndian: true) + [0x41])
        #expect(odd.thrown?.hasPrefix("m.csv:3: the file ends in the middle of a UTF-16 code unit") == true)
    }

    /// Other encodings keep the UTF-8 error: a UTF-16 file without a byte order mark is not UTF-16.
    @Test func utf16WithoutAByteOrderMarkIsNotGuessed() {
        let outcome = ReaderTestSupport.run(.csv, Array(Self.utf16("text\nHola\n", littleEndian: true).dropFirst(2)))
        #expect(outcome.messages.first?.contains("the header has no \"text\" column") == true)
    }

    private static func utf16(_ text: String, littleEndian: Bool) -> [UInt8] {
        var bytes: [UInt8] = littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
        for unit in text.utf16 {
            let (low, high) = (UInt8(unit & 0xFF), UInt8(unit >> 8))
            bytes += littleEndian ? [low, high] : [high, low]
        }
        return bytes
    }

    /// Fields are scanned eight bytes at a time: a field must end at its comma, quote or line
    /// break wherever that falls in a word, with multi-byte characters around it.
    @Test func fieldsEndRightAtEveryOffset() {
        let filler = Array("aé,b\"c\nd".unicodeScalars)
        var rows: [String] = []
        var expected: [String] = []
        for length in 0..<20 {
            let plain = String(String.UnicodeScalarView((0..<length).map { filler[[0, 1, 3][$0 % 3]] }))
            let quoted = String(String.UnicodeScalarView((0..<length).map { filler[$0 % filler.count] }))
            for end in ["\n", "\r\n", "\r"] {
                rows.append("x\(plain),\(length)" + end)
                expected.append("x\(plain)")
                rows.append("\"y\(quoted.replacingOccurrences(of: "\"", with: "\"\""))\",\(length)" + end)
                expected.append("y\(quoted)")
            }
        }
        let outcome = ReaderTestSupport.run(.csv, "text,id\n" + rows.joined())
        #expect(outcome.messages == [])
        #expect(outcome.phrases.map(\.text) == expected)
    }

    @Test func readingGoesOnAfterAReportedRecord() {
        let outcome = ReaderTestSupport.run(.csv, "text,id\nA\n\"B\nC\",2\nD,\n")
        #expect(outcome.problems == ["m.csv:2: record has 1 field; the header has 2"])
        #expect(outcome.phrases == [Self.p("B\nC", id: "2", line: 3), Self.p("D", line: 5)])
    }

    @Test func repeatedValuesStayRightPastTheCache() {
        let voices = (1...12).map { "voice\($0)" }
        let rows = (0..<36).map { "t\($0),\(voices[$0 % 12]),l\($0 % 5),m\($0 % 10)" }
        let outcome = ReaderTestSupport.run(.csv, "text,voice_id,language,model_id\n" + rows.joined(separator: "\n"))
        #expect(outcome.messages == [])
        #expect(
            outcome.phrases
                == (0..<36).map {
                    Self.p("t\($0)", voice: voices[$0 % 12], language: "l\($0 % 5)", model: "m\($0 % 10)", line: $0 + 2)
                }
        )
    }

    @Test func aBadRepeatedValueIsNotCached() {
        let input = ReaderTestSupport.bytes("text,voice_id\na,v%\nb,v%\nc,v\n", replacingPercentWith: [0xFF])
        let outcome = ReaderTestSupport.run(.csv, input)
        #expect(
            outcome.problems == [
                "m.csv:2:4: invalid UTF-8 at byte offset 17; save the file as UTF-8",
                "m.csv:3:4: invalid UTF-8 at byte offset 22; save the file as UTF-8",
            ]
        )
        #expect(outcome.phrases == [Self.p("c", voice: "v", line: 4)])
    }

    @Test func stopsWhenSaturated() {
        let input = "text,id\n" + String(repeating: "A\n", count: 50)
        let outcome = ReaderTestSupport.run(.csv, input, limits: ManifestLimits(maxProblemsPerFile: 3))
        #expect(outcome.problems.count == 3)
        #expect(outcome.thrown == nil)
    }

    @Test(arguments: [false, true])
    func refusesAFieldOverTheLimit(quoted: Bool) {
        let limits = ManifestLimits()
        var input = Array("text,id\n".utf8)
        if quoted { input.append(UInt8(ascii: "\"")) }
        input += [UInt8](repeating: UInt8(ascii: "a"), count: limits.maxFieldBytes + 1)
        if quoted { input.append(UInt8(ascii: "\"")) }
        input += Array(",x\n".utf8)
        let outcome = ReaderTestSupport.run(.csv, input)
        #expect(
            outcome.thrown == "m.csv:2:1: field is longer than 24096 bytes; a text may hold at most 5000 characters"
        )
    }

    @Test func refusesAHundredMegabyteField() {
        var input = Array("text\n\"".utf8)
        input += [UInt8](repeating: UInt8(ascii: "a"), count: 100_000_000)
        let outcome = ReaderTestSupport.run(.csv, input)
        #expect(outcome.thrown?.hasPrefix("m.csv:2:1: field is longer than") == true)
        #expect(outcome.phrases.isEmpty)
    }

    @Test func acceptsAFieldAtTheLimit() {
        let limits = ManifestLimits(maxTextCharacters: 10)
        var input = Array("text,id\n\"".utf8)
        input += [UInt8](repeating: UInt8(ascii: "a"), count: limits.maxFieldBytes)
        input += Array("\",x\n".utf8)
        let outcome = ReaderTestSupport.run(.csv, input, limits: limits)
        #expect(outcome.thrown == nil)
        #expect(outcome.problems == ["m.csv:2: text is 4136 characters long; the limit is 10 (see --max-text-length)"])
    }
}

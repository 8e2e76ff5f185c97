import Testing

@testable import AudioCache

@Suite struct JSONLinesManifestReaderTests {
    private static let p = ExpectedPhrases(.jsonLines)

    static let good: [GoodInput] = [
        GoodInput(
            "objects, strings and blank lines",
            """
            {"text": "Hola", "voice_id": "v1", "language": "es"}

            "Adiós"
             \t
            {"text": "x", "model_id": "m", "id": "i", "tags": {"k": "v"}}
            """,
            [
                p("Hola", voice: "v1", language: "es", line: 1), p("Adiós", line: 3),
                p("x", model: "m", id: "i", tags: ["k": "v"], line: 5),
            ]
        ),
        GoodInput("CRLF", "{\"text\": \"a\"}\r\n\"b\"\r\n\r\n", [p("a", line: 1), p("b", line: 2)]),
        GoodInput("byte order mark", "\u{FEFF}{\"text\": \"a\"}\n", [p("a", line: 1)]),
        GoodInput("no trailing newline", "\"a\"\n\"b\"", [p("a", line: 1), p("b", line: 2)]),
        GoodInput("whitespace around the phrase", "  {\"text\" : \"a\" }  \n", [p("a", line: 1)]),
        GoodInput("escapes", #"{"text": "\u00bfQu\u00e9? \"s\u00ed\" \ud83d\ude00"}"#, [p("¿Qué? \"sí\" 😀", line: 1)]),
        GoodInput(
            "fields in any order",
            #"{"language": "fr", "id": "z", "text": "Salut"}"#,
            [p("Salut", language: "fr", id: "z", line: 1)]
        ),
        GoodInput("empty file", "", []),
        GoodInput("only blank lines", "\n\r\n  \n", []),
    ]

    @Test(arguments: good)
    func readsGoodInput(_ input: GoodInput) {
        let outcome = ReaderTestSupport.run(.jsonLines, input.input)
        #expect(outcome.messages == [])
        #expect(outcome.phrases == input.expected)
    }

    static let bad: [BadInput] = [
        BadInput(
            "truncated object",
            "{\"text\": \"a\"\n\"b\"",
            reported: "m.jsonl:1:13: expected ',' or '}' after a value in an object, found the end of the line",
            .exactly
        ),
        BadInput(
            "two phrases on a line",
            #"{"text": "a"} {"text": "b"}"#,
            reported: "m.jsonl:1:15: unexpected '{' after the phrase; put one phrase on each line",
            .exactly
        ),
        BadInput(
            "unknown field",
            #"{"text": "a", "lenguage": "es"}"#,
            reported:
                #"m.jsonl:1:15: unknown field "lenguage"; known fields: text, voice_id, language, model_id, id, tags"#,
            .exactly
        ),
        BadInput(
            "number as text on a later line",
            "\n\n{\"text\": 1}",
            reported: #"m.jsonl:3:10: field "text" must be a string, found a number"#,
            .exactly
        ),
        BadInput(
            "number as phrase",
            "42",
            reported: "m.jsonl:1:1: phrase must be an object or a string, found a number",
            .exactly
        ),
        BadInput("array as phrase", "[\"a\"]", reported: "phrase must be an object or a string, found an array"),
        BadInput("duplicate field", #"{"text": "a", "text": "a"}"#, reported: #"duplicate field "text""#),
        BadInput("missing text", #"{"id": "x"}"#, reported: "m.jsonl:1: phrase has no text", .exactly),
        BadInput(
            "NUL in text",
            #"{"text": "a\u0000"}"#,
            reported: "m.jsonl:1: text contains the control character U+0000; remove it",
            .exactly
        ),
        BadInput("lone surrogate", #""\ud83d""#, reported: #"m.jsonl:1:2: lone surrogate \uD83D in a string"#),
        BadInput("lone low surrogate", #"{"text": "\uDE00"}"#, reported: #"m.jsonl:1:11: lone surrogate \uDE00"#),
        BadInput(
            "deep nesting",
            #"{"text": "a", "x": "# + String(repeating: "[", count: 2_000),
            reported: "m.jsonl:1:51: nesting is deeper than 32 levels; flatten the document",
            .exactly
        ),
        BadInput(
            "a line break inside a string",
            "{\"text\": \"a\nb\"}",
            reported: "m.jsonl:1:10: string is never closed; expected a closing '\"' before the end of the line"
        ),
        BadInput(
            "invalid UTF-8",
            ReaderTestSupport.bytes("\"a%(\"", replacingPercentWith: [0xC3]),
            message: "m.jsonl:1:3: invalid UTF-8 at byte offset 2; save the file as UTF-8",
            match: .exactly,
            isThrown: false
        ),
        BadInput(
            "0xFF on a second line",
            ReaderTestSupport.bytes("\"a\"\n{\"text\": \"%\"}", replacingPercentWith: [0xFF]),
            message: "m.jsonl:2:11: invalid UTF-8 at byte offset 14",
            match: .containing,
            isThrown: false
        ),
        BadInput(
            "overlong slash",
            ReaderTestSupport.bytes("\"%\"", replacingPercentWith: [0xC0, 0xAF]),
            message: "m.jsonl:1:2: invalid UTF-8 at byte offset 1",
            match: .containing,
            isThrown: false
        ),
        BadInput(
            "trailing comma",
            #"{"text": "a",}"#,
            reported: "m.jsonl:1:14: expected a field name in double quotes after ',', found '}'"
        ),
    ]

    @Test(arguments: bad)
    func reportsBadLines(_ input: BadInput) {
        let outcome = ReaderTestSupport.run(.jsonLines, input.input)
        input.check(outcome)
        #expect(outcome.thrown == nil)
    }

    @Test func readingGoesOnAfterABadLine() {
        let input = ReaderTestSupport.bytes(
            "{\"text\": \"a\"\n\"%\"\n42\n\"b\"\n{\"text\": \"c\", \"x\": 1}\n{\"text\": \"d\"}\n",
            replacingPercentWith: [0xFF]
        )
        let outcome = ReaderTestSupport.run(.jsonLines, input)
        #expect(outcome.phrases == [Self.p("b", line: 4), Self.p("d", line: 6)])
        #expect(outcome.problems.map { $0.prefix(10) } == ["m.jsonl:1:", "m.jsonl:2:", "m.jsonl:3:", "m.jsonl:5:"])
    }

    @Test func repeatedValuesStayRightPastTheCache() {
        let voices = (1...12).map { "voice\($0)" }
        let lines = (0..<36).map {
            #"{"text": "t\#($0)", "voice_id": "\#(voices[$0 % 12])", "language": "l\#($0 % 5)"}"#
        }
        let outcome = ReaderTestSupport.run(.jsonLines, lines.joined(separator: "\n"))
        #expect(outcome.messages == [])
        #expect(
            outcome.phrases
                == (0..<36).map { Self.p("t\($0)", voice: voices[$0 % 12], language: "l\($0 % 5)", line: $0 + 1) }
        )
    }

    @Test func stopsWhenSaturated() {
        let input = String(repeating: "1\n", count: 50)
        let outcome = ReaderTestSupport.run(.jsonLines, input, limits: ManifestLimits(maxProblemsPerFile: 3))
        #expect(outcome.problems.count == 3)
    }

    @Test func aHundredMegabyteLineIsReportedAndTheNextOneRead() {
        var input = Array(#"{"text": ""#.utf8)
        input += [UInt8](repeating: UInt8(ascii: "a"), count: 100_000_000)
        input += Array("\"}\n\"b\"\n".utf8)
        let outcome = ReaderTestSupport.run(.jsonLines, input)
        #expect(outcome.problems.count == 1)
        #expect(outcome.problems.first?.hasPrefix("m.jsonl:1:10: string is longer than 24096 bytes") == true)
        #expect(outcome.phrases == [Self.p("b", line: 2)])
    }
}

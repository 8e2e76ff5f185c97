import Testing

@testable import AudioCache

@Suite struct JSONManifestReaderTests {
    private static let p = ExpectedPhrases(.json)

    static func utf8(_ text: String, _ bytes: [UInt8]) -> [UInt8] {
        ReaderTestSupport.bytes(text, replacingPercentWith: bytes)
    }

    static let good: [GoodInput] = [
        GoodInput(
            "bare array of strings",
            #"["Hola", "Adiós"]"#,
            [p("Hola", line: 1, column: 2), p("Adiós", line: 1, column: 10)]
        ),
        GoodInput("columns count scalars", #"["ñé", "b"]"#, [p("ñé", line: 1, column: 2), p("b", line: 1, column: 8)]),
        GoodInput(
            "file-level defaults and line overrides",
            """
            {"voice_id": "v1", "language": "es",
             "phrases": [
              "a",
              {"text": "b", "voice_id": "v2", "model_id": "m1", "id": "x"}
             ]}
            """,
            [
                p("a", voice: "v1", language: "es", line: 3, column: 3),
                p("b", voice: "v2", language: "es", model: "m1", id: "x", line: 4, column: 3),
            ]
        ),
        GoodInput(
            "defaults after the phrases",
            #"{"phrases": ["a"], "voice_id": "v1", "model_id": "m"}"#,
            [
                p("a", voice: "v1", model: "m", line: 1, column: 14)
            ]
        ),
        GoodInput(
            "file tags merged under line tags",
            """
            {"tags": {"a": "1", "b": "2"}, "phrases": [
            {"text": "t", "tags": {"b": "3", "c": "4"}},
            "u"
            ]}
            """,
            [
                p("t", tags: ["a": "1", "b": "3", "c": "4"], line: 2, column: 1),
                p("u", tags: ["a": "1", "b": "2"], line: 3, column: 1),
            ]
        ),
        GoodInput(
            "escapes",
            #"["a\"b\\c\/d\n\r\t\u00e9\ud83d\ude00\u00E9"]"#,
            [p("a\"b\\c/d\n\r\té😀é", line: 1, column: 2)]
        ),
        GoodInput(
            "escaped field names",
            #"[{"te\u0078t": "a", "\u0069d": "x"}]"#,
            [p("a", id: "x", line: 1, column: 2)]
        ),
        GoodInput("byte order mark", "\u{FEFF}[\"a\"]", [p("a", line: 1, column: 2)]),
        GoodInput(
            "whitespace and CRLF",
            "\r\n\t [ \"a\" ,\r\n\"b\"]\r\n",
            [p("a", line: 2, column: 5), p("b", line: 3, column: 1)]
        ),
        GoodInput("CR line breaks", "[\r\"a\",\r\r\"b\"]", [p("a", line: 2, column: 1), p("b", line: 4, column: 1)]),
        GoodInput("empty array", "[]", []),
        GoodInput("empty phrases", #"{"phrases": []}"#, []),
        GoodInput("numbers in the text", #"[{"text": "42"}]"#, [p("42", line: 1, column: 2)]),
    ]

    @Test(arguments: good)
    func readsGoodInput(_ input: GoodInput) {
        let outcome = ReaderTestSupport.run(.json, input.input)
        #expect(outcome.messages == [])
        #expect(outcome.phrases == input.expected)
    }

    static let reported: [BadInput] = [
        BadInput(
            "unknown phrase field",
            #"[{"text": "a", "lenguage": "es"}]"#,
            reported:
                #"m.json:1:16: unknown field "lenguage"; known fields: text, voice_id, language, model_id, id, tags"#,
            .exactly
        ),
        BadInput(
            "number as text",
            #"[{"text": 42}]"#,
            reported: #"m.json:1:11: field "text" must be a string, found a number"#,
            .exactly
        ),
        BadInput(
            "number as phrase",
            "[1.5e+3]",
            reported: "m.json:1:2: phrase must be an object or a string, found a number",
            .exactly
        ),
        BadInput(
            "other numbers",
            "[-0, 0.25E-2, 10]",
            reported: "m.json:1:15: phrase must be an object or a string, found a number"
        ),
        BadInput("boolean as phrase", "[true]", reported: "found a boolean"),
        BadInput(
            "null as voice",
            #"[{"text": "a", "voice_id": null}]"#,
            reported: #"field "voice_id" must be a string, found null"#
        ),
        BadInput("array as phrase", "[[]]", reported: "phrase must be an object or a string, found an array"),
        BadInput(
            "duplicate field",
            #"[{"text": "a", "text": "b"}]"#,
            reported: #"m.json:1:16: duplicate field "text"; each field may appear once"#,
            .exactly
        ),
        BadInput(
            "unknown top-level field",
            #"{"phrases": [], "voice": "x"}"#,
            reported: #"m.json:1:17: unknown field "voice"; known fields: voice_id, language, model_id, tags, phrases"#,
            .exactly
        ),
        BadInput(
            "no phrases field",
            #"{"voice_id": "v"}"#,
            reported: #"m.json:1:1: the object has no "phrases" field"#
        ),
        BadInput(
            "phrases not an array",
            #"{"phrases": {}}"#,
            reported: #"m.json:1:13: field "phrases" must be an array of phrases, found an object"#,
            .exactly
        ),
        BadInput(
            "file voice not a string",
            #"{"voice_id": 5, "phrases": []}"#,
            reported: #"m.json:1:14: field "voice_id" must be a string, found a number"#
        ),
        BadInput("duplicate phrases", #"{"phrases": [], "phrases": []}"#, reported: #"duplicate field "phrases""#),
        BadInput(
            "tag not a string",
            #"[{"text": "a", "tags": {"k": 1}}]"#,
            reported: #"m.json:1:30: tag "k" must be a string, found a number"#
        ),
        BadInput(
            "tags not an object",
            #"[{"text": "a", "tags": []}]"#,
            reported: #"field "tags" must be an object of strings, found an array"#
        ),
        BadInput(
            "file tag not a string",
            #"{"tags": {"k": true}, "phrases": []}"#,
            reported: #"tag "k" must be a string, found a boolean"#
        ),
        BadInput("missing text", #"[{"voice_id": "v1"}]"#, reported: "m.json:1:2: phrase has no text", .exactly),
        BadInput(
            "NUL in text",
            #"["a\u0000b"]"#,
            reported: "m.json:1:2: text contains the control character U+0000; remove it",
            .exactly
        ),
        BadInput("backspace in text", #"["a\bb"]"#, reported: "U+0008"),
        BadInput("empty text", #"[""]"#, reported: "m.json:1:2: text is empty", .exactly),
    ]

    @Test(arguments: reported)
    func reportsFieldProblems(_ input: BadInput) {
        let outcome = ReaderTestSupport.run(.json, input.input)
        input.check(outcome)
        #expect(outcome.thrown == nil)
    }

    @Test func aPhraseWithAProblemIsLeftOutAndTheRestRead() {
        let outcome = ReaderTestSupport.run(.json, #"["a", {"text": "b", "langauge": "es"}, {"text": 1}, "c"]"#)
        #expect(outcome.phrases.map(\.text) == ["a", "c"])
        #expect(outcome.problems.count == 2)
    }

    @Test func nestingLimitFollowsTheLimits() {
        let input = #"{"phrases": [{"text": "a", "tags": {}}]}"#
        let outcome = ReaderTestSupport.run(.json, input, limits: ManifestLimits(maxNestingDepth: 3))
        #expect(outcome.thrown == "m.json:1:36: nesting is deeper than 3 levels; flatten the document")
        #expect(ReaderTestSupport.run(.json, input, limits: ManifestLimits(maxNestingDepth: 4)).phrases.count == 1)
    }

    @Test func stopsWhenSaturated() {
        let input = "[" + Array(repeating: "1", count: 50).joined(separator: ",") + "]"
        let outcome = ReaderTestSupport.run(.json, input, limits: ManifestLimits(maxProblemsPerFile: 3))
        #expect(outcome.problems.count == 3)
    }

    @Test func refusesAHundredMegabyteString() {
        var input = Array(#"{"phrases": ["#.utf8) + [UInt8(ascii: "\"")]
        input += [UInt8](repeating: UInt8(ascii: "a"), count: 100_000_000)
        input += Array(#""]}"#.utf8)
        let outcome = ReaderTestSupport.run(.json, input)
        #expect(outcome.thrown?.hasPrefix("m.json:1:14: string is longer than 24096 bytes") == true)
    }
}

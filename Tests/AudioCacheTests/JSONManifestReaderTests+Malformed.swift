import Testing

@testable import AudioCache

/// Documents that are not well-formed JSON, or not a manifest at all: one thrown error, no phrases.
extension JSONManifestReaderTests {
    static let thrown: [BadInput] = [
        BadInput(
            "number document",
            "42",
            thrown: #"m.json:1:1: expected an array of phrases or an object with "phrases", found a number"#,
            .exactly
        ),
        BadInput(
            "string document",
            #" "a""#,
            thrown: "m.json:1:2: expected an array of phrases or an object with \"phrases\", found a string"
        ),
        BadInput(
            "blank document",
            "  \n ",
            thrown: "m.json:2:2: expected an array of phrases or an object with \"phrases\", found the end of the file"
        ),
        BadInput(
            "trailing garbage",
            "[] x",
            thrown: "m.json:1:4: unexpected 'x' after the document; a file holds one JSON value",
            .exactly
        ),
        BadInput("two documents", "[]\n[]", thrown: "m.json:2:1: unexpected '[' after the document"),
        BadInput(
            "missing comma in an array",
            #"[{"text": "a"} {"text": "b"}]"#,
            thrown: "m.json:1:16: expected ',' or ']' after a value in an array, found '{'",
            .exactly
        ),
        BadInput(
            "missing comma in an object",
            #"{"phrases": [] "x": 1}"#,
            thrown: #"m.json:1:16: expected ',' or '}' after a value in an object, found '"'"#,
            .exactly
        ),
        BadInput(
            "truncated array",
            #"{"phrases": ["a""#,
            thrown: "m.json:1:17: expected ',' or ']' after a value in an array, found the end of the file",
            .exactly
        ),
        BadInput(
            "truncated after a bracket",
            #"{"phrases": ["#,
            thrown: "m.json:1:14: expected a value, found the end of the file",
            .exactly
        ),
        BadInput(
            "truncated string",
            #"["abc"#,
            thrown: #"m.json:1:2: string is never closed; expected a closing '"' before the end of the file"#,
            .exactly
        ),
        BadInput("truncated escape", #"["abc\"#, thrown: "m.json:1:6: string is never closed"),
        BadInput(
            "trailing comma in an array",
            #"["a",]"#,
            thrown: "m.json:1:6: expected a value after ',', found ']'",
            .exactly
        ),
        BadInput(
            "trailing comma in an object",
            #"{"phrases": [], }"#,
            thrown: "expected a field name in double quotes after ',', found '}'"
        ),
        BadInput(
            "missing colon",
            #"{"phrases" []}"#,
            thrown: "m.json:1:12: expected ':' after a field name, found '['"
        ),
        BadInput(
            "unquoted name",
            "{phrases: []}",
            thrown: "m.json:1:2: expected a field name in double quotes or '}', found 'p'"
        ),
        BadInput(
            "deep nesting",
            String(repeating: "[", count: 2_000) + String(repeating: "]", count: 2_000),
            thrown: "m.json:1:33: nesting is deeper than 32 levels; flatten the document",
            .exactly
        ),
        BadInput(
            "unclosed deep nesting",
            String(repeating: "[", count: 100_000),
            thrown: "m.json:1:33: nesting is deeper than 32 levels"
        ),
        BadInput(
            "deep nesting in an unknown field",
            #"[{"text": "a", "x": "# + String(repeating: "{\"a\":", count: 40),
            thrown: "m.json:1:171: nesting is deeper than 32 levels"
        ),
        BadInput(
            "lone high surrogate",
            #"["\ud800"]"#,
            thrown:
                #"m.json:1:3: lone surrogate \uD800 in a string; a high surrogate must be followed by a low surrogate escape"#,
            .exactly
        ),
        BadInput("high surrogate before a letter", #"["\ud800\u0041"]"#, thrown: #"m.json:1:3: lone surrogate \uD800"#),
        BadInput("high surrogate at the end", #"["x\uD83D"]"#, thrown: #"m.json:1:4: lone surrogate \uD83D"#),
        BadInput("lone low surrogate", #"["\udc00x"]"#, thrown: "a low surrogate must follow a high surrogate escape"),
        BadInput("bad escape", #"["\x"]"#, thrown: #"m.json:1:3: invalid escape in a string, found 'x' after '\'"#),
        BadInput(
            "short unicode escape",
            #"["\u12G4"]"#,
            thrown: #"m.json:1:3: invalid \u escape in a string; expected four hexadecimal digits after \u"#
        ),
        BadInput(
            "raw tab in a string",
            "[\"a\tb\"]",
            thrown: "m.json:1:4: unescaped control character U+0009 in a string"
        ),
        BadInput(
            "raw newline in a string",
            "[\"a\nb\"]",
            thrown: "m.json:1:4: unescaped control character U+000A in a string"
        ),
        BadInput("leading zero", "[01]", thrown: "m.json:1:3: a number may not start with 0 followed by digits"),
        BadInput(
            "no digit after a point",
            "[1.]",
            thrown: "m.json:1:4: expected a digit after '.' in a number, found ']'",
            .exactly
        ),
        BadInput(
            "lone minus",
            "[-]",
            thrown: "m.json:1:3: expected a digit after '-' in a number, found ']'",
            .exactly
        ),
        BadInput(
            "empty exponent",
            "[1e+]",
            thrown: "m.json:1:5: expected a digit in the exponent of a number, found ']'",
            .exactly
        ),
        BadInput("misspelt literal", "[tru]", thrown: "m.json:1:2: expected a value"),
        BadInput("truncated literal", "[nul", thrown: "m.json:1:2: expected a value"),
        BadInput("late syntax error", "[\"a\",\n\"b\",\n}", thrown: "m.json:3:1: expected a value, found '}'"),
        BadInput(
            "truncated UTF-8",
            utf8("[\"a%(\"]", [0xC3]),
            message: "m.json:1:4: invalid UTF-8 at byte offset 3; save the file as UTF-8",
            match: .exactly,
            isThrown: true
        ),
        BadInput(
            "0xFF in a string",
            utf8("[\"ab%\"]", [0xFF]),
            message: "m.json:1:5: invalid UTF-8 at byte offset 4",
            match: .containing,
            isThrown: true
        ),
        BadInput(
            "overlong slash",
            utf8("[\"%\"]", [0xC0, 0xAF]),
            message: "invalid UTF-8 at byte offset 2",
            match: .containing,
            isThrown: true
        ),
        BadInput(
            "encoded surrogate",
            utf8("[\"%\"]", [0xED, 0xA0, 0x80]),
            message: "invalid UTF-8 at byte offset 2",
            match: .containing,
            isThrown: true
        ),
        BadInput(
            "past U+10FFFF",
            utf8("[\"%\"]", [0xF4, 0x90, 0x80, 0x80]),
            message: "invalid UTF-8 at byte offset 2",
            match: .containing,
            isThrown: true
        ),
        BadInput(
            "cut at the end",
            utf8("[\"%", [0xE2, 0x82]),
            message: "invalid UTF-8 at byte offset 2",
            match: .containing,
            isThrown: true
        ),
        BadInput(
            "0xFF outside a string",
            utf8("[%]", [0xFF]),
            message:
                "m.json:1:2: expected a value, found the byte 0xFF (invalid UTF-8 at byte offset 1; save the file as UTF-8)",
            match: .exactly,
            isThrown: true
        ),
    ]

    @Test(arguments: thrown)
    func throwsOnMalformedDocuments(_ input: BadInput) {
        let outcome = ReaderTestSupport.run(.json, input.input)
        input.check(outcome)
        #expect(outcome.phrases.isEmpty)
    }
}

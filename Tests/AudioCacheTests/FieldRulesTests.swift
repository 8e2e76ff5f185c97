import Testing

@testable import AudioCache

@Suite struct FieldRulesTests {
    @Test(arguments: ["es", "en-us", "en-us+f3", "21m00Tcm4TlvDq8ikWAM", "voice_1.v2"])
    func acceptsSafeVoiceIDs(_ voice: String) {
        #expect(FieldRules.isValidVoiceID(voice))
    }

    @Test(arguments: [
        "", "../etc", "a/b", ".hidden", "-rf", "a\u{0}b", "a\nb", "voz ñ", String(repeating: "a", count: 65),
    ])
    func refusesUnsafeVoiceIDs(_ voice: String) {
        #expect(!FieldRules.isValidVoiceID(voice))
    }

    @Test(arguments: ["es", "en-US", "zh-Hant-TW", "pt_BR"])
    func acceptsLanguages(_ language: String) {
        #expect(FieldRules.isValidLanguage(language))
    }

    @Test(arguments: ["", "es/../x", "en.US", "es\r\n", "-es"])
    func refusesLanguages(_ language: String) {
        #expect(!FieldRules.isValidLanguage(language))
    }

    @Test(arguments: ["greet-1", "ñ ü", "a\u{200B}b", "🙂", String(repeating: "é", count: 256)])
    func acceptsPhraseIDs(_ id: String) {
        #expect(FieldRules.isValidPhraseID(id))
    }

    @Test(arguments: ["", "a\u{0}", "a\tb", "a\u{7F}", "a\u{85}", "a\u{9F}", String(repeating: "a", count: 257)])
    func refusesPhraseIDs(_ id: String) {
        #expect(!FieldRules.isValidPhraseID(id))
    }

    @Test func textRules() {
        #expect(FieldRules.problem(withText: "Hola", maxCharacters: 10) == nil)
        #expect(FieldRules.problem(withText: "", maxCharacters: 10) == "text is empty")
        #expect(FieldRules.problem(withText: " \u{3000}\t\u{a0}", maxCharacters: 10) == "text holds only whitespace")
        #expect(FieldRules.problem(withText: "a\u{0}b", maxCharacters: 10)?.contains("U+0000") == true)
        #expect(FieldRules.problem(withText: "ñññññ", maxCharacters: 4)?.contains("5 characters") == true)
        #expect(FieldRules.problem(withText: "line\r\nnext\tcol", maxCharacters: 20) == nil)
    }
}

@Suite struct ManifestSinkTests {
    private func raw(_ text: String, voice: String, language: String = "en", line: Int) -> RawPhrase {
        RawPhrase(
            text: text,
            defaults: PhraseDefaults(voiceID: voice, language: language),
            location: AudioCache.SourceLocation(file: "a.csv", line: line)
        )
    }

    /// Swift's `==` holds the Kelvin sign (U+212A) equal to `K`; a voice checked once must not let
    /// its canonical twin through unchecked.
    @Test func aCanonicallyEquivalentVoiceIsStillChecked() {
        var sink = ManifestSink(path: "a.csv")
        sink.add(raw("One", voice: "K", line: 2))
        sink.add(raw("Two", voice: "\u{212A}", line: 3))
        sink.add(raw("Three", voice: "K", language: "e\u{301}n", line: 4))
        #expect(sink.phrases.map(\.text) == ["One"])
        #expect(sink.problems.count == 2)
        #expect(sink.problems.first?.description.hasPrefix("a.csv:3: voice_id \"\u{212A}\" is not allowed") == true)
    }

    @Test func manyVoicesInTurnAreEachChecked() {
        var sink = ManifestSink(path: "a.csv")
        for line in 0..<40 {
            sink.add(raw("Text \(line)", voice: "voice-\(line % 11)", line: line + 2))
        }
        sink.add(raw("Bad", voice: "voice/../11", line: 99))
        #expect(sink.phrases.count == 40)
        #expect(sink.problems.map(\.location?.line) == [99])
    }
}

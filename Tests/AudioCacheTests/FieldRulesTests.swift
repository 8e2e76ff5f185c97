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

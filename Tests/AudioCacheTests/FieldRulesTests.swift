import AudioCacheTestSupport
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
        #expect(FieldRules.problem(withText: "abcdefgh\u{7F}", maxCharacters: 20)?.contains("U+007F") == true)
        #expect(FieldRules.problem(withText: "\u{1C}\u{1F}", maxCharacters: 20)?.contains("U+001C") == true)
    }

    /// The text rules read what normalizing noticed (one pass); they must say what a plain walk
    /// over the scalars says, for texts mixing words, whitespace of every kind and control bytes.
    /// The length of a text in Unicode scalars, as normalizing counts it for the text rules.
    private static func characters(of text: String) -> Int {
        var text = text
        var hasher = KeyHasher()
        return text.withUTF8 { hasher.normalize(utf8: $0).scalars }
    }

    @Test func textRulesAgreeWithAWalkOverTheScalars() {
        let pieces = [
            "a", "Word", "ÉTÉ", "Σ", "İ", "日本", "🙂", " ", "  ", "\t", "\n", "\r", "\u{A0}", "\u{3000}", "\u{85}",
            "\u{0}", "\u{7}", "\u{B}", "\u{1C}", "\u{7F}", "abcdefghij", "ABCDEFGH\u{7F}", "\u{200B}",
        ]
        var generator = SplitMix64(seed: 7)
        for _ in 0..<3_000 {
            let count = Int(generator.next() % 12)
            let text = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            let scalars = text.unicodeScalars
            let control = scalars.first { $0.value < 0x20 && ![9, 10, 13].contains($0.value) || $0.value == 0x7F }
            let expected: String? =
                if let control {
                    "text contains the control character U+\(FieldRules.hex4(control.value)); remove it"
                } else if scalars.isEmpty {
                    "text is empty"
                } else if scalars.allSatisfy(PythonText.isSpace) {
                    "text holds only whitespace"
                } else if scalars.count > 40 {
                    "text is \(scalars.count) characters long; the limit is 40 (see --max-text-length)"
                } else {
                    nil
                }
            #expect(FieldRules.problem(withText: text, maxCharacters: 40) == expected, "\(Array(text.unicodeScalars))")
            #expect(Self.characters(of: text) == scalars.count)
        }
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

    /// A sink may store its phrases in the storage of a file merged before; nothing of that file
    /// may show through.
    @Test func reusedStorageHoldsOnlyTheNewPhrases() {
        var first = ManifestSink(path: "a.csv")
        first.add(raw("Uno", voice: "v1", language: "es", line: 2))
        first.add(raw("Dos", voice: "v2", language: "fr", line: 3))
        first.add(raw("Tres 2", voice: "v3", language: "de", line: 4))
        var fresh = ManifestSink(path: "b.csv")
        var reused = ManifestSink(path: "b.csv")
        reused.reuse(first.takeKeyedPhrases())
        for sink in [0, 1] {
            for (line, voice) in ["v2", "v3", "v2"].enumerated() {
                let phrase = raw("Tres \(line)", voice: voice, language: "de", line: line + 2)
                if sink == 0 { fresh.add(phrase) } else { reused.add(phrase) }
            }
        }
        #expect(reused.phrases == fresh.phrases)
        #expect(reused.takeKeyedPhrases().entries.map(\.key) == fresh.takeKeyedPhrases().entries.map(\.key))
    }

    /// Voice and language pairs are remembered in a small cache; pairs that share a slot, or a
    /// voice under several languages, must each keep their own voice, language and key.
    @Test func manyPairsInTurnKeepTheirOwnVoiceAndLanguage() {
        var sink = ManifestSink(path: "a.csv")
        let pairs = (0..<300).map { ("v\($0 % 97)", ["es", "en", "fr", "de-AT"][$0 % 4]) }
        for (line, (voice, language)) in pairs.enumerated() {
            sink.add(raw("Hola", voice: voice, language: language, line: line + 2))
        }
        sink.add(raw("Hola", voice: "v1", language: "es/..", line: 999))
        #expect(sink.phrases.map { "\($0.voiceID)|\($0.language)" } == pairs.map { "\($0.0)|\($0.1)" })
        #expect(sink.problems.map(\.location?.line) == [999])
        #expect(
            sink.takeKeyedPhrases().entries.map(\.key)
                == pairs.map { KeyScheme.md5TextVoiceLanguageV1.key(text: "Hola", voiceID: $0.0, language: $0.1) }
        )
    }
}

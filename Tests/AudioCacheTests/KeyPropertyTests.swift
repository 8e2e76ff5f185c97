import Foundation
import PropertyBased
import Testing

@testable import AudioCache

/// Properties of normalization and keys over generated text (pieces of `TrickyText`).
@Suite struct KeyPropertyTests {
    /// Phrases built from tricky pieces: words, every Python space, sigma contexts, many scripts.
    static let pieces: [String] =
        TrickyText.words + TrickyText.pythonSpaces + TrickyText.notSpaces + TrickyText.caseIgnorables
        + TrickyText.greek + TrickyText.turkish + TrickyText.cased
        + TrickyText.equivalentPairs.flatMap { [$0.nfc, $0.nfd] }
    static let text = Gen<String?>.element(of: pieces).map { $0 ?? "" }.array(of: 0...16).map { $0.joined() }
    static let asciiText = Gen<Character>.ascii.string(of: 0...40)
    /// Runs of letters and whitespace, to hit every offset of the eight-byte fast path.
    static let wordyText = Gen<String?>
        .element(of: [
            "Ab", "Z", "q", "@[`{", " ", "  ", "\t", "\u{1F}", "\u{0}", "\u{7F}", "ñ", "Ñ", "e\u{301}", "\u{A0}",
        ])
        .map { $0 ?? "" }.array(of: 0...30).map { $0.joined() }
    static let field = Gen<String?>.element(of: TrickyText.voices + TrickyText.languages).map { $0 ?? "" }

    static func scalars(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }

    @Test func normalizeIsIdempotent() async {
        await propertyCheck(count: 300, input: Self.text) { text in
            let once = PythonText.normalize(text)
            #expect(Self.scalars(PythonText.normalize(once)) == Self.scalars(once))
            #expect(Self.scalars(PythonText.lowercased(once)) == Self.scalars(once))
        }
    }

    @Test func normalizedTextHasOnlySingleInnerSpaces() async {
        await propertyCheck(count: 300, input: Self.text) { text in
            let normalized = PythonText.normalize(text)
            #expect(!normalized.hasPrefix(" ") && !normalized.hasSuffix(" ") && !normalized.contains("  "))
            #expect(!normalized.unicodeScalars.contains { $0 != " " && PythonText.isSpace($0) })
        }
    }

    /// `normalize` (one pass, splitting while lowercasing) equals `lowercased` then split and join.
    @Test func normalizeIsLowercasedSplitAndJoined() async {
        await propertyCheck(count: 300, input: Self.text) { text in
            let words = PythonText.lowercased(text).unicodeScalars.split(whereSeparator: PythonText.isSpace)
            let joined = words.map { Array(String(String.UnicodeScalarView($0)).unicodeScalars) }
                .joined(separator: [" "]).map(\.value)
            #expect(Self.scalars(PythonText.normalize(text)) == Array(joined))
        }
    }

    /// A model that knows only the scalars of `asciiText` and `wordyText`.
    @Test func simpleTextMatchesASimpleModel() async {
        let spaces: Set<UInt32> = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0xA0]
        func lower(_ scalar: UInt32) -> UInt32 {
            (0x41...0x5A).contains(scalar) || scalar == 0xD1 ? scalar + 0x20 : scalar
        }
        let input = Gen.oneOf(Self.asciiText.eraseToAnySequence(), Self.wordyText.eraseToAnySequence())
        await propertyCheck(count: 500, input: input) { text in
            let scalars = text.unicodeScalars.map(\.value)
            let words = scalars.split(whereSeparator: spaces.contains).map { $0.map(lower) }
            #expect(Self.scalars(PythonText.normalize(text)) == Array(words.joined(separator: [0x20])))
            #expect(Self.scalars(PythonText.lowercased(text)) == scalars.map(lower))
        }
    }

    /// The hot path equals MD5 (an independent implementation) of the slow string path.
    @Test func keyIsMD5OfNormalizedVoiceAndLanguage() async {
        await propertyCheck(count: 300, input: Self.text, Self.field, Self.field) { text, voice, language in
            var hasher = KeyHasher()
            let key = hasher.key(text: text, voiceID: voice, language: language)
            let slow = ReferenceMD5.hexDigest(Array((PythonText.normalize(text) + "|" + voice + "|" + language).utf8))
            #expect(key.description == slow)
            #expect(
                key
                    == KeyScheme.md5TextVoiceLanguageV1.key(
                        text: " \(text)\u{3000}",
                        voiceID: voice,
                        language: language
                    )
            )
        }
    }

    @Test func keyRoundTripsThroughHexAndJSON() async throws {
        await propertyCheck(input: Gen<UInt64>.value(in: 0...UInt64.max), Gen<UInt64>.value(in: 0...UInt64.max)) {
            high,
            low in
            let key = CacheKey(high: high, low: low)
            #expect(key.description.utf8.count == 32)
            #expect(CacheKey(hex: key.description) == key)
            let data = try JSONEncoder().encode(key)
            #expect(try JSONDecoder().decode(CacheKey.self, from: data) == key)
        }
    }
}

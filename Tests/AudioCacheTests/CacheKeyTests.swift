import Foundation
import Testing

@testable import AudioCache

/// Keys with expected values from
/// `hashlib.md5(f"{' '.join(t.lower().split())}|{v}|{l}".encode()).hexdigest()` (python3, Unicode 14.0.0).
@Suite struct CacheKeyTests {
    @Test(arguments: [
        ("Hola, ¿qué tal?", "21m00Tcm4TlvDq8ikWAM", "es", "0709cd4b74cce5a4ae5b32930d721cbb"),
        ("  Hello   World\t\n", "en-us", "en", "fd7404a8b6cd60a966eb229565c0308b"),
        ("İstanbul", "tr", "tr", "81f56a1b5f9c6eb04c5b3359f21310f0"),
        ("ΣΑΣ ΑΣ.", "el", "el", "a28acc1792554282c865cfdc59342c6a"),
        ("ΑΣ'Σ", "el", "el", "3d64f82381be8db5e015f56d18413ec8"),
        ("a\u{A0}b\u{3000}c", "v", "l", "3a83bd0e875f6f90e05989bee4656e5b"),
        ("a\u{200B}b", "v", "l", "276606d32a61248c1b173f86db1d2da5"),
        ("Caf\u{E9}", "v", "l", "469d0b25abe611c9f2e8b148b87007a9"),
        ("Cafe\u{301}", "v", "l", "f08c79ad68bb07003e05c1ccc973815b"),
        ("", "v", "l", "a46018e968288148cac51947be7023eb"),
        (" \t\u{3000}\u{2028} ", "v", "l", "a46018e968288148cac51947be7023eb"),
        ("STRASSE Straße ẞ", "de", "de", "7bb1bf69c29ca23b4d5e4c57f4bd5592"),
        ("ᏣᎳᎩ ꭰ", "chr", "chr", "c85022e7a8e02986891ece3d58385501"),
        ("ᲛᲐᲠᲗᲚᲘ", "ka", "ka", "5abc5dec49900a518f7c163a5d17fcc0"),
        ("𐐀𐐁 𐐨", "en", "en", "ec84668ee1e7c26b206289021ecb86f4"),
        ("\u{1C89}", "v", "l", "2f02e270c9851ee280edcf8eb9ee2e1b"),
        ("ΑΣ\u{345}", "v", "l", "0f5090da4c1897cde494b47a0bb71eae"),
        ("Α\u{AD}Σ", "v", "l", "f4ed7b80eedd16280d9a26d9ca2eb6a3"),
        ("x\u{85}y\u{1C}z\u{180E}w", "v", "l", "1e1448c322efabd4584225705efcc6fc"),
    ])
    func matchesThePythonRuntime(_ text: String, _ voice: String, _ language: String, _ expected: String) {
        let key = KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: voice, language: language)
        #expect(key.description == expected, "\(PythonReference.codePoints(text))")
        var hasher = KeyHasher()
        #expect(hasher.key(text: text, voiceID: voice, language: language) == key)
    }

    @Test func hasherReusesItsBufferAcrossSizes() {
        var hasher = KeyHasher()
        let long = String(repeating: "Ⱥ Ά İ ", count: 500)
        let inputs = ["a", long, "b", long + long, ""]
        for text in inputs {
            #expect(
                hasher.key(text: text, voiceID: "v", language: "l")
                    == KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: "v", language: "l")
            )
            #expect(
                hasher.key(text: text, voiceID: "v", language: "l").description
                    == ReferenceMD5.hexDigest(Array((PythonText.normalize(text) + "|v|l").utf8))
            )
        }
    }

    @Test func nfcAndNfdKeyDifferently() {
        for pair in TrickyText.equivalentPairs {
            let nfc = KeyScheme.md5TextVoiceLanguageV1.key(text: pair.nfc, voiceID: "es", language: "es")
            let nfd = KeyScheme.md5TextVoiceLanguageV1.key(text: pair.nfd, voiceID: "es", language: "es")
            #expect(nfc != nfd, "\(PythonReference.codePoints(pair.nfc))")
        }
        // Canonically equivalent and equal once lowercased, in Python as here.
        #expect(
            KeyScheme.md5TextVoiceLanguageV1.key(text: "\u{130}", voiceID: "es", language: "es")
                == KeyScheme.md5TextVoiceLanguageV1.key(text: "I\u{307}", voiceID: "es", language: "es")
        )
    }

    @Test func hexRoundTrips() throws {
        let key = try #require(CacheKey(hex: "0709cd4b74cce5a4ae5b32930d721cbb"))
        #expect(key.high == 0x0709_CD4B_74CC_E5A4)
        #expect(key.low == 0xAE5B_3293_0D72_1CBB)
        #expect(key.description == "0709cd4b74cce5a4ae5b32930d721cbb")
        #expect(CacheKey(hex: "0709CD4B74CCE5A4AE5B32930D721CBB") == key)
        #expect(CacheKey(high: 0, low: 1).description == "00000000000000000000000000000001")
        #expect(CacheKey(digest: [UInt8](repeating: 0xAB, count: 16)).description == String(repeating: "ab", count: 16))
    }

    @Test(arguments: [
        "", "0709cd4b74cce5a4ae5b32930d721cb", "0709cd4b74cce5a4ae5b32930d721cbb0", "g709cd4b74cce5a4ae5b32930d721cbb",
        " 709cd4b74cce5a4ae5b32930d721cbb", "+709cd4b74cce5a4ae5b32930d721cbb", "0709cd4b74cce5a4ae5b32930d721cb\u{E9}",
    ])
    func hexRejectsMalformedStrings(_ hex: String) {
        #expect(CacheKey(hex: hex) == nil)
    }

    @Test func codableAsHexString() throws {
        let key = try #require(CacheKey(hex: "a46018e968288148cac51947be7023eb"))
        let data = try JSONEncoder().encode(["key": key])
        #expect(String(decoding: data, as: UTF8.self) == #"{"key":"a46018e968288148cac51947be7023eb"}"#)
        #expect(try JSONDecoder().decode([String: CacheKey].self, from: data) == ["key": key])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([CacheKey].self, from: Data(#"["not a key"]"#.utf8))
        }
    }

    @Test func orderFollowsDigestBytes() throws {
        let small = try #require(CacheKey(hex: "00000000000000010000000000000000"))
        let large = try #require(CacheKey(hex: "0000000000000001000000000000ffff"))
        #expect(small < large)
        #expect(KeyScheme(rawValue: "md5-text-voice-language-v1") == .md5TextVoiceLanguageV1)
    }
}

import Testing

@testable import AudioCache

@Suite("CacheLayout")
struct CacheLayoutTests {
    @Test(
        "paths inside the audio folder are safe",
        arguments: ["audio/3f/a2/3fa2-9b1e4c2d.mp3", "audio/x.wav", "audio/a b/ü.ogg"]
    )
    func safe(path: String) {
        #expect(CacheLayout.isSafeAudioPath(path))
    }

    @Test(
        "paths that leave the audio folder, or hide, are not",
        arguments: [
            "", "audio", "audio/", "/audio/x.mp3", "audio/../index.json", "audio/a/../../x", "audio//x.mp3",
            "audio/.hidden", "audio/x.mp3/", "tmp/x.mp3", "audiox/y.mp3", "audio/a\\..\\x", "audio/a\u{0}b",
            "./audio/x.mp3",
        ]
    )
    func unsafe(path: String) {
        #expect(!CacheLayout.isSafeAudioPath(path))
    }

    @Test("audio paths fan out by the key's first four hex digits and name the audio's digest")
    func audioPath() throws {
        let key = try #require(CacheKey(hex: "3fa2c1000000000000000000000000c1"))
        let digest = try #require(SHA256Hash(hex: String(repeating: "9b1e4c2d", count: 8)))
        #expect(
            CacheLayout.audioPath(key: key, sha256: digest, container: .mp3)
                == "audio/3f/a2/3fa2c1000000000000000000000000c1-9b1e4c2d.mp3"
        )
        #expect(digest.description == String(repeating: "9b1e4c2d", count: 8))
    }
}

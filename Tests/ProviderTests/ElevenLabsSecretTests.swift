import AudioCache
import AudioCacheTestSupport
import Foundation
import NIOHTTP1
import Testing

@testable import AudioCacheProviders

func dumped(_ value: some Any) -> String {
    var text = ""
    dump(value, to: &text)
    return text
}

@Suite("ElevenLabs API key")
struct ElevenLabsSecretTests {
    @Test("a secret never shows itself")
    func secret() {
        let secret = Secret(elevenLabsTestKey)
        for text in [
            String(describing: secret), String(reflecting: secret), "\(secret)", dumped(secret),
            String(describing: Mirror(reflecting: secret).children.map { $0.value }),
        ] {
            #expect(!text.contains(elevenLabsTestKey))
            #expect(!text.contains("0123456789abcdef"))
        }
        #expect(secret.value == elevenLabsTestKey)
    }

    @Test("nor does a configuration or a provider")
    func configurationAndProvider() throws {
        let provider = try elevenLabsProvider {
            $0.voiceSettings = .init(stability: 0.5)
        }
        for text in [
            String(describing: provider.configuration), String(reflecting: provider.configuration),
            dumped(provider.configuration), String(describing: provider), String(reflecting: provider),
            dumped(provider),
        ] {
            #expect(!text.contains("0123456789abcdef"), "\(text)")
        }
        #expect(dumped(provider.configuration).contains("mp3_44100_128"))
    }

    @Test("no error message repeats a key the server echoed")
    func classificationRedacts() {
        let key = Secret(elevenLabsTestKey)
        let echoes: [[UInt8]] = [
            detailBody("invalid_api_key", "Invalid API key: \(elevenLabsTestKey)"),
            detailBody("quota_exceeded", "key \(elevenLabsTestKey) has 0 credits"),
            detailBody("voice_not_found", "no voice for \(elevenLabsTestKey)"),
            detailBody(elevenLabsTestKey, elevenLabsTestKey),
            Array(#"{"detail":"\#(elevenLabsTestKey)"}"#.utf8),
            Array(#"{"detail":[{"loc":["header","\#(elevenLabsTestKey)"],"msg":"\#(elevenLabsTestKey)"}]}"#.utf8),
        ]
        for status in [400, 401, 403, 404, 408, 422, 429, 500, 503] {
            for body in echoes {
                for secret in [key, nil] {
                    let error = ElevenLabsProvider.classify(status: status, headers: [:], body: body, redacting: secret)
                    #expect(!error.message.contains("0123456789abcdef"), "\(error)")
                    #expect(!error.reason.contains("0123456789abcdef"), "\(error)")
                }
            }
        }
        // A key of any shape is removed when the provider's key is passed.
        let odd = Secret("my-very-own-proxy-token")
        let error = ElevenLabsProvider.classify(
            status: 401,
            headers: [:],
            body: detailBody("invalid_api_key", "bad key my-very-own-proxy-token"),
            redacting: odd
        )
        #expect(!error.description.contains("my-very-own-proxy-token"))
        let response = ElevenLabsHTTPResponse(
            status: 200,
            headers: HTTPHeaders([("Content-Type", "text/\(elevenLabsTestKey)"), ("request-id", elevenLabsTestKey)]),
            body: AudioFixtures.mp3()
        )
        let bad = #expect(throws: SpeechProviderError.self) {
            try ElevenLabsProvider.audio(from: response, outputFormat: "mp3_44100_128", redacting: key)
        }
        #expect(bad.map { !$0.message.contains("0123456789abcdef") } == true)
    }

    @Test("the key from ELEVENLABS_API_KEY, trimmed")
    func fromEnvironment() throws {
        let key = try ElevenLabsConfiguration.apiKey(environment: ["ELEVENLABS_API_KEY": "  \(elevenLabsTestKey)\n"])
        #expect(key == Secret(elevenLabsTestKey))
        #expect(try ElevenLabsConfiguration.apiKey(environment: [:]) == nil)
        let empty = #expect(throws: SpeechProviderError.self) {
            try ElevenLabsConfiguration.apiKey(environment: ["ELEVENLABS_API_KEY": " \n\t"])
        }
        #expect(empty?.reason == "empty_api_key")
        #expect(empty?.scope == .run)
    }

    @Test("the key from a file wins over the environment; unreadable or empty files are refused")
    func fromFile() throws {
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent("key").path
        try Data("\(elevenLabsTestKey)\r\n".utf8).write(to: URL(fileURLWithPath: file))
        let key = try ElevenLabsConfiguration.apiKey(environment: ["ELEVENLABS_API_KEY": "other"], file: file)
        #expect(key == Secret(elevenLabsTestKey))

        let missing = #expect(throws: SpeechProviderError.self) {
            try ElevenLabsConfiguration.apiKey(environment: [:], file: file + ".missing")
        }
        #expect(missing?.reason == "unreadable_api_key_file")

        let emptyFile = folder.url.appendingPathComponent("empty").path
        try Data("  \n".utf8).write(to: URL(fileURLWithPath: emptyFile))
        let empty = #expect(throws: SpeechProviderError.self) {
            try ElevenLabsConfiguration.apiKey(environment: ["ELEVENLABS_API_KEY": elevenLabsTestKey], file: emptyFile)
        }
        #expect(empty?.reason == "empty_api_key")
        #expect(empty.map { !$0.message.contains("0123456789abcdef") } == true)
    }
}

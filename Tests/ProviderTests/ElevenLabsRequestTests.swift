import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

@testable import AudioCache
@testable import AudioCacheProviders

/// A provider whose client is never used: request building and response reading are pure.
func elevenLabsProvider(
    _ configure: (inout ElevenLabsConfiguration) -> Void = { _ in }
) throws -> ElevenLabsProvider {
    var configuration = ElevenLabsConfiguration(apiKey: Secret(elevenLabsTestKey))
    configure(&configuration)
    return try ElevenLabsProvider(configuration: configuration, httpClient: HTTPClient.shared)
}

/// A key shaped like a real one, to look for in output.
let elevenLabsTestKey = "sk_0123456789abcdef0123456789abcdef0123456789abcdef"

func speechRequest(
    text: String = "Hola, ¿qué tal?",
    voiceID: String = "21m00Tcm4TlvDq8ikWAM",
    language: String = "es-MX",
    modelID: String? = nil
) -> SpeechRequest {
    SpeechRequest(key: CacheKey(high: 1, low: 2), text: text, voiceID: voiceID, language: language, modelID: modelID)
}

func jsonObject(_ bytes: [UInt8]?) throws -> [String: Any] {
    let bytes = try #require(bytes)
    return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
}

@Suite("ElevenLabs requests")
struct ElevenLabsRequestTests {
    @Test("text-to-speech: POST to the voice's path with the output format, key and JSON headers")
    func speechURLAndHeaders() throws {
        let request = try elevenLabsProvider().speechRequest(for: speechRequest())
        #expect(request.method == .POST)
        #expect(
            request.url
                == "https://api.elevenlabs.io/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM?output_format=mp3_44100_128"
        )
        #expect(request.headers["xi-api-key"] == [elevenLabsTestKey])
        #expect(request.headers["Content-Type"] == ["application/json"])
        #expect(request.headers["Accept"] == ["audio/*"])
        #expect(request.httpClientRequest.url == request.url)
        #expect(request.httpClientRequest.method == .POST)
        #expect(request.httpClientRequest.headers == request.headers)
    }

    @Test(
        "the base URL keeps its path and loses trailing slashes",
        arguments: [
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/text-to-speech/v?output_format=pcm_24000"),
            (
                "https://proxy.example/eleven/",
                "https://proxy.example/eleven/v1/text-to-speech/v?output_format=pcm_24000"
            ),
            (
                "https://api.eu.residency.elevenlabs.io//",
                "https://api.eu.residency.elevenlabs.io/v1/text-to-speech/v?output_format=pcm_24000"
            ),
        ]
    )
    func baseURL(base: String, expected: String) throws {
        let provider = try elevenLabsProvider {
            $0.baseURL = base
            $0.outputFormat = "pcm_24000"
        }
        #expect(try provider.speechRequest(for: speechRequest(voiceID: "v")).url == expected)
    }

    @Test(
        "the voice id is percent-encoded into one path segment",
        arguments: [
            ("abc-DEF_1.2~", "abc-DEF_1.2~"),
            ("en-us+f3", "en-us%2Bf3"),
            ("a/b", "a%2Fb"),
            ("a b?c#d", "a%20b%3Fc%23d"),
            ("..", "%2E%2E"),
            (".", "%2E"),
            ("é", "%C3%A9"),
        ]
    )
    func voiceEncoding(voice: String, encoded: String) throws {
        let request = try elevenLabsProvider().speechRequest(for: speechRequest(voiceID: voice))
        #expect(request.url == "https://api.elevenlabs.io/v1/text-to-speech/\(encoded)?output_format=mp3_44100_128")
    }

    @Test("an empty voice id is refused before anything is sent")
    func emptyVoice() throws {
        let error = #expect(throws: SpeechProviderError.self) {
            try elevenLabsProvider().speechRequest(for: speechRequest(voiceID: ""))
        }
        #expect(error?.scope == .voice)
        #expect(error?.reason == "invalid_voice")
    }

    @Test("the output format is encoded as a query value")
    func outputFormatEncoding() throws {
        let provider = try elevenLabsProvider { $0.outputFormat = "mp3 44100&x=1" }
        #expect(
            try provider.speechRequest(for: speechRequest(voiceID: "v")).url.hasSuffix(
                "?output_format=mp3%2044100%26x%3D1"
            )
        )
    }

    @Test("the minimal body: the original text and the default model, nothing else")
    func minimalBody() throws {
        let text = "  Hola,\n¿qué tal? \"😀\" <b>&</b> / \\ "
        let request = try elevenLabsProvider().speechRequest(for: speechRequest(text: text))
        let body = try jsonObject(request.body)
        #expect(Set(body.keys) == ["text", "model_id"])
        #expect(body["text"] as? String == text)
        #expect(body["model_id"] as? String == "eleven_multilingual_v2")
    }

    @Test("the phrase's model wins over the configured one")
    func phraseModel() throws {
        let provider = try elevenLabsProvider { $0.modelID = "eleven_turbo_v2_5" }
        let withModel = try jsonObject(provider.speechRequest(for: speechRequest(modelID: "eleven_v3")).body)
        let withoutModel = try jsonObject(provider.speechRequest(for: speechRequest()).body)
        #expect(withModel["model_id"] as? String == "eleven_v3")
        #expect(withoutModel["model_id"] as? String == "eleven_turbo_v2_5")
    }

    @Test("every optional field, when configured")
    func fullBody() throws {
        let provider = try elevenLabsProvider {
            $0.voiceSettings = .init(
                stability: 0.5,
                similarityBoost: 0.75,
                style: 0.25,
                useSpeakerBoost: true,
                speed: 1.1
            )
            $0.sendsLanguageCode = true
            $0.seed = 4_294_967_295
        }
        let request = try provider.speechRequest(for: speechRequest(language: "es-MX"))
        let body = try jsonObject(request.body)
        #expect(Set(body.keys) == ["text", "model_id", "voice_settings", "language_code", "seed"])
        #expect(body["language_code"] as? String == "es")
        #expect((body["seed"] as? NSNumber)?.uint32Value == 4_294_967_295)
        let settings = try #require(body["voice_settings"] as? [String: Any])
        #expect(settings["stability"] as? Double == 0.5)
        #expect(settings["similarity_boost"] as? Double == 0.75)
        #expect(settings["style"] as? Double == 0.25)
        #expect(settings["use_speaker_boost"] as? Bool == true)
        #expect(settings["speed"] as? Double == 1.1)
        #expect(
            String(decoding: try #require(request.body), as: UTF8.self).hasPrefix(
                #"{"language_code":"es","model_id":"eleven_multilingual_v2","seed":4294967295,"text":"#
            )
        )
    }

    @Test("voice settings: only the ones set are sent")
    func partialVoiceSettings() throws {
        let provider = try elevenLabsProvider { $0.voiceSettings = .init(useSpeakerBoost: false) }
        let body = try jsonObject(provider.speechRequest(for: speechRequest()).body)
        let settings = try #require(body["voice_settings"] as? [String: Any])
        #expect(Set(settings.keys) == ["use_speaker_boost"])
        #expect(settings["use_speaker_boost"] as? Bool == false)
    }

    @Test(
        "language_code: the primary subtag, lowercased, only when configured",
        arguments: [("es-MX", "es"), ("EN_us", "en"), ("pt", "pt"), ("-", nil)] as [(String, String?)]
    )
    func languageCode(language: String, code: String?) throws {
        let on = try elevenLabsProvider { $0.sendsLanguageCode = true }
        let off = try elevenLabsProvider()
        #expect(on.configuration.languageCode(for: language) == code)
        #expect(off.configuration.languageCode(for: language) == nil)
        let body = try jsonObject(on.speechRequest(for: speechRequest(language: language)).body)
        #expect(body["language_code"] as? String == code)
    }

    @Test("the rendering names the API's settings, the model used and the output format")
    func rendering() throws {
        let provider = try elevenLabsProvider {
            $0.voiceSettings = .init(stability: 0.5, useSpeakerBoost: true)
            $0.outputFormat = "pcm_16000"
        }
        let rendering = provider.rendering(for: speechRequest(text: "Hi", modelID: "eleven_v3"))
        #expect(
            rendering
                == RenderingDescription(
                    provider: "elevenlabs",
                    modelID: "eleven_v3",
                    outputFormat: "pcm_16000",
                    voiceSettings: [
                        VoiceSetting(name: "use_speaker_boost", value: .bool(true)),
                        VoiceSetting(name: "stability", value: .number(0.5)),
                    ],
                    text: "Hi"
                )
        )
        #expect(provider.name == "elevenlabs")
    }

    @Test("subscription and voices requests")
    func accountRequests() throws {
        let provider = try elevenLabsProvider { $0.baseURL = "http://localhost:1234/" }
        let subscription = provider.subscriptionRequest()
        #expect(subscription.method == .GET)
        #expect(subscription.url == "http://localhost:1234/v1/user/subscription")
        #expect(subscription.headers["xi-api-key"] == [elevenLabsTestKey])
        #expect(subscription.body == nil)
        #expect(provider.voicesRequest(pageToken: nil).url == "http://localhost:1234/v2/voices?page_size=100")
        #expect(
            provider.voicesRequest(pageToken: "a+b/c=").url
                == "http://localhost:1234/v2/voices?page_size=100&next_page_token=a%2Bb%2Fc%3D"
        )
    }

    @Test(
        "a configuration that cannot work is refused at once",
        arguments: [
            { (configuration: inout ElevenLabsConfiguration) in configuration.baseURL = "api.elevenlabs.io" },
            { $0.baseURL = "ftp://api.elevenlabs.io" },
            { $0.baseURL = "https://api.elevenlabs.io?x=1" },
            { $0.apiKey = Secret("") },
            { $0.modelID = "" },
            { $0.outputFormat = "" },
            { $0.voiceSettings.stability = .nan },
            { $0.voiceSettings.speed = .infinity },
            { $0.requestTimeout = .zero },
            { $0.maximumAudioBytes = 0 },
        ] as [@Sendable (inout ElevenLabsConfiguration) -> Void]
    )
    func invalidConfiguration(change: @Sendable (inout ElevenLabsConfiguration) -> Void) {
        let error = #expect(throws: SpeechProviderError.self) { try elevenLabsProvider(change) }
        #expect(error?.scope == .run)
        #expect(error?.reason == "invalid_option")
    }

    @Test("defaults")
    func defaults() {
        let configuration = ElevenLabsConfiguration(apiKey: Secret("k"))
        #expect(configuration.baseURL == "https://api.elevenlabs.io")
        #expect(configuration.modelID == "eleven_multilingual_v2")
        #expect(configuration.outputFormat == "mp3_44100_128")
        #expect(configuration.voiceSettings.isEmpty)
        #expect(!configuration.sendsLanguageCode)
        #expect(configuration.seed == nil)
        #expect(configuration.requestTimeout == .seconds(60))
        #expect(ElevenLabsProvider.defaultConcurrency == 4)
    }
}

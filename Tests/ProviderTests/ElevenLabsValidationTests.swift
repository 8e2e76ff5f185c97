import AudioCache
import AudioCacheTestSupport
import Foundation
import NIOHTTP1
import Testing

@testable import AudioCacheProviders

func response(
    status: Int = 200,
    contentType: String? = "audio/mpeg",
    contentLength: String? = nil,
    body: [UInt8],
    extra: [(String, String)] = []
) -> ElevenLabsHTTPResponse {
    var headers = HTTPHeaders(extra)
    if let contentType { headers.add(name: "Content-Type", value: contentType) }
    if let contentLength { headers.add(name: "Content-Length", value: contentLength) }
    return ElevenLabsHTTPResponse(status: status, headers: headers, body: body)
}

@Suite("ElevenLabs response validation")
struct ElevenLabsValidationTests {
    static let id3 = Array("ID3".utf8) + [4, 0, 0, 0, 0, 0, 0] + AudioFixtures.mp3()

    @Test(
        "audio that starts like the format asked for is returned as it is",
        arguments: [
            ("mp3_44100_128", "audio/mpeg", AudioFixtures.mp3()),
            ("mp3_22050_32", "audio/mpeg; charset=binary", id3),
            ("pcm_24000", "audio/pcm", [0, 0, 1, 0, 2, 0, 3, 0]),
            ("pcm_16000", "application/octet-stream", [0, 0, 1, 0]),
            ("ulaw_8000", "audio/basic", [0x7F, 0xFF, 0x7E]),
            ("wav_44100", "audio/wav", AudioFixtures.wav()),
            ("opus_48000_64", "audio/ogg", Array("OggS".utf8) + [0, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
        ] as [(String, String, [UInt8])]
    )
    func accepted(format: String, contentType: String, body: [UInt8]) throws {
        let audio = try ElevenLabsProvider.audio(
            from: response(contentType: contentType, contentLength: String(body.count), body: body),
            outputFormat: format
        )
        #expect(audio == body)
    }

    @Test(
        "a bad body is never returned",
        arguments: [
            ("mp3_44100_128", response(contentType: "application/json", body: AudioFixtures.mp3()), "bad_audio"),
            ("mp3_44100_128", response(contentType: "text/html", body: Array("<html>".utf8)), "bad_audio"),
            ("mp3_44100_128", response(contentType: nil, body: AudioFixtures.mp3()), "bad_audio"),
            ("mp3_44100_128", response(body: []), "bad_audio"),
            ("mp3_44100_128", response(contentLength: "0", body: []), "bad_audio"),
            ("mp3_44100_128", response(contentLength: "500", body: AudioFixtures.mp3()), "truncated_body"),
            ("mp3_44100_128", response(contentLength: "404", body: []), "truncated_body"),
            ("mp3_44100_128", response(body: Array(#"{"detail":"x"}"#.utf8)), "bad_audio"),
            ("mp3_44100_128", response(body: AudioFixtures.wav()), "bad_audio"),
            ("wav_44100", response(contentType: "audio/wav", body: AudioFixtures.mp3()), "bad_audio"),
            ("wav_44100", response(contentType: "audio/wav", body: Array("RIFF\0\0\0\0AVI ".utf8)), "bad_audio"),
            ("pcm_24000", response(contentType: "audio/pcm", body: [0, 0, 1]), "bad_audio"),
            ("pcm_24000", response(contentType: "audio/pcm", body: AudioFixtures.wav()), "bad_audio"),
            ("ulaw_8000", response(contentType: "audio/basic", body: Array(#"{"a":1}"#.utf8)), "bad_audio"),
            (
                "mp3_44100_128", response(contentType: "application/octet-stream", body: AudioFixtures.mp3()),
                "bad_audio"
            ),
        ] as [(String, ElevenLabsHTTPResponse, String)]
    )
    func rejected(format: String, response: ElevenLabsHTTPResponse, reason: String) {
        let error = #expect(throws: SpeechProviderError.self) {
            try ElevenLabsProvider.audio(from: response, outputFormat: format)
        }
        #expect(error?.scope == .transient(retryAfter: nil))
        #expect(error?.reason == reason)
    }

    @Test("an error status is classified, whatever the body")
    func errorStatus() {
        let error = #expect(throws: SpeechProviderError.self) {
            try ElevenLabsProvider.audio(
                from: response(status: 401, contentType: "application/json", body: detailBody("quota_exceeded")),
                outputFormat: "mp3_44100_128"
            )
        }
        #expect(error?.scope == .run)
        #expect(error?.reason == "quota_exceeded")
    }

    @Test("the response's headers fill the result; the text's length when no character-cost")
    func resultFields() throws {
        let provider = try elevenLabsProvider()
        let audio = try provider.speechAudio(
            from: response(
                body: AudioFixtures.mp3(),
                extra: [
                    ("request-id", "req_123"), ("character-cost", "42"), ("history-item-id", "hist_9"),
                    ("maximum-concurrent-requests", "5"),
                ]
            ),
            for: speechRequest(text: "Hola")
        )
        #expect(audio.bytes == AudioFixtures.mp3())
        #expect(audio.billedCharacters == 42)
        #expect(audio.requestID == "req_123")
        #expect(audio.historyItemID == "hist_9")
        #expect(audio.maximumConcurrentRequests == 5)
        #expect(audio.rendering == provider.rendering(for: speechRequest(text: "Hola")))

        let bare = try provider.speechAudio(
            from: response(
                body: AudioFixtures.mp3(),
                extra: [("character-cost", "x"), ("maximum-concurrent-requests", "0")]
            ),
            for: speechRequest(text: "¿Qué tal? 😀")
        )
        #expect(bare.billedCharacters == 11)
        #expect(bare.requestID == nil)
        #expect(bare.historyItemID == nil)
        #expect(bare.maximumConcurrentRequests == nil)
    }

    @Test("expected containers")
    func containers() {
        #expect(ElevenLabsProvider.expectedContainer(for: "mp3_44100_192") == .mp3)
        #expect(ElevenLabsProvider.expectedContainer(for: "pcm_44100") == .raw)
        #expect(ElevenLabsProvider.expectedContainer(for: "alaw_8000") == .raw)
        #expect(ElevenLabsProvider.expectedContainer(for: "opus_48000_192") == .ogg)
        #expect(ElevenLabsProvider.expectedContainer(for: "something_new") == nil)
    }

    @Test("subscription and voice pages are read; a bad body is a transient bad_response")
    func accountBodies() throws {
        let subscription = try ElevenLabsProvider.subscription(
            from: response(
                contentType: "application/json",
                body: Array(
                    #"{"tier":"creator","character_count":1200,"character_limit":100000,"next_character_count_reset_unix":1767225600,"voice_limit":30}"#
                        .utf8
                )
            ),
            redacting: nil
        )
        #expect(
            subscription
                == ElevenLabsSubscription(
                    characterCount: 1200,
                    characterLimit: 100_000,
                    nextResetUnix: 1_767_225_600,
                    tier: "creator"
                )
        )
        #expect(subscription.remaining == 98_800)
        #expect(ElevenLabsSubscription(characterCount: 12, characterLimit: 10).remaining == 0)

        let page = try ElevenLabsProvider.voicesPage(
            from: response(
                contentType: "application/json",
                body: Array(
                    #"{"voices":[{"voice_id":"a1","name":"Rachel","category":"premade","labels":{}},{"voice_id":"b2"}],"has_more":true,"total_count":3,"next_page_token":"t2"}"#
                        .utf8
                )
            ),
            redacting: nil
        )
        #expect(
            page.voices == [
                ElevenLabsVoice(voiceID: "a1", name: "Rachel", category: "premade"),
                ElevenLabsVoice(voiceID: "b2", name: ""),
            ]
        )
        #expect(page.hasMore)
        #expect(page.nextPageToken == "t2")

        let bad = #expect(throws: SpeechProviderError.self) {
            try ElevenLabsProvider.subscription(
                from: response(contentType: "text/html", body: Array("<html>".utf8)),
                redacting: nil
            )
        }
        #expect(bad?.reason == "bad_response")
        let refused = #expect(throws: SpeechProviderError.self) {
            try ElevenLabsProvider.voicesPage(
                from: response(status: 401, body: detailBody("invalid_api_key")),
                redacting: nil
            )
        }
        #expect(refused?.reason == "invalid_api_key")
    }
}

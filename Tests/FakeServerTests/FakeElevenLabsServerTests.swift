import AsyncHTTPClient
import AudioCacheTestSupport
import Foundation
import Testing

@Suite("Fake ElevenLabs server: the API", .timeLimit(.minutes(2)))
struct FakeElevenLabsServerTests {
    @Test("a good request returns MP3 with ElevenLabs' headers")
    func goodRequest() async throws {
        try await FakeElevenLabsServer.withServer(.init(concurrencyLimit: 3)) { url, server in
            #expect(url.host == "127.0.0.1")
            let response = try await FakeServerClient.with(url) { try await $0.speech(text: "¡Hola, mundo!") }
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "audio/mpeg")
            #expect(response.headers["content-length"] == "\(response.body.count)")
            #expect(response.headers["character-cost"] == "13")
            #expect(response.headers["maximum-concurrent-requests"] == "3")
            #expect(response.headers["request-id"] != nil)
            #expect(response.headers["history-item-id"] != nil)
            #expect(Array(response.body.prefix(4)) == [0xFF, 0xFB, 0x90, 0x64])
            let expected = FakeElevenLabsAudio.bytes(
                voiceID: FakeElevenLabsVoice.defaults[0].id,
                text: "¡Hola, mundo!",
                modelID: "eleven_multilingual_v2",
                outputFormat: "mp3_44100_128"
            )
            #expect(response.body == expected)
            #expect(server.charactersUsed == 13)
            #expect(
                server.renders == [
                    FakeElevenLabsPhrase(voiceID: FakeElevenLabsVoice.defaults[0].id, text: "¡Hola, mundo!"): 1
                ]
            )
            let record = try #require(server.textToSpeechRequests.first)
            #expect(record.key == .valid)
            #expect(record.headers["xi-api-key"] == nil)
            #expect(record.outcome == "ok")
            #expect(!server.apiKeyLeaked)
        }
    }

    @Test("PCM is raw 16-bit samples; the default format is MP3")
    func formats() async throws {
        try await FakeElevenLabsServer.withServer { url, _ in
            try await FakeServerClient.with(url) { client async throws in
                let pcm = try await client.speech(text: "Hi", format: "pcm_16000")
                #expect(pcm.status == 200)
                #expect(pcm.headers["content-type"] == "audio/pcm")
                #expect(!pcm.body.isEmpty && pcm.body.count % 2 == 0)
                let defaulted = try await client.speech(text: "Hi", format: nil)
                #expect(defaulted.headers["content-type"] == "audio/mpeg")
                let unknown = try await client.speech(text: "Hi", format: "flac_9")
                #expect(unknown.status == 422)
            }
        }
    }

    @Test("a missing or wrong key is 401 invalid_api_key, and nothing is billed")
    func wrongKey() async throws {
        try await FakeElevenLabsServer.withServer { url, server in
            try await FakeServerClient.with(url) { client async throws in
                let wrong = try await client.speech(key: "nope")
                #expect(wrong.status == 401)
                #expect(wrong.detailStatus == "invalid_api_key")
                let missing = try await client.speech(key: nil)
                #expect(missing.detailStatus == "invalid_api_key")
                #expect(try await client.get("/v1/user/subscription", key: "nope").status == 401)
            }
            #expect(server.requests.map(\.key) == [.wrong, .missing, .wrong])
            #expect(server.charactersUsed == 0)
        }
    }

    @Test("an unknown voice is 404 voice_not_found")
    func unknownVoice() async throws {
        try await FakeElevenLabsServer.withServer { url, _ in
            let response = try await FakeServerClient.with(url) { try await $0.speech(voice: "no-such-voice") }
            #expect(response.status == 404)
            #expect(response.detailStatus == "voice_not_found")
        }
    }

    @Test("empty, missing, too long text and bad JSON are FastAPI-style 422s")
    func validation() async throws {
        try await FakeElevenLabsServer.withServer(.init(maximumTextLength: 10)) { url, server in
            try await FakeServerClient.with(url) { client async throws in
                for response in [
                    try await client.speech(text: ""),
                    try await client.speech(text: String(repeating: "a", count: 11)),
                    try await client.speech(body: #"{"model_id": "m"}"#),
                    try await client.speech(body: "not json"),
                ] {
                    #expect(response.status == 422)
                    let detail = try #require(response.json?["detail"] as? [[String: Any]])
                    #expect(detail.first?["loc"] != nil && detail.first?["msg"] != nil && detail.first?["type"] != nil)
                }
            }
            #expect(server.charactersUsed == 0)
        }
    }

    @Test("the character quota is answered with 401 quota_exceeded")
    func quota() async throws {
        try await FakeElevenLabsServer.withServer(.init(characterLimit: 10, charactersUsed: 4)) { url, server in
            try await FakeServerClient.with(url) { client async throws in
                #expect(try await client.speech(text: "abcdef").status == 200)
                let over = try await client.speech(text: "x")
                #expect(over.status == 401)
                #expect(over.detailStatus == "quota_exceeded")
                let subscription = try await client.get("/v1/user/subscription")
                #expect(subscription.json?["character_count"] as? Int == 10)
            }
            #expect(server.charactersUsed == 10)
        }
    }

    @Test("the subscription reports the account")
    func subscription() async throws {
        try await FakeElevenLabsServer.withServer(.init(characterLimit: 500, charactersUsed: 20)) { url, _ in
            let response = try await FakeServerClient.with(url) { try await $0.get("/v1/user/subscription") }
            let json = try #require(response.json)
            #expect(json["character_count"] as? Int == 20)
            #expect(json["character_limit"] as? Int == 500)
            #expect(json["next_character_count_reset_unix"] as? Int != nil)
            #expect(json["tier"] as? String == "creator")
            #expect(json["status"] as? String == "active")
        }
    }

    @Test("/v2/voices pages through every voice")
    func voices() async throws {
        try await FakeElevenLabsServer.withServer(.init(voices: FakeElevenLabsVoice.numbered(7))) { url, _ in
            try await FakeServerClient.with(url) { client async throws in
                var ids: [String] = []
                var token: String?
                var pages = 0
                repeat {
                    let query = "/v2/voices?page_size=3" + (token.map { "&next_page_token=\($0)" } ?? "")
                    let json = try #require(try await client.get(query).json)
                    let voices = try #require(json["voices"] as? [[String: Any]])
                    ids += voices.compactMap { $0["voice_id"] as? String }
                    #expect(voices.allSatisfy { $0["name"] is String && $0["category"] as? String == "premade" })
                    #expect(json["total_count"] as? Int == 7)
                    token = json["next_page_token"] as? String
                    #expect((json["has_more"] as? Bool) == (token != nil))
                    pages += 1
                } while token != nil && pages < 10
                #expect(pages == 3)
                #expect(ids == FakeElevenLabsVoice.numbered(7).map(\.id))
                #expect(try await client.get("/v2/voices?next_page_token=bogus").status == 400)
            }
        }
    }

    @Test("a key in the URL is flagged as a leak")
    func keyLeak() async throws {
        try await FakeElevenLabsServer.withServer { url, server in
            _ = try await FakeServerClient.with(url) { try await $0.get("/v2/voices?xi_api_key=test-key", key: nil) }
            #expect(server.apiKeyLeaked)
        }
    }
}

import AsyncHTTPClient
import AudioCache
import AudioCacheProviders
import AudioCacheServer
import AudioCacheTestSupport
import Foundation
import NIOHTTP1
import Synchronization
import Testing

/// `/api/tts` over real HTTP, with misses rendered by the ElevenLabs provider against the fake
/// ElevenLabs server (both on 127.0.0.1).
@Suite("Read-through /api/tts", .timeLimit(.minutes(2)))
struct SpeechRouteTests {
    private static let voice = FakeElevenLabsVoice.defaults[0].id

    /// Runs `body` with the service in front of the fake ElevenLabs server.
    private static func withReadThrough<T: Sendable>(
        _ fake: FakeElevenLabsConfiguration = FakeElevenLabsConfiguration(),
        served: ServedCache,
        threshold: Int = 5,
        coolDown: Duration = .seconds(30),
        timeout: Duration = .seconds(15),
        _ body: (String, FakeElevenLabsServer) async throws -> T
    ) async throws -> T {
        try await FakeElevenLabsServer.withServer(fake) { url, server in
            let provider = try ElevenLabsProvider(
                configuration: ElevenLabsConfiguration(baseURL: url.absoluteString, apiKey: Secret(fake.apiKey)),
                httpClient: HTTPClient.shared
            )
            return try await withServer(
                cache: served.cache,
                provider: provider,
                timeout: timeout,
                threshold: threshold,
                coolDown: coolDown
            ) { base in
                try await body(base, server)
            }
        }
    }

    private static func speech(_ base: String, _ text: String) -> String {
        var components = URLComponents(string: "\(base)/api/tts")
        components?.queryItems = [
            URLQueryItem(name: "text", value: text), URLQueryItem(name: "voice_id", value: voice),
            URLQueryItem(name: "language", value: "en"),
        ]
        return components?.url?.absoluteString ?? base
    }

    @Test("a miss is rendered once, stored unpinned with the TTL, and the next request is a hit")
    func missThenHit() async throws {
        let served = try ServedCache(ttlSeconds: 600)
        let (first, second, renders) = try await Self.withReadThrough(served: served) { base, server in
            let first = try await send(
                .POST,
                "\(base)/api/tts",
                body: "{\"text\": \"Welcome to the demo\", \"voice_id\": \"\(Self.voice)\", \"language\": \"en\"}"
            )
            let second = try await send(.GET, Self.speech(base, "  welcome TO the demo "))
            return (first, second, server.textToSpeechRequests.count)
        }
        // The miss is streamed from the provider: no validator, not to be kept.
        #expect(first.status == 200)
        #expect(first.headers["content-type"] == "audio/mpeg")
        #expect(first.headers["cache-control"] == "no-store" && first.headers["etag"] == nil)
        #expect(!first.body.isEmpty)
        // The hit is the stored file, with its ETag.
        #expect(second.status == 200 && second.body == first.body)
        #expect(second.headers["etag"] == "\"\(SHA256Hash(of: second.body))\"")
        #expect(renders == 1)
        let key = KeyScheme.md5TextVoiceLanguageV1.key(text: "Welcome to the demo", voiceID: Self.voice, language: "en")
        let entry = try #require(await served.cache.entry(for: key))
        #expect(!entry.isPinned && entry.expiresAt != nil)
        #expect(entry.rendering.provider == "elevenlabs")
    }

    @Test("100 concurrent requests for one missing phrase make one provider call and get the same bytes")
    func singleFlight() async throws {
        let served = try ServedCache()
        let fake = FakeElevenLabsConfiguration(latency: .milliseconds(300) ... .milliseconds(300))
        let (bodies, renders) = try await Self.withReadThrough(fake, served: served) { base, server in
            let bodies = try await withThrowingTaskGroup(of: Exchange.self) { group in
                for _ in 0..<100 {
                    group.addTask { try await send(.GET, Self.speech(base, "Please hold the line")) }
                }
                var bodies: [Exchange] = []
                for try await exchange in group { bodies.append(exchange) }
                return bodies
            }
            return (bodies, server.textToSpeechRequests.count)
        }
        #expect(renders == 1)
        #expect(bodies.count == 100 && bodies.allSatisfy { $0.status == 200 })
        #expect(Set(bodies.map(\.body)).count == 1)
        #expect(bodies.first?.body.isEmpty == false)
    }

    @Test("a miss streams: the first bytes come while the provider still speaks; a late joiner gets the same bytes")
    func missStreams() async throws {
        let served = try ServedCache()
        // Four chunks 400 ms apart: the whole answer takes at least 1.2 s after the first chunk.
        let fake = FakeElevenLabsConfiguration(streamChunks: 4, streamChunkInterval: .milliseconds(400))
        let text = "Your call is important to us"
        let key = KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: Self.voice, language: "en")
        let (first, late, paths, stored) = try await Self.withReadThrough(fake, served: served) { base, server in
            async let first = stream(Self.speech(base, text))
            try await Task.sleep(for: .milliseconds(500))
            async let late = stream(Self.speech(base, text))
            let answers = (try await first, try await late)
            // Stored before the answers ended.
            let hit = try #require(await served.cache.lookup(key: key))
            let stored = try Array(Data(contentsOf: URL(fileURLWithPath: hit.filePath)))
            return (answers.0, answers.1, server.textToSpeechRequests.map(\.path), stored)
        }
        #expect(paths == ["/v1/text-to-speech/\(Self.voice)/stream"])
        #expect(first.status == 200 && first.headers["content-type"] == "audio/mpeg")
        #expect(first.parts.count >= 2, "the answer came in one part")
        let firstPart = try #require(first.parts.first?.after)
        let end = try #require(first.parts.last?.after)
        #expect(end - firstPart >= .milliseconds(1_000), "first part after \(firstPart), last after \(end)")
        #expect(late.status == 200 && late.body == first.body)
        #expect(stored == first.body)
    }

    @Test("a stream cut short is not stored: the client sees an unfinished answer, the next request renders again")
    func truncatedStream() async throws {
        let served = try ServedCache()
        let fake = FakeElevenLabsConfiguration(
            faults: FakeElevenLabsFaultRule { $0.attempt == 1 ? .truncatedBody : nil }
        )
        let text = "Press one for sales"
        let key = KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: Self.voice, language: "en")
        try await Self.withReadThrough(fake, served: served) { base, server in
            await #expect(throws: (any Error).self) { try await stream(Self.speech(base, text)) }
            #expect(await served.cache.entry(for: key) == nil)
            let again = try await send(.GET, Self.speech(base, text))
            #expect(again.status == 200)
            #expect(server.textToSpeechRequests.count == 2)
        }
        #expect(await served.cache.entry(for: key) != nil)
    }

    @Test("the client that started a flight goes away: the flight goes on, the others get the audio, it is stored")
    func leaderLeaves() async throws {
        let served = try ServedCache()
        let fake = FakeElevenLabsConfiguration(streamChunks: 3, streamChunkInterval: .milliseconds(300))
        let text = "Thank you for waiting"
        let key = KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: Self.voice, language: "en")
        try await Self.withReadThrough(fake, served: served) { base, server in
            let leader = Task { try await stream(Self.speech(base, text)) }
            try await Task.sleep(for: .milliseconds(150))
            async let follower = stream(Self.speech(base, text))
            try await Task.sleep(for: .milliseconds(200))
            leader.cancel()
            _ = await leader.result
            let answer = try await follower
            #expect(answer.status == 200 && !answer.body.isEmpty)
            #expect(server.textToSpeechRequests.count == 1)
            let entry = try #require(await served.cache.entry(for: key))
            #expect(entry.size == answer.body.count)
            #expect(try await send(.GET, "\(base)/ready").json()["provider_state"] as? String == "ok")
        }
    }

    @Test("provider down: hits still served, misses 503 with Retry-After at once; cool-down, then back")
    func providerDownAndBack() async throws {
        let served = try ServedCache()
        let cached = try await served.store(
            "Cached already",
            voice: Self.voice,
            language: "en",
            audio: AudioFixtures.mp3()
        )
        let down = Mutex(true)
        let fake = FakeElevenLabsConfiguration(
            faults: FakeElevenLabsFaultRule { _ in down.withLock { $0 } ? .serviceUnavailable : nil }
        )
        try await Self.withReadThrough(fake, served: served, threshold: 2, coolDown: .seconds(1)) { base, server in
            // Misses while the provider fails: 503 with a JSON reason and Retry-After.
            for text in ["First miss", "Second miss"] {
                let answer = try await send(.GET, Self.speech(base, text))
                #expect(answer.status == 503, "\(text)")
                #expect(answer.reason != nil)
                #expect(Int(answer.headers["retry-after"] ?? "") != nil)
            }
            // Two failures in a row open the breaker: the provider is not called, /ready says so.
            let calls = server.textToSpeechRequests.count
            let refused = try await send(.GET, Self.speech(base, "Third miss"))
            #expect(refused.status == 503 && refused.reason == "provider_cooling_down")
            #expect(server.textToSpeechRequests.count == calls)
            #expect(try await send(.GET, "\(base)/ready").json()["provider_state"] as? String == "cooling_down")
            let metrics = String(decoding: try await send(.GET, "\(base)/metrics").body, as: UTF8.self)
            #expect(metrics.contains("audiocache_provider_state 1"), "\(metrics)")
            #expect(metrics.contains("audiocache_provider_refused_total 1"))
            #expect(metrics.contains("audiocache_provider_errors_total 2"))
            // Hits do not need the provider.
            #expect(try await send(.GET, "\(base)/api/audio/\(cached.key)").status == 200)
            // The provider comes back; after the cool-down one request tries it and succeeds.
            down.withLock { $0 = false }
            try await Task.sleep(for: .milliseconds(1_100))
            let back = try await send(.GET, Self.speech(base, "Third miss"))
            #expect(back.status == 200)
            #expect(try await send(.GET, "\(base)/ready").json()["provider_state"] as? String == "ok")
        }
    }

    @Test("a provider that does not answer in time gives a 503 within the deadline, not a hung request")
    func slowProvider() async throws {
        let served = try ServedCache()
        let fake = FakeElevenLabsConfiguration(faults: FakeElevenLabsFaultRule { _ in .slow(.seconds(20)) })
        let (answer, took) = try await Self.withReadThrough(fake, served: served, timeout: .milliseconds(500)) {
            base,
            _ in
            let started = ContinuousClock.now
            let answer = try await send(.GET, Self.speech(base, "Too slow"))
            return (answer, ContinuousClock.now - started)
        }
        #expect(answer.status == 503 && answer.reason == "timeout")
        #expect(took < .seconds(10), "answered after \(took)")
    }

    @Test(
        "bad phrases are 400s before any provider call",
        arguments: [
            "{\"text\": \"\", \"voice_id\": \"v\", \"language\": \"en\"}",
            "{\"text\": \"   \", \"voice_id\": \"v\", \"language\": \"en\"}",
            "{\"text\": \"Hi\", \"voice_id\": \"../x\", \"language\": \"en\"}",
            "{\"text\": \"Hi\", \"voice_id\": \"v\", \"language\": \"e n\"}",
            "{\"text\": \"Hi\\u0000\", \"voice_id\": \"v\", \"language\": \"en\"}",
            "{\"text\": \"Hi\", \"voice_id\": \"v\"}",
            "{\"text\": 5, \"voice_id\": \"v\", \"language\": \"en\"}",
            "not json",
            "{\"text\": \"" + String(repeating: "a", count: 5_001) + "\", \"voice_id\": \"v\", \"language\": \"en\"}",
        ]
    )
    func badPhrases(_ body: String) async throws {
        let served = try ServedCache()
        let (answer, calls) = try await Self.withReadThrough(served: served) { base, server in
            (try await send(.POST, "\(base)/api/tts", body: body), server.textToSpeechRequests.count)
        }
        #expect(answer.status == 400)
        #expect(answer.reason == "bad_request")
        #expect(calls == 0)
    }

    @Test("a voice the provider does not know is a 404 with its reason; the breaker stays closed")
    func unknownVoice() async throws {
        let served = try ServedCache()
        let (answer, ready) = try await Self.withReadThrough(served: served) { base, _ in
            (
                try await send(
                    .POST,
                    "\(base)/api/tts",
                    body: #"{"text": "Hi", "voice_id": "nobody", "language": "en"}"#
                ),
                try await send(.GET, "\(base)/ready").json()["provider_state"] as? String
            )
        }
        #expect(answer.status == 404)
        #expect(answer.reason == "voice_not_found")
        #expect(ready == "ok")
    }

    @Test("without a provider a miss is a 404; a hit is served")
    func noProvider() async throws {
        let served = try ServedCache()
        try await served.store("Hola", audio: AudioFixtures.wav())
        let (hit, miss) = try await withServer(cache: served.cache) { base in
            (
                try await send(
                    .POST,
                    "\(base)/api/tts",
                    body: #"{"text": "hola", "voice_id": "es", "language": "es"}"#
                ),
                try await send(
                    .POST,
                    "\(base)/api/tts",
                    body: #"{"text": "adiós", "voice_id": "es", "language": "es"}"#
                )
            )
        }
        #expect(hit.status == 200)
        #expect(miss.status == 404 && miss.reason == "not_found")
    }
}

/// The maximum size holds while the service renders and stores misses.
@Suite("Eviction while serving", .timeLimit(.minutes(2)))
struct EvictionWhileServingTests {
    @Test("stored misses push the cache past its maximum: unpinned entries are evicted, pinned ones served on")
    func evictsUnpinnedWhileServing() async throws {
        let pinnedAudio = AudioFixtures.wav(samples: 2_000)
        // Room for the pinned entry and about three rendered ones.
        let served = try ServedCache(maxSizeBytes: pinnedAudio.count + 3 * 700)
        let pinned = try await served.store("Bienvenido", audio: pinnedAudio)
        let provider = FakeSpeechProvider()
        let (pinnedStatuses, renderedStatuses) = try await withServer(cache: served.cache, provider: provider) { base in
            try await withThrowingTaskGroup(of: (Bool, Int).self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let body = "{\"text\": \"Frase número \(index)\", \"voice_id\": \"es\", \"language\": \"es\"}"
                        return (false, try await send(.POST, "\(base)/api/tts", body: body).status)
                    }
                    group.addTask { (true, try await send(.GET, "\(base)/api/audio/\(pinned.key)").status) }
                }
                var pinnedStatuses: [Int] = []
                var renderedStatuses: [Int] = []
                for try await (isPinned, status) in group {
                    if isPinned { pinnedStatuses.append(status) } else { renderedStatuses.append(status) }
                }
                return (pinnedStatuses, renderedStatuses)
            }
        }
        #expect(pinnedStatuses.count == 20 && pinnedStatuses.allSatisfy { $0 == 200 })
        #expect(renderedStatuses.count == 20 && renderedStatuses.allSatisfy { $0 == 200 })
        #expect(provider.requests.count == 20)
        let stats = await served.cache.stats()
        #expect(stats.totalBytes <= served.cache.configuration.maxSizeBytes)
        #expect(await served.cache.entry(for: pinned.key) != nil)
        #expect(stats.entries < 21)
    }
}

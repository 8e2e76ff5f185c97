import AudioCache
import AudioCacheTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The management API over real HTTP: the bearer token on every route, and what each route does.
@Suite("Management API", .timeLimit(.minutes(2)))
struct ManagementRouteTests {
    private static let token = "s3cret-token"
    private static let bearer = [("Authorization", "Bearer \(token)")]

    /// Every management route, with a body it accepts.
    private static func routes(key: CacheKey) -> [(HTTPMethod, String, String?)] {
        [
            (.GET, "/api/audio-cache/stats", nil),
            (.POST, "/api/audio-cache/clear", nil),
            (.POST, "/api/audio-cache/invalidate", "{\"voice_id\": \"es\"}"),
            (.POST, "/api/audio-cache/evict", "{}"),
            (.DELETE, "/api/audio-cache/entries/\(key)", nil),
            (.GET, "/api/audio-cache/entries?q=hola", nil),
            (.POST, "/api/audio-cache/entries/\(key)/review", #"{"verdict": "approved"}"#),
            (.PUT, "/api/audio-cache/entries/\(key)/recording", "RIFF"),
        ]
    }

    @Test("without a configured token every management route answers 403, whatever is sent")
    func closedWithoutToken() async throws {
        let served = try ServedCache()
        let entry = try await served.store("Hola", audio: AudioFixtures.wav())
        let answers = try await withServer(cache: served.cache, adminToken: nil) { base in
            var answers: [Exchange] = []
            for (method, path, body) in Self.routes(key: entry.key) {
                answers.append(try await send(method, base + path, headers: Self.bearer, body: body))
            }
            return answers
        }
        #expect(answers.allSatisfy { $0.status == 403 && $0.reason == "admin_disabled" })
        #expect(await served.cache.count == 1)
    }

    @Test("a missing, wrong or differently long token is a 401 on every route; nothing changes")
    func wrongTokens() async throws {
        let served = try ServedCache()
        let entry = try await served.store("Hola", audio: AudioFixtures.wav())
        let attempts: [[(String, String)]] = [
            [],
            [("Authorization", "Bearer wrong-token!")],
            [("Authorization", "Bearer \(Self.token)x")],
            [("Authorization", "Basic \(Self.token)")],
            [("Authorization", "Bearer ")],
        ]
        let statuses = try await withServer(cache: served.cache, adminToken: Self.token) { base in
            var statuses: [Int] = []
            for (method, path, body) in Self.routes(key: entry.key) {
                for headers in attempts {
                    let answer = try await send(method, base + path, headers: headers, body: body)
                    #expect(answer.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
                    statuses.append(answer.status)
                }
            }
            return statuses
        }
        #expect(statuses.allSatisfy { $0 == 401 })
        #expect(await served.cache.count == 1)
    }

    @Test("stats is the library's document: entries, size, hit rate, voices, languages, most accessed")
    func stats() async throws {
        let served = try ServedCache()
        let hola = try await served.store("Hola", audio: AudioFixtures.wav())
        try await served.store("Hello", voice: "en", language: "en", audio: AudioFixtures.wav(seed: 1))
        let document = try await withServer(cache: served.cache, adminToken: Self.token) { base in
            _ = try await send(.GET, "\(base)/api/audio/\(hola.key)")
            _ = try await send(.GET, "\(base)/api/audio/\(CacheKey(hex: String(repeating: "0", count: 32))!)")
            return try await send(.GET, "\(base)/api/audio-cache/stats?top=1", headers: Self.bearer)
        }.json()
        #expect(document["format"] as? String == "audiocache-stats")
        #expect(document["entries"] as? Int == 2)
        #expect(document["hits"] as? Int == 1 && document["misses"] as? Int == 1)
        #expect(document["hit_rate"] as? Double == 0.5)
        #expect(
            (document["voices"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted() == ["en", "es"]
        )
        let top = try #require(document["most_accessed"] as? [[String: Any]])
        #expect(top.count == 1 && top.first?["key"] as? String == hola.key.description)
    }

    @Test("invalidate by voice, by text, by key; delete one entry; evict to a size; clear")
    func changes() async throws {
        let served = try ServedCache()
        let a = try await served.store("Uno", audio: AudioFixtures.wav(samples: 1_000))
        let b = try await served.store("Dos", audio: AudioFixtures.wav(samples: 1_000, seed: 1))
        let c = try await served.store("One", voice: "en", language: "en", audio: AudioFixtures.wav(seed: 2))
        let d = try await served.store("Two", voice: "en", language: "en", audio: AudioFixtures.wav(seed: 3))
        let e = try await served.store("Tres", audio: AudioFixtures.wav(seed: 4), pinned: false)
        try await withServer(cache: served.cache, adminToken: Self.token) { base in
            let byText = try await send(
                .POST,
                "\(base)/api/audio-cache/invalidate",
                headers: Self.bearer,
                body: #"{"text": "  UNO ", "voice_id": "es", "language": "es"}"#
            )
            #expect(byText.status == 200)
            #expect(try byText.json()["keys"] as? [String] == [a.key.description])

            let byKey = try await send(
                .POST,
                "\(base)/api/audio-cache/invalidate",
                headers: Self.bearer,
                body: "{\"key\": \"\(b.key)\"}"
            )
            #expect(try byKey.json()["removed"] as? Int == 1)

            let deleted = try await send(.DELETE, "\(base)/api/audio-cache/entries/\(c.key)", headers: Self.bearer)
            #expect(deleted.status == 204)
            let again = try await send(.DELETE, "\(base)/api/audio-cache/entries/\(c.key)", headers: Self.bearer)
            #expect(again.status == 404)
            #expect(try await send(.GET, "\(base)/api/audio/\(c.key)").status == 404)

            // Eviction removes unpinned entries only.
            let evicted = try await send(
                .POST,
                "\(base)/api/audio-cache/evict",
                headers: Self.bearer,
                body: #"{"max_size": 0, "policy": "lfu"}"#
            )
            #expect(try evicted.json()["keys"] as? [String] == [e.key.description])

            let byVoice = try await send(
                .POST,
                "\(base)/api/audio-cache/invalidate",
                headers: Self.bearer,
                body: #"{"voice_id": "en"}"#
            )
            #expect(try byVoice.json()["keys"] as? [String] == [d.key.description])
            #expect(try await send(.GET, "\(base)/api/audio/\(d.key)").status == 404)
        }
        #expect(await served.cache.count == 0)
        let fresh = try ServedCache()
        try await fresh.store("Uno", audio: AudioFixtures.wav())
        try await fresh.store("Dos", audio: AudioFixtures.wav(seed: 1))
        let cleared = try await withServer(cache: fresh.cache, adminToken: Self.token) { base in
            try await send(.POST, "\(base)/api/audio-cache/clear", headers: Self.bearer)
        }.json()
        #expect(cleared["removed"] as? Int == 2)
    }

    @Test(
        "bad bodies are 400s with a JSON reason, an oversized one 413; nothing is removed",
        arguments: [
            ("/api/audio-cache/invalidate", "not json", 400),
            ("/api/audio-cache/invalidate", "{}", 400),
            ("/api/audio-cache/invalidate", #"{"voice_id": "es", "key": "x"}"#, 400),
            ("/api/audio-cache/invalidate", #"{"key": "../../index.json"}"#, 400),
            ("/api/audio-cache/invalidate", #"{"older_than": "soon"}"#, 400),
            ("/api/audio-cache/invalidate", #"{"older_than": -5}"#, 400),
            ("/api/audio-cache/invalidate", #"{"all": false}"#, 400),
            ("/api/audio-cache/invalidate", "[1, 2]", 400),
            ("/api/audio-cache/evict", #"{"policy": "random"}"#, 400),
            ("/api/audio-cache/evict", #"{"max_size": "lots"}"#, 400),
            ("/api/audio-cache/evict", #"{"max_size": -1}"#, 400),
            ("/api/audio-cache/invalidate", "{\"voice_id\": \"" + String(repeating: "x", count: 70_000) + "\"}", 413),
        ]
    )
    func badBodies(_ path: String, _ body: String, _ status: Int) async throws {
        let served = try ServedCache()
        try await served.store("Hola", audio: AudioFixtures.wav(), pinned: false)
        let answer = try await withServer(cache: served.cache, adminToken: Self.token) { base in
            try await send(.POST, base + path, headers: Self.bearer, body: body)
        }
        #expect(answer.status == status)
        #expect(answer.reason != nil)
        #expect(await served.cache.count == 1)
    }

    @Test("a read-only server answers changes with 409 and serves on")
    func readOnly() async throws {
        let served = try ServedCache()
        let entry = try await served.store("Hola", audio: AudioFixtures.wav())
        try await served.cache.close()
        let replica = try CacheDirectory(configuration: served.cache.configuration, access: .readOnly)
        let (clear, hit) = try await withServer(cache: replica, adminToken: Self.token) { base in
            (
                try await send(.POST, "\(base)/api/audio-cache/clear", headers: Self.bearer),
                try await send(.GET, "\(base)/api/audio/\(entry.key)")
            )
        }
        #expect(clear.status == 409 && clear.reason == "read_only")
        #expect(hit.status == 200)
    }
}

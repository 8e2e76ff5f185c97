import AudioCache
import AudioCacheTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The review API over real HTTP: entries paged and filtered on the server, verdicts, uploads.
@Suite("Review API", .timeLimit(.minutes(2)))
struct ReviewRouteTests {
    private static let token = "review-token"
    private static let bearer = [("Authorization", "Bearer \(token)")]

    /// Five entries over two voices and two languages.
    private static func fill(_ served: ServedCache) async throws -> [String: CacheEntry] {
        var entries: [String: CacheEntry] = [:]
        for (index, (text, voice, language)) in [
            ("Buenos días", "es", "es"), ("Buenas noches", "es", "es"), ("Adiós", "es", "es"),
            ("Good morning", "en", "en"), ("Good night", "en", "en-GB"),
        ].enumerated() {
            entries[text] = try await served.store(
                text,
                voice: voice,
                language: language,
                audio: AudioFixtures.wav(samples: 8_000, seed: index)
            )
        }
        return entries
    }

    private static func texts(_ answer: Exchange) throws -> [String] {
        (try answer.json()["entries"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
    }

    @Test("entries come by voice, language and text, paged, and narrowed by voice, language, words and state")
    func listing() async throws {
        let served = try ServedCache()
        let entries = try await Self.fill(served)
        try await served.cache.review(entries["Adiós"]!.key, verdict: .flagged, note: "corta")
        try await withServer(cache: served.cache, adminToken: Self.token) { base in
            let url = "\(base)/api/audio-cache/entries"
            let all = try await send(.GET, url, headers: Self.bearer)
            #expect(all.status == 200)
            let document = try all.json()
            #expect(document["format"] as? String == "audiocache-entries" && document["total"] as? Int == 5)
            #expect(
                try Self.texts(all) == ["Good morning", "Good night", "Adiós", "Buenas noches", "Buenos días"]
            )
            let first = try #require((document["entries"] as? [[String: Any]])?.first)
            #expect(first["voice_id"] as? String == "en" && first["language"] as? String == "en")
            #expect(first["audio_url"] as? String == "/api/audio/\(entries["Good morning"]!.key)")
            #expect(first["verdict"] as? String == "unreviewed" && first["source"] as? String == "tts")
            #expect(first["duration_seconds"] as? Double == 0.5)  // 8,000 samples at 16 kHz
            #expect(first["size"] as? Int == entries["Good morning"]!.size)

            let page = try await send(.GET, url + "?offset=1&limit=2", headers: Self.bearer)
            #expect(try page.json()["total"] as? Int == 5 && Self.texts(page) == ["Good night", "Adiós"])
            #expect(
                try Self.texts(await send(.GET, url + "?voice=en&language=en-GB", headers: Self.bearer)) == [
                    "Good night"
                ]
            )
            #expect(
                try Self.texts(await send(.GET, url + "?q=BUENA%20noch", headers: Self.bearer)) == [
                    "Buenas noches"
                ]
            )
            #expect(try Self.texts(await send(.GET, url + "?q=good&voice=es", headers: Self.bearer)) == [])
            #expect(try Self.texts(await send(.GET, url + "?voice=fr", headers: Self.bearer)) == [])
            let flagged = try await send(.GET, url + "?state=flagged", headers: Self.bearer)
            #expect(try Self.texts(flagged) == ["Adiós"])
            #expect(((try flagged.json()["entries"] as? [[String: Any]])?.first?["note"] as? String) == "corta")
            #expect(try await send(.GET, url + "?state=unreviewed", headers: Self.bearer).json()["total"] as? Int == 4)

            for bad in [
                "limit=0", "limit=501", "offset=-1", "offset=x", "state=maybe",
                "q=" + String(repeating: "a", count: 201),
            ] {
                let answer = try await send(.GET, url + "?" + bad, headers: Self.bearer)
                #expect(answer.status == 400, "\(bad)")
                #expect(try answer.json()["error"] != nil)
            }
        }
    }

    @Test("a verdict changes the index as documented: approved pins, flagged keeps the note, unreviewed clears")
    func verdicts() async throws {
        let served = try ServedCache(ttlSeconds: 3_600)
        let entry = try await served.store("Hola", audio: AudioFixtures.wav(), pinned: false)
        try await withServer(cache: served.cache, adminToken: Self.token) { base in
            let url = "\(base)/api/audio-cache/entries/\(entry.key)/review"
            let approved = try await send(.POST, url, headers: Self.bearer, body: #"{"verdict": "approved"}"#)
            #expect(approved.status == 200)
            #expect(
                try approved.json()["verdict"] as? String == "approved" && approved.json()["pinned"] as? Bool == true
            )
            let stored = try #require(await served.cache.entry(for: entry.key))
            #expect(stored.verdict == .approved && stored.isPinned && stored.expiresAt == nil)

            let flagged = try await send(
                .POST,
                url,
                headers: Self.bearer,
                body: #"{"verdict": "flagged", "note": "se corta al final"}"#
            )
            #expect(try flagged.json()["note"] as? String == "se corta al final")
            #expect(await served.cache.entry(for: entry.key)?.review?.note == "se corta al final")

            let cleared = try await send(.POST, url, headers: Self.bearer, body: #"{"verdict": "unreviewed"}"#)
            #expect(try cleared.json()["verdict"] as? String == "unreviewed")
            #expect(await served.cache.entry(for: entry.key)?.review == nil)

            for body in [#"{"verdict": "maybe"}"#, #"{"note": "x"}"#, #"{"verdict": "approved", "x": 1}"#, "[]", ""] {
                #expect(try await send(.POST, url, headers: Self.bearer, body: body).status == 400, "\(body)")
            }
            let absent = String(repeating: "0", count: 32)
            let missing = try await send(
                .POST,
                "\(base)/api/audio-cache/entries/\(absent)/review",
                headers: Self.bearer,
                body: #"{"verdict": "approved"}"#
            )
            #expect(missing.status == 404)
            let badKey = try await send(
                .POST,
                "\(base)/api/audio-cache/entries/XYZ/review",
                headers: Self.bearer,
                body: #"{"verdict": "approved"}"#
            )
            #expect(badKey.status == 400)
            #expect(try await send(.GET, url, headers: Self.bearer).status == 405)
        }
    }

    @Test("an upload replaces the audio as import does: recorded, pinned, unreviewed, served at once")
    func upload() async throws {
        let served = try ServedCache()
        let entry = try await served.store("Hola", audio: AudioFixtures.wav())
        try await served.cache.review(entry.key, verdict: .flagged, note: "mal")
        let recording = AudioFixtures.wav(samples: 16_000, seed: 9)
        try await withServer(cache: served.cache, adminToken: Self.token) { base in
            let url = "\(base)/api/audio-cache/entries/\(entry.key)/recording"
            let answer = try await send(.PUT, url, headers: Self.bearer, bytes: recording, contentType: "audio/wav")
            #expect(answer.status == 200)
            let document = try answer.json()
            #expect(document["source"] as? String == "recorded" && document["verdict"] as? String == "unreviewed")
            #expect(document["duration_seconds"] as? Double == 1)
            let audio = try await send(.GET, "\(base)/api/audio/\(entry.key)")
            #expect(audio.status == 200 && audio.body == recording)

            let notAudio = try await send(.PUT, url, headers: Self.bearer, bytes: Array("hello".utf8))
            #expect(notAudio.status == 415)
            let absent = try await send(
                .PUT,
                "\(base)/api/audio-cache/entries/\(String(repeating: "0", count: 32))/recording",
                headers: Self.bearer,
                bytes: recording
            )
            #expect(absent.status == 404)
        }
        let stored = try #require(await served.cache.entry(for: entry.key))
        #expect(stored.source == .recorded && stored.isPinned && stored.size == recording.count)
    }

    @Test(
        "the page and its files come from the binary, with a policy that allows only them; the report is 404 until a warm keeps one"
    )
    func page() async throws {
        let served = try ServedCache()
        try await withServer(cache: served.cache, adminToken: Self.token) { base in
            let page = try await send(.GET, base + "/")
            #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["content-security-policy"]?.hasPrefix("default-src 'self'") == true)
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(html.contains(#"<script src="/review/review.js" defer></script>"#))
            #expect(!html.contains("http://") && !html.contains("https://"))  // nothing from elsewhere
            let script = try await send(.GET, base + "/review/review.js")
            #expect(script.status == 200 && script.headers["content-type"] == "text/javascript; charset=utf-8")
            #expect(String(decoding: script.body, as: UTF8.self).contains(#"const TOKEN_KEY = "audiocache.token";"#))
            #expect(try await send(.GET, base + "/review/review.css").status == 200)
            #expect(try await send(.POST, base + "/").status == 405)
            let none = try await send(.GET, base + "/api/audio-cache/report", headers: Self.bearer)
            #expect(none.status == 404)
            #expect(try await send(.GET, base + "/api/audio-cache/report").status == 401)
        }
    }

    @Test("a read-only server lists entries but refuses verdicts and uploads with 409")
    func readOnly() async throws {
        let writer = try ServedCache()
        let entry = try await writer.store("Hola", audio: AudioFixtures.wav())
        try await writer.cache.close()
        let reader = try CacheDirectory(
            configuration: CacheConfiguration(directory: writer.folder.path + "/cache"),
            access: .readOnly
        )
        try await withServer(cache: reader, adminToken: Self.token) { base in
            #expect(
                try await send(.GET, "\(base)/api/audio-cache/entries", headers: Self.bearer).json()["total"] as? Int
                    == 1
            )
            let review = try await send(
                .POST,
                "\(base)/api/audio-cache/entries/\(entry.key)/review",
                headers: Self.bearer,
                body: #"{"verdict": "approved"}"#
            )
            #expect(review.status == 409)
            let upload = try await send(
                .PUT,
                "\(base)/api/audio-cache/entries/\(entry.key)/recording",
                headers: Self.bearer,
                bytes: AudioFixtures.wav(seed: 3)
            )
            #expect(upload.status == 409)
        }
    }
}

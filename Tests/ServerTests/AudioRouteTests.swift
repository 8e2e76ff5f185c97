import AudioCache
import AudioCacheTestSupport
import Crypto
import Foundation
import NIOCore
import Testing

@testable import AudioCacheServer

/// `GET`/`HEAD /api/audio/{key}` over real HTTP on 127.0.0.1.
@Suite("Serving cached audio", .timeLimit(.minutes(2)))
struct AudioRouteTests {
    @Test("a hit: the bytes, their type and length, a strong ETag from the SHA-256, Last-Modified, Cache-Control")
    func hit() async throws {
        let served = try ServedCache()
        let audio = AudioFixtures.wav(samples: 4_000)
        let entry = try await served.store("Hola, ¿en qué puedo ayudarle?", audio: audio)
        let exchange = try await withServer(cache: served.cache) { base in
            try await send(.GET, "\(base)/api/audio/\(entry.key)")
        }
        #expect(exchange.status == 200)
        #expect(exchange.body == audio)
        #expect(exchange.headers["content-type"] == "audio/wav")
        #expect(exchange.headers["content-length"] == "\(audio.count)")
        let sha = SHA256.hash(data: audio).map { String(format: "%02x", $0) }.joined()
        #expect(exchange.headers["etag"] == "\"\(sha)\"")
        #expect(exchange.headers["accept-ranges"] == "bytes")
        #expect(exchange.headers["cache-control"] == "public, max-age=86400")
        let lastModified = try #require(exchange.headers["last-modified"])
        #expect(lastModified.hasSuffix(" GMT") && lastModified.count == 29, "\(lastModified)")
    }

    @Test("HEAD gives the headers and no body; the lookups count as hits")
    func head() async throws {
        let served = try ServedCache()
        let audio = AudioFixtures.mp3(count: 2_000)
        try await served.store("Hello", voice: "en", language: "en", audio: audio)
        let key = KeyScheme.md5TextVoiceLanguageV1.key(text: "Hello", voiceID: "en", language: "en")
        let exchange = try await withServer(cache: served.cache) { base in
            try await send(.HEAD, "\(base)/api/audio/\(key)")
        }
        #expect(exchange.status == 200)
        #expect(exchange.body.isEmpty)
        #expect(exchange.headers["content-length"] == "\(audio.count)")
        let stats = await served.cache.stats()
        #expect(stats.hits == 1 && stats.misses == 0)
    }

    @Test("If-None-Match with the ETag answers 304 without a body")
    func notModified() async throws {
        let served = try ServedCache()
        let entry = try await served.store("Adiós", audio: AudioFixtures.wav())
        let (first, second) = try await withServer(cache: served.cache) { base in
            let first = try await send(.GET, "\(base)/api/audio/\(entry.key)")
            let tag = first.headers["etag"] ?? ""
            return (first, try await send(.GET, "\(base)/api/audio/\(entry.key)", headers: [("If-None-Match", tag)]))
        }
        #expect(first.status == 200)
        #expect(second.status == 304)
        #expect(second.body.isEmpty)
        #expect(second.headers["etag"] == first.headers["etag"])
    }

    @Test("Range answers 206 with the bytes asked for (a suffix too); past the end 416")
    func ranges() async throws {
        let served = try ServedCache()
        let audio = AudioFixtures.wav(samples: 2_000)
        let entry = try await served.store("Un momento, por favor", audio: audio)
        let url = "/api/audio/\(entry.key)"
        let (part, suffix, open, beyond) = try await withServer(cache: served.cache) { base in
            (
                try await send(.GET, base + url, headers: [("Range", "bytes=10-19")]),
                try await send(.GET, base + url, headers: [("Range", "bytes=-8")]),
                try await send(.GET, base + url, headers: [("Range", "bytes=100-")]),
                try await send(.GET, base + url, headers: [("Range", "bytes=\(audio.count)-")])
            )
        }
        #expect(part.status == 206)
        #expect(part.body == Array(audio[10...19]))
        #expect(part.headers["content-range"] == "bytes 10-19/\(audio.count)")
        #expect(suffix.status == 206 && suffix.body == Array(audio.suffix(8)))
        #expect(open.status == 206 && open.body == Array(audio[100...]))
        #expect(beyond.status == 416)
        #expect(beyond.headers["content-range"] == "bytes */\(audio.count)")
    }

    @Test("a key that is not 32 lowercase hex digits is a 400 with a JSON reason; an unknown one a 404")
    func badAndMissingKeys() async throws {
        let served = try ServedCache()
        let missing = KeyScheme.md5TextVoiceLanguageV1.key(text: "nada", voiceID: "es", language: "es")
        let answers = try await withServer(cache: served.cache) { base in
            var answers: [(String, Exchange)] = []
            for path in [
                "ABCDEF0123456789ABCDEF0123456789", "123", "..%2F..%2Findex.json", "\(missing)0", "\(missing)",
            ] {
                answers.append((path, try await send(.GET, "\(base)/api/audio/\(path)")))
            }
            return answers
        }
        for (path, exchange) in answers.dropLast() {
            #expect(exchange.status == 400, "\(path)")
            #expect(exchange.reason == "bad_key", "\(path)")
            #expect(exchange.headers["content-type"] == "application/json")
        }
        #expect(answers.last?.1.status == 404)
        #expect(answers.last?.1.reason == "not_found")
    }

    @Test("an expired runtime entry is not served; its Cache-Control counts down to its expiry")
    func expiry() async throws {
        let served = try ServedCache(ttlSeconds: 3_600)
        let stored = Date()
        let entry = try await served.store("Temporal", audio: AudioFixtures.wav(), pinned: false)
        let exchange = try await withServer(cache: served.cache) { base in
            try await send(.GET, "\(base)/api/audio/\(entry.key)")
        }
        let elapsed = Int(Date().timeIntervalSince(stored).rounded(.up))
        let maxAge = try #require(exchange.headers["cache-control"]?.split(separator: "=").last.flatMap { Int($0) })
        #expect((3_600 - elapsed - 1...3_600).contains(maxAge), "max-age \(maxAge) after \(elapsed) s")

        let short = try ServedCache(ttlSeconds: 1)
        let gone = try await short.store("Efímero", audio: AudioFixtures.wav(), pinned: false)
        try await Task.sleep(for: .milliseconds(1_100))
        let late = try await withServer(cache: short.cache) { base in
            try await send(.GET, "\(base)/api/audio/\(gone.key)")
        }
        #expect(late.status == 404)
    }

    @Test("metrics count hits, misses, bytes served, entries and size in Prometheus' text format")
    func metrics() async throws {
        let served = try ServedCache()
        let audio = AudioFixtures.wav(samples: 1_000)
        let entry = try await served.store("Uno", audio: audio)
        let missing = KeyScheme.md5TextVoiceLanguageV1.key(text: "dos", voiceID: "es", language: "es")
        let text = try await withServer(cache: served.cache) { base in
            for _ in 0..<2 { _ = try await send(.GET, "\(base)/api/audio/\(entry.key)") }
            _ = try await send(.GET, "\(base)/api/audio/\(missing)")
            let exchange = try await send(.GET, "\(base)/metrics")
            #expect(exchange.status == 200)
            #expect(exchange.headers["content-type"]?.hasPrefix("text/plain") == true)
            return String(decoding: exchange.body, as: UTF8.self)
        }
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"audiocache_lookups_total{result="hit"} 2"#), "\(text)")
        #expect(lines.contains(#"audiocache_lookups_total{result="miss"} 1"#))
        #expect(lines.contains("audiocache_bytes_served_total \(2 * audio.count)"))
        #expect(lines.contains("audiocache_entries 1.0") || lines.contains("audiocache_entries 1"))
        #expect(lines.contains { $0.hasPrefix("audiocache_size_bytes \(audio.count)") })
        #expect(lines.contains { $0.hasPrefix("audiocache_provider_state -1") })
    }

    @Test("a hit already served comes from memory; with no memory cache, from the file every time")
    func memoryCache() async throws {
        for capacity in [64 << 20, 0] {
            let served = try ServedCache()
            let audio = AudioFixtures.wav(samples: 3_000)
            let entry = try await served.store("En memoria", audio: audio)
            let (first, second, part) = try await withServer(cache: served.cache, memoryCacheBytes: capacity) { base in
                let first = try await send(.GET, "\(base)/api/audio/\(entry.key)")
                // The file goes away behind the server's back (say, a disk problem).
                try FileManager.default.removeItem(atPath: served.cache.filePath(of: entry))
                return (
                    first,
                    try await send(.GET, "\(base)/api/audio/\(entry.key)"),
                    try await send(.GET, "\(base)/api/audio/\(entry.key)", headers: [("Range", "bytes=4-9")])
                )
            }
            #expect(first.status == 200 && first.body == audio)
            if capacity > 0 {
                #expect(second.status == 200 && second.body == audio)
                #expect(part.status == 206 && part.body == Array(audio[4...9]))
            } else {
                #expect(second.status == 404 && part.status == 404)
            }
        }
    }

    @Test("the memory cache keeps what fits, drops the oldest first, and never a file over its limit")
    func hotAudio() {
        let hot = HotAudio(capacity: 10, largestFile: 6)
        hot.keep(ByteBuffer(bytes: [1, 2, 3, 4]), sha256: "a")
        hot.keep(ByteBuffer(bytes: [5, 6, 7, 8]), sha256: "b")
        hot.keep(ByteBuffer(bytes: Array(repeating: 9, count: 7)), sha256: "big")
        #expect(hot.buffer(sha256: "big") == nil)
        hot.keep(ByteBuffer(bytes: [1, 1, 1, 1]), sha256: "c")
        #expect(hot.buffer(sha256: "a") == nil)
        #expect(hot.buffer(sha256: "b") == ByteBuffer(bytes: [5, 6, 7, 8]))
        #expect(hot.buffer(sha256: "c") != nil)
        #expect(!HotAudio(capacity: 0).keeps(size: 1))
    }

    @Test("a writable server removes expired runtime entries and their files; pinned ones stay")
    func expiresWhileServing() async throws {
        let served = try ServedCache(ttlSeconds: 1)
        let pinned = try await served.store("Siempre", audio: AudioFixtures.wav())
        let passing = try await served.store("De paso", audio: AudioFixtures.wav(seed: 1), pinned: false)
        let file = served.cache.filePath(of: passing)
        let metrics = try await withServer(cache: served.cache, expireInterval: .milliseconds(200)) { base in
            var count = await served.cache.count
            for _ in 0..<50 where count > 1 {
                try await Task.sleep(for: .milliseconds(100))
                count = await served.cache.count
            }
            return String(decoding: try await send(.GET, "\(base)/metrics").body, as: UTF8.self)
        }
        #expect(await served.cache.record(for: passing.key) == nil)
        #expect(await served.cache.record(for: pinned.key) != nil)
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(metrics.contains("audiocache_expired_total 1"), "\(metrics)")
    }

    @Test("health and readiness")
    func healthAndReady() async throws {
        let served = try ServedCache()
        try await served.store("Uno", audio: AudioFixtures.wav())
        let (health, ready) = try await withServer(cache: served.cache) { base in
            (try await send(.GET, "\(base)/health"), try await send(.GET, "\(base)/ready"))
        }
        #expect(health.status == 200)
        #expect(try health.json()["status"] as? String == "ok")
        let readiness = try ready.json()
        #expect(readiness["ready"] as? Bool == true)
        #expect(readiness["entries"] as? Int == 1)
        #expect(readiness["access"] as? String == "read-write")
    }

    @Test("hits served are recorded: after a graceful stop the access counts are on disk")
    func accessCountsSurviveRestart() async throws {
        let served = try ServedCache()
        let entry = try await served.store("Contado", audio: AudioFixtures.wav())
        try await withServer(cache: served.cache) { base in
            for _ in 0..<3 { _ = try await send(.GET, "\(base)/api/audio/\(entry.key)") }
        }
        let reopened = try CacheDirectory(configuration: served.cache.configuration, access: .readOnly)
        let record = try #require(await reopened.record(for: entry.key))
        #expect(record.accessCount == 3)
        #expect(await reopened.stats().hits == 3)
    }
}

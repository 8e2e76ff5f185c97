import AsyncHTTPClient
import AudioCacheTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// `audiocache serve` as a real process: it listens where it says, serves a cache that `import`
/// filled, and on SIGTERM drains, writes the access statistics and exits 0.
@Suite("audiocache serve", .timeLimit(.minutes(2)))
struct ServeCommandTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
    }

    @Test("serves imported audio; SIGTERM exits 0 with the hits written to the cache")
    func servesAndStopsCleanly() async throws {
        let audio = CacheFixtures.wav()
        let take = try folder.write("hola.wav", bytes: audio)
        let imported = try await CommandRunner.run(
            ["import", take, "--text", "Hola", "--voice", "es", "--language", "es", "--cache", "cache"],
            in: folder.url
        )
        #expect(imported.status == 0, "\(imported.stderr)")
        let key = try await CommandRunner.run(["key", "Hola", "--voice", "es", "--language", "es"], in: folder.url)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let server = try ServerProcess(["serve", "--cache", "cache", "--port", "0"], in: folder.url)
        let base = try await server.address()
        for _ in 0..<2 {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "\(base)/api/audio/\(key)"),
                timeout: .seconds(10)
            )
            #expect(response.status.code == 200)
            #expect(Array(try await response.body.collect(upTo: 1 << 20).readableBytesView) == audio)
        }
        let status = try await server.stop(signal: SIGTERM)
        #expect(status == 0, "\(server.errorOutput)")

        let stats = try await CommandRunner.run(["stats", "--json", "--cache", "cache"], in: folder.url)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(document["hits"] as? Int == 2)
        let top = try #require((document["most_accessed"] as? [[String: Any]])?.first)
        #expect(top["access_count"] as? Int == 2)
    }

    @Test("--bundle unpacks a bundle once, serves it read-only, and refuses another bundle in the same folder")
    func servesABundle() async throws {
        let audio = CacheFixtures.wav()
        let take = try folder.write("hola.wav", bytes: audio)
        for (text, cache) in [("Hola", "cache"), ("Adiós", "other")] {
            let imported = try await CommandRunner.run(
                ["import", take, "--text", text, "--voice", "es", "--language", "es", "--cache", cache],
                in: folder.url
            )
            #expect(imported.status == 0, "\(imported.stderr)")
            let bundled = try await CommandRunner.run(["bundle", cache, "--out", "\(cache).tar.gz"], in: folder.url)
            #expect(bundled.status == 0, "\(bundled.stderr)")
        }
        let key = try await CommandRunner.run(["key", "Hola", "--voice", "es", "--language", "es"], in: folder.url)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for start in ["bundle unpacked", "bundle already unpacked"] {
            let server = try ServerProcess(
                ["serve", "--bundle", "cache.tar.gz", "--cache", "served", "--port", "0"],
                in: folder.url
            )
            let base = try await server.address()
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "\(base)/api/audio/\(key)"),
                timeout: .seconds(10)
            )
            #expect(response.status.code == 200)
            #expect(Array(try await response.body.collect(upTo: 1 << 20).readableBytesView) == audio)
            let ready = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "\(base)/ready"),
                timeout: .seconds(10)
            )
            let readiness = String(buffer: try await ready.body.collect(upTo: 1 << 16))
            #expect(readiness.contains("\"read-only\""), "\(readiness)")
            #expect(try await server.stop(signal: SIGTERM) == 0, "\(server.errorOutput)")
            #expect(server.errorOutput.contains(start), "\(server.errorOutput)")
        }
        let other = try await CommandRunner.run(
            ["serve", "--bundle", "other.tar.gz", "--cache", "served", "--port", "0"],
            in: folder.url
        )
        #expect(other.status == 64, "\(other.stderr)")
        #expect(other.stderr.contains("is not empty"))
    }

    @Test("--provider elevenlabs renders a miss through the API (here the fake server) and stores it")
    func elevenLabsReadThrough() async throws {
        try await FakeElevenLabsServer.withServer(.init(apiKey: "sk_test_serve")) { url, fake in
            let server = try ServerProcess(
                [
                    "serve", "--cache", "cache", "--port", "0", "--provider", "elevenlabs",
                    "--base-url", url.absoluteString,
                ],
                in: folder.url,
                environment: ["ELEVENLABS_API_KEY": "sk_test_serve"]
            )
            let base = try await server.address()
            let voice = FakeElevenLabsVoice.defaults[0].id
            var request = HTTPClientRequest(url: "\(base)/api/tts")
            request.method = .POST
            request.body = .bytes(
                ByteBuffer(string: "{\"text\": \"Welcome\", \"voice_id\": \"\(voice)\", \"language\": \"en\"}")
            )
            for _ in 0..<2 {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                #expect(response.status.code == 200)
                #expect(response.headers.first(name: "content-type") == "audio/mpeg")
                _ = try await response.body.collect(upTo: 1 << 20)
            }
            #expect(fake.textToSpeechRequests.count == 1)
            #expect(try await server.stop(signal: SIGTERM) == 0, "\(server.errorOutput)")
            #expect(!server.errorOutput.contains("sk_test_serve"))
        }
        let stats = try await CommandRunner.run(["stats", "--json", "--cache", "cache"], in: folder.url)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(document["entries"] as? Int == 1 && document["pinned_entries"] as? Int == 0)
    }

    @Test("--provider espeak-ng streams a miss from the local engine and stores a valid WAV")
    func espeakReadThrough() async throws {
        let server = try ServerProcess(
            ["serve", "--cache", "cache", "--port", "0", "--provider", "espeak-ng"],
            in: folder.url
        )
        let base = try await server.address()
        var answers: [(HTTPHeaders, [UInt8])] = []
        for _ in 0..<2 {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "\(base)/api/tts?text=Hola%20mundo&voice_id=es&language=es"),
                timeout: .seconds(30)
            )
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "content-type") == "audio/wav")
            answers.append((response.headers, Array(try await response.body.collect(upTo: 8 << 20).readableBytesView)))
        }
        #expect(try await server.stop(signal: SIGTERM) == 0)
        // The miss is espeak-ng's output as it was written: a WAV stream whose header carries
        // placeholder sizes. The hit is the stored file: the same audio with the sizes set.
        let (streamed, stored) = (answers[0].1, answers[1].1)
        #expect(answers[0].0.first(name: "etag") == nil && answers[1].0.first(name: "etag") != nil)
        #expect(stored.count > 1_000 && stored.starts(with: Array("RIFF".utf8)))
        #expect(streamed.count == stored.count)
        let sizeFields = Set(4..<8).union(40..<44)
        #expect(zip(streamed, stored).enumerated().allSatisfy { $1.0 == $1.1 || sizeFields.contains($0) })
        let dataSize = stored[40..<44].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(dataSize == stored.count - 44)
    }

    @Test("bad usage exits 64; a cache another process writes exits 75")
    func badUsage() async throws {
        for arguments in [["--port", "70000"], ["--port", "-1"], ["--host", ""]] {
            let result = try await CommandRunner.run(["serve", "--cache", "cache"] + arguments, in: folder.url)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
        }
        let missing = try await CommandRunner.run(
            ["serve", "--cache", "cache", "--admin-token-file", "nope.txt"],
            in: folder.url
        )
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("nope.txt"))

        let writer = try ServerProcess(["serve", "--cache", "cache", "--port", "0"], in: folder.url)
        _ = try await writer.address()
        let second = try await CommandRunner.run(["serve", "--cache", "cache", "--port", "0"], in: folder.url)
        #expect(second.status == 75, "\(second.stderr)")
        #expect(try await writer.stop(signal: SIGINT) == 0)
    }
}

/// A long-running `audiocache` process whose standard error is read as it comes.
final class ServerProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var errorBytes = Data()

    init(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws {
        process.executableURL = CommandRunner.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "AUDIO_CACHE_DIR")
        environment.removeValue(forKey: "AUDIO_CACHE_ADMIN_TOKEN")
        environment.removeValue(forKey: "ELEVENLABS_API_KEY")
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.errorBytes.append(data) }
        }
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// What the process wrote to standard error so far.
    var errorOutput: String {
        lock.withLock { String(decoding: errorBytes, as: UTF8.self) }
    }

    /// The address the server logged once it listened (`address=http://127.0.0.1:PORT`).
    func address() async throws -> String {
        for _ in 0..<300 {
            if let range = errorOutput.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                return String(errorOutput[range])
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerProcessError(output: errorOutput)
    }

    /// Sends `signal` and waits for the exit status.
    func stop(signal: Int32) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        for _ in 0..<300 where process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
        }
        return process.terminationStatus
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    var output: String
    var description: String { "the server did not report its address; it wrote: \(output)" }
}

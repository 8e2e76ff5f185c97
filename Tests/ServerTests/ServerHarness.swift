import AsyncHTTPClient
import AudioCache
import AudioCacheServer
import AudioCacheTestSupport
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

/// Runs the real application (the builder `audiocache serve` calls) on an ephemeral port of
/// 127.0.0.1 under a service group, hands `body` its base URL, then shuts it down gracefully as
/// SIGTERM would, and waits until it has stopped (the cache flushed and closed).
func withServer<T: Sendable>(
    cache: CacheDirectory,
    adminToken: String? = nil,
    provider: (any SpeechProvider)? = nil,
    timeout: Duration = .seconds(15),
    threshold: Int = 5,
    coolDown: Duration = .seconds(30),
    reloadInterval: Duration = .seconds(2),
    watchedFolder: String? = nil,
    memoryCacheBytes: Int = 64 << 20,
    expireInterval: Duration = .seconds(300),
    _ body: (String) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "audiocache.serve.test")
    logger.logLevel = .critical
    let configuration = ServerConfiguration(
        host: "127.0.0.1",
        port: 0,
        adminToken: adminToken,
        flushInterval: .milliseconds(100),
        expireInterval: expireInterval,
        providerTimeout: timeout,
        providerFailureThreshold: threshold,
        providerCoolDown: coolDown,
        memoryCacheBytes: memoryCacheBytes,
        reloadInterval: reloadInterval,
        watchedFolder: watchedFolder,
        onServerRunning: { port in
            continuation.yield(port)
            continuation.finish()
        }
    )
    let application = buildApplication(configuration: configuration, cache: cache, provider: provider, logger: logger)
    let group = ServiceGroup(
        configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger)
    )
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await tasks.waitForAll()
            throw HarnessError.didNotStart
        }
        do {
            let result = try await body("http://127.0.0.1:\(port)")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

enum HarnessError: Error {
    case didNotStart
}

/// One HTTP exchange over loopback with async-http-client.
struct Exchange {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    /// The body as JSON.
    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    /// `error.reason` of an error answer.
    var reason: String? {
        ((try? json())?["error"] as? [String: Any])?["reason"] as? String
    }
}

/// Sends a request and reads the whole answer.
func send(
    _ method: HTTPMethod = .GET,
    _ url: String,
    headers: [(String, String)] = [],
    body: String? = nil,
    bytes: [UInt8]? = nil,
    contentType: String = "application/json"
) async throws -> Exchange {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let payload = bytes ?? body.map({ Array($0.utf8) }) {
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: payload))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 64 << 20)
    var fields: [String: String] = [:]
    for header in response.headers { fields[header.name.lowercased()] = header.value }
    return Exchange(status: Int(response.status.code), headers: fields, body: Array(bytes.readableBytesView))
}

/// An answer read part by part as it arrives, each part with the time since the request was sent.
struct StreamedExchange {
    var status: Int
    var headers: [String: String]
    var parts: [(bytes: [UInt8], after: Duration)]

    var body: [UInt8] { parts.flatMap(\.bytes) }
}

/// Sends a `GET` and reads the answer part by part; throws when the answer ends before it is
/// complete (a connection closed in the middle of a chunked body).
func stream(_ url: String) async throws -> StreamedExchange {
    let clock = ContinuousClock()
    let started = clock.now
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
    var fields: [String: String] = [:]
    for header in response.headers { fields[header.name.lowercased()] = header.value }
    var exchange = StreamedExchange(status: Int(response.status.code), headers: fields, parts: [])
    for try await part in response.body {
        exchange.parts.append((Array(part.readableBytesView), started.duration(to: clock.now)))
    }
    return exchange
}

/// A cache folder with entries stored through the library, as `warm` and `import` leave them.
struct ServedCache {
    let folder: TemporaryFolder
    let cache: CacheDirectory

    init(ttlSeconds: Int = 86_400, maxSizeBytes: Int = 1 << 30, access: CacheDirectory.Access = .readWrite) throws {
        folder = try TemporaryFolder()
        cache = try CacheDirectory(
            configuration: CacheConfiguration(
                directory: folder.path + "/cache",
                ttlSeconds: ttlSeconds,
                maxSizeBytes: maxSizeBytes
            ),
            access: access
        )
    }

    /// Stores a phrase's audio and returns its entry.
    @discardableResult
    func store(
        _ text: String,
        voice: String = "es",
        language: String = "es",
        audio: [UInt8],
        pinned: Bool = true
    )
        async throws -> CacheEntry
    {
        try await cache.store(
            audio,
            for: .init(
                text: text,
                voiceID: voice,
                language: language,
                rendering: RenderingDescription(provider: "espeak-ng", outputFormat: "wav", text: text),
                isPinned: pinned
            )
        )
    }
}

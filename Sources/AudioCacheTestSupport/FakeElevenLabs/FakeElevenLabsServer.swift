import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A fake ElevenLabs API over real HTTP on 127.0.0.1, for tests of the ElevenLabs provider and of
/// the warm pipeline.
///
/// It answers `POST /v1/text-to-speech/{voice_id}`, `GET /v1/user/subscription` and
/// `GET /v2/voices` like the real API, enforces the configured key, concurrency limit, request
/// rate and character quota with ElevenLabs' error bodies, injects faults, and records what it saw
/// so tests can assert from the server's side.
///
/// A text-to-speech request is checked in this order, the first failure answering:
/// 1. `xi-api-key` missing or wrong: 401 `invalid_api_key`.
/// 2. Body not a JSON object, `text` missing, empty or longer than `maximumTextLength`, or an
///    `output_format` other than `mp3_*`, `pcm_*`, `wav_*`: 422 with FastAPI's
///    `{"detail": [{"type", "loc", "msg"}]}`.
/// 3. Voice not in the account: 404 `voice_not_found` (the real API has answered 400 and 404).
/// 4. `requestsPerSecond` admitted requests already within the last second (sliding window):
///    429 `system_busy` with `Retry-After` (whole seconds, rounded up) and `retry-after-ms` (until
///    the oldest admission leaves the window). Refused requests do not count.
/// 5. `concurrencyLimit` admitted requests in flight: 429 `too_many_concurrent_requests`.
/// 6. The text's Unicode scalars would pass `characterLimit`: 401 `quota_exceeded`.
///
/// An admitted request then waits its latency (plus a `.slow` fault's delay), leaves the in-flight
/// count, and answers with the fault the rule chose or with the audio: 200, `Content-Length`,
/// `request-id`, `character-cost`, `history-item-id`, `maximum-concurrent-requests`. Only a full
/// audio answer (no fault, or `.slow`) bills characters and counts in ``renders``. Every answer
/// carries `request-id`; errors carry `{"detail": {"status", "message"}}`.
///
/// ```swift
/// try await FakeElevenLabsServer.withServer(.init(concurrencyLimit: 2)) { baseURL, server in
///     // point the provider at baseURL …
///     #expect(server.maxActiveTextToSpeech <= 2)
/// }
/// ```
public final class FakeElevenLabsServer: Sendable {
    /// The configuration the server was created with.
    public let configuration: FakeElevenLabsConfiguration
    let state: Mutex<FakeElevenLabsState>
    private let running = Mutex<Task<Void, any Error>?>(nil)

    /// Creates a server; ``start()`` runs it.
    /// - Parameter configuration: The account, limits, latency and faults.
    public init(configuration: FakeElevenLabsConfiguration = FakeElevenLabsConfiguration()) {
        self.configuration = configuration
        state = Mutex(FakeElevenLabsState(configuration: configuration))
    }

    /// Starts listening on an ephemeral port of 127.0.0.1.
    /// - Returns: The base URL, `http://127.0.0.1:PORT`.
    /// - Throws: ``FakeElevenLabsServerError`` if it is already running or could not bind.
    public func start() async throws -> URL {
        let (ports, continuation) = AsyncStream.makeStream(of: Int?.self)
        var logger = Logger(label: "FakeElevenLabsServer")
        logger.logLevel = .critical
        let application = Application(
            responder: CallbackResponder { [self] (request: Request, context: FakeElevenLabsContext) in
                try await respond(to: request, channel: context.channel)
            },
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port)
                continuation.finish()
            },
            logger: logger
        )
        let task = running.withLock { running -> Task<Void, any Error>? in
            guard running == nil else { return nil }
            let task = Task {
                defer { continuation.finish() }
                try await application.run()
            }
            running = task
            return task
        }
        guard let task else { throw FakeElevenLabsServerError.alreadyRunning }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() ?? nil,
            let url = URL(string: "http://127.0.0.1:\(port)")
        else {
            try? await stop()
            _ = try? await task.value
            throw FakeElevenLabsServerError.couldNotBind
        }
        return url
    }

    /// Stops the server and waits until its port is closed. Does nothing if it is not running.
    /// - Throws: Nothing today; kept for servers whose shutdown can fail.
    public func stop() async throws {
        guard
            let task = running.withLock({ running in
                defer { running = nil }
                return running
            })
        else { return }
        task.cancel()
        _ = await task.result
    }

    /// Runs `body` against a started server and stops the server afterwards, whatever happens.
    /// - Parameters:
    ///   - configuration: The server's configuration.
    ///   - body: Receives the base URL and the server.
    /// - Returns: What `body` returns.
    /// - Throws: What `start()` or `body` throws.
    public static func withServer<T>(
        _ configuration: FakeElevenLabsConfiguration = FakeElevenLabsConfiguration(),
        _ body: (URL, FakeElevenLabsServer) async throws -> T
    ) async throws -> T {
        let server = FakeElevenLabsServer(configuration: configuration)
        let url = try await server.start()
        do {
            let result = try await body(url, server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }
}

/// Why the fake server could not start.
public struct FakeElevenLabsServerError: Error, CustomStringConvertible {
    private enum Code { case alreadyRunning, couldNotBind }
    private let code: Code

    /// `start()` was called on a running server.
    public static let alreadyRunning = FakeElevenLabsServerError(code: .alreadyRunning)
    /// The server stopped before reporting its port.
    public static let couldNotBind = FakeElevenLabsServerError(code: .couldNotBind)

    /// What went wrong.
    public var description: String {
        switch code {
        case .alreadyRunning: "the fake ElevenLabs server is already running; stop it first"
        case .couldNotBind: "the fake ElevenLabs server could not bind 127.0.0.1"
        }
    }
}

/// The request context: Hummingbird's core storage plus the connection, so a fault can drop it.
struct FakeElevenLabsContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }
}

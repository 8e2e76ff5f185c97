import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What the stub server answers to one request.
struct StubResponse: Sendable {
    /// The status code.
    var status: Int = 200
    /// The headers (Content-Length is added).
    var headers: [(String, String)] = []
    /// The body.
    var body: [UInt8] = []
    /// Announce more bytes than sent, then close the connection.
    var truncate = false
    /// Never answer.
    var hang = false
}

/// A request the stub server received.
struct StubRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// A minimal HTTP/1.1 server on 127.0.0.1 with an ephemeral port, answering every request with
/// `respond`, for end-to-end tests of the ElevenLabs provider until the fake server exists.
final class StubHTTPServer: Sendable {
    private let recorder: Recorder
    /// The port it listens on.
    let port: Int

    /// The requests received so far.
    var requests: [StubRequest] { recorder.requests.withLock { $0 } }

    /// `http://127.0.0.1:PORT`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(recorder: Recorder, port: Int) {
        self.recorder = recorder
        self.port = port
    }

    /// Runs `body` with a server that answers through `respond`, and closes it afterwards.
    static func with<Result: Sendable>(
        respond: @escaping @Sendable (StubRequest) -> StubResponse,
        _ body: (StubHTTPServer) async throws -> Result
    ) async throws -> Result {
        let recorder = Recorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        StubHandler(
                            respond: respond,
                            record: { request in recorder.requests.withLock { $0.append(request) } }
                        )
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else {
            try await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        let server = StubHTTPServer(recorder: recorder, port: port)
        do {
            let result = try await body(server)
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

private final class Recorder: Sendable {
    let requests = Mutex<[StubRequest]>([])
}

private final class StubHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let respond: @Sendable (StubRequest) -> StubResponse
    let record: @Sendable (StubRequest) -> Void
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    init(respond: @escaping @Sendable (StubRequest) -> StubResponse, record: @escaping @Sendable (StubRequest) -> Void)
    {
        self.respond = respond
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let request = StubRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
            record(request)
            let response = respond(request)
            if response.hang { return }
            var headers = HTTPHeaders(response.headers)
            headers.replaceOrAdd(
                name: "Content-Length",
                value: String(response.body.count + (response.truncate ? 100 : 0))
            )
            let status = HTTPResponseStatus(statusCode: response.status)
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil
            )
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            if response.truncate {
                context.flush()
                context.close(promise: nil)
            } else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}

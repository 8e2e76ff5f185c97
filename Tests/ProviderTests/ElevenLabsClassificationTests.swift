import AsyncHTTPClient
import AudioCache
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import AudioCacheProviders

func detailBody(_ status: String, _ message: String = "a message") -> [UInt8] {
    Array(#"{"detail":{"status":"\#(status)","message":"\#(message)"}}"#.utf8)
}

func headers(_ pairs: [(String, String)]) -> HTTPHeaders {
    HTTPHeaders(pairs)
}

/// One row of the classification table.
struct ClassificationRow: Sendable, CustomTestStringConvertible {
    var status: Int
    var body: [UInt8]
    var headers: [(String, String)] = []
    var scope: SpeechProviderError.Scope
    var reason: String
    var testDescription: String { "\(status) \(String(decoding: body, as: UTF8.self)) → \(reason)" }
}

@Suite("ElevenLabs error classification")
struct ElevenLabsClassificationTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01 00:00:00 GMT

    static let rows: [ClassificationRow] = [
        .init(status: 401, body: detailBody("invalid_api_key"), scope: .run, reason: "invalid_api_key"),
        .init(status: 401, body: detailBody("quota_exceeded"), scope: .run, reason: "quota_exceeded"),
        .init(status: 401, body: detailBody("missing_permissions"), scope: .run, reason: "missing_permissions"),
        .init(status: 401, body: [], scope: .run, reason: "unauthorized"),
        .init(status: 403, body: [], scope: .run, reason: "forbidden"),
        .init(status: 400, body: detailBody("voice_not_found"), scope: .voice, reason: "voice_not_found"),
        .init(status: 404, body: detailBody("voice_not_found"), scope: .voice, reason: "voice_not_found"),
        .init(status: 422, body: detailBody("voice_not_found"), scope: .voice, reason: "voice_not_found"),
        .init(status: 404, body: detailBody("model_not_found"), scope: .voice, reason: "model_not_found"),
        .init(status: 404, body: Array("<html>Not Found</html>".utf8), scope: .run, reason: "endpoint_not_found"),
        .init(status: 422, body: detailBody("invalid_text"), scope: .phrase, reason: "invalid_text"),
        .init(
            status: 422,
            body: Array(#"{"detail":[{"loc":["body","text"],"msg":"field required","type":"missing"}]}"#.utf8),
            scope: .phrase,
            reason: "invalid_request"
        ),
        .init(
            status: 422,
            body: Array(#"{"detail":"Text is too long"}"#.utf8),
            scope: .phrase,
            reason: "invalid_request"
        ),
        .init(
            status: 400,
            body: detailBody("max_character_limit_exceeded"),
            scope: .phrase,
            reason: "max_character_limit_exceeded"
        ),
        .init(status: 413, body: [], scope: .phrase, reason: "bad_request"),
        .init(
            status: 429,
            body: detailBody("too_many_concurrent_requests"),
            scope: .tooManyConcurrent(retryAfter: nil),
            reason: "too_many_concurrent_requests"
        ),
        .init(
            status: 429,
            body: detailBody("too_many_concurrent_requests"),
            headers: [("Retry-After", "3")],
            scope: .tooManyConcurrent(retryAfter: .seconds(3)),
            reason: "too_many_concurrent_requests"
        ),
        .init(status: 429, body: detailBody("system_busy"), scope: .transient(retryAfter: nil), reason: "system_busy"),
        .init(status: 429, body: [], scope: .transient(retryAfter: nil), reason: "rate_limited"),
        .init(
            status: 429,
            body: detailBody("system_busy"),
            headers: [("retry-after-ms", "250")],
            scope: .transient(retryAfter: .milliseconds(250)),
            reason: "system_busy"
        ),
        .init(status: 408, body: [], scope: .transient(retryAfter: nil), reason: "request_timeout"),
        .init(status: 500, body: Array("oops".utf8), scope: .transient(retryAfter: nil), reason: "server_error"),
        .init(status: 502, body: [], scope: .transient(retryAfter: nil), reason: "server_error"),
        .init(
            status: 503,
            body: [],
            headers: [("Retry-After", "Thu, 01 Jan 2026 00:00:07 GMT")],
            scope: .transient(retryAfter: .seconds(7)),
            reason: "server_error"
        ),
        .init(status: 504, body: detailBody("gateway"), scope: .transient(retryAfter: nil), reason: "gateway"),
        .init(status: 302, body: [], scope: .transient(retryAfter: nil), reason: "unexpected_status"),
    ]

    @Test("the mapping table", arguments: rows)
    func table(row: ClassificationRow) {
        let error = ElevenLabsProvider.classify(
            status: row.status,
            headers: HTTPHeaders(row.headers),
            body: row.body,
            now: Self.now
        )
        #expect(error.scope == row.scope)
        #expect(error.reason == row.reason)
    }

    @Test("authentication and quota messages say what happened")
    func messages() {
        let key = ElevenLabsProvider.classify(status: 401, headers: [:], body: detailBody("invalid_api_key"))
        #expect(key.message.hasPrefix("ElevenLabs refused the API key"))
        let quota = ElevenLabsProvider.classify(
            status: 401,
            headers: [:],
            body: detailBody("quota_exceeded", "This request exceeds your quota of 10000.")
        )
        #expect(quota.message == "the ElevenLabs character quota is used up: This request exceeds your quota of 10000.")
        let validation = ElevenLabsProvider.classify(
            status: 422,
            headers: [:],
            body: Array(#"{"detail":[{"loc":["body","text"],"msg":"field required"}]}"#.utf8)
        )
        #expect(validation.message.hasSuffix("body.text: field required"))
    }

    @Test(
        "Retry-After in seconds or as an HTTP date, retry-after-ms first",
        arguments: [
            ([("Retry-After", "5")], Duration.seconds(5)),
            ([("Retry-After", " 0 ")], .zero),
            ([("Retry-After", "1.5")], .milliseconds(1500)),
            ([("Retry-After", "Thu, 01 Jan 2026 00:00:30 GMT")], .seconds(30)),
            ([("Retry-After", "Thursday, 01-Jan-26 00:01:00 GMT")], .seconds(60)),
            ([("Retry-After", "Thu Jan  1 00:00:02 2026")], .seconds(2)),
            ([("Retry-After", "Wed, 31 Dec 2025 23:00:00 GMT")], .zero),
            ([("Retry-After", "5"), ("retry-after-ms", "120")], .milliseconds(120)),
            ([("retry-after-ms", "0.4")], .milliseconds(1)),
            ([("Retry-After", "2"), ("retry-after-ms", "nonsense")], .seconds(2)),
            ([("Retry-After", "999999999")], .seconds(86_400)),
        ] as [([(String, String)], Duration)]
    )
    func retryAfter(pairs: [(String, String)], expected: Duration) {
        #expect(ElevenLabsProvider.retryAfter(headers: HTTPHeaders(pairs), now: Self.now) == expected)
    }

    @Test(
        "no usable Retry-After means no delay",
        arguments: [
            [], [("Retry-After", "")], [("Retry-After", "soon")], [("Retry-After", "-3")], [("retry-after-ms", "-1")],
        ]
            as [[(String, String)]]
    )
    func noRetryAfter(pairs: [(String, String)]) {
        #expect(ElevenLabsProvider.retryAfter(headers: HTTPHeaders(pairs), now: Self.now) == nil)
    }

    @Test("bodies that are not JSON, or JSON of another shape, still classify by status")
    func oddBodies() {
        for body in ["", "not json", "[]", "{}", #"{"detail":null}"#, #"{"detail":{"message":"x"}}"#, "\u{FF}"] {
            let error = ElevenLabsProvider.classify(status: 500, headers: [:], body: Array(body.utf8))
            #expect(error.reason == "server_error")
            #expect(error.isRetryable)
        }
    }

    @Test("the server's message is cleaned: control characters, length")
    func cleaning() {
        let long = String(repeating: "x", count: 1000)
        let error = ElevenLabsProvider.classify(
            status: 422,
            headers: [:],
            body: detailBody("bad", "a\\nb\\u001b[31m" + long)
        )
        #expect(!error.message.unicodeScalars.contains { $0.properties.generalCategory == .control })
        #expect(error.message.count < 400)
    }

    @Test(
        "transport failures",
        arguments: [
            (HTTPClientError.readTimeout as any Error, "timeout"),
            (HTTPClientError.connectTimeout, "timeout"),
            (HTTPClientError.deadlineExceeded, "timeout"),
            (HTTPClientError.remoteConnectionClosed, "connection_lost"),
            (ChannelError.ioOnClosedChannel, "connection_lost"),
            (ChannelError.eof, "connection_lost"),
            (IOError(errnoCode: ECONNRESET, reason: "read"), "connection_lost"),
            (IOError(errnoCode: ECONNREFUSED, reason: "connect"), "connection_failed"),
            (HTTPParserError.invalidEOFState, "truncated_body"),
            (HTTPClientError.bodyLengthMismatch, "truncated_body"),
            (CancellationError(), "cancelled"),
            (HTTPClientError.cancelled, "cancelled"),
        ] as [(any Error, String)]
    )
    func transport(error: any Error, reason: String) {
        let classified = ElevenLabsProvider.classify(transportError: error)
        #expect(classified.scope == .transient(retryAfter: nil))
        #expect(classified.reason == reason)
    }

    @Test("a base URL AsyncHTTPClient cannot use, or a shut-down client, stops the run")
    func transportRun() {
        #expect(ElevenLabsProvider.classify(transportError: HTTPClientError.invalidURL).scope == .run)
        #expect(ElevenLabsProvider.classify(transportError: HTTPClientError.alreadyShutdown).scope == .run)
        #expect(ElevenLabsProvider.classify(transportError: NIOTooManyBytesError(maxBytes: 1)).scope == .phrase)
    }
}

import AudioCache
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answer of the API: a status and `{"error": {"reason", "message"}}`, where `reason` is
/// a stable machine-readable word (`bad_key`, `not_found`, `unauthorized`…) and `message` says
/// what to do, for people.
struct APIError: HTTPResponseError, CustomStringConvertible {
    let status: HTTPResponse.Status
    let reason: String
    let message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, reason: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.reason = reason
        self.message = message
        self.headers = headers
    }

    var description: String { "\(status.code) \(reason): \(message)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let body = try JSONResponse.data(Body(error: .init(reason: reason, message: message)))
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            var reason: String
            var message: String
        }
        var error: Detail
    }

    /// A key that is not 32 lowercase hexadecimal digits.
    static func badKey(_ text: String) -> APIError {
        APIError(.badRequest, reason: "bad_key", "\"\(text.prefix(80))\" is not a cache key (32 of 0-9 a-f)")
    }

    /// A management route named a key the cache holds no entry for.
    static func noEntry(_ key: CacheKey) -> APIError {
        APIError(.notFound, reason: "not_found", "no entry has key \(key)")
    }

    /// A request body that is not what the route takes.
    static func badBody(_ message: String) -> APIError {
        APIError(.badRequest, reason: "bad_request", message)
    }
}

/// Small JSON answers: keys sorted, no indentation, so that they are the same bytes every time.
enum JSONResponse {
    /// The document's bytes.
    static func data(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// A 200 (or `status`) answer with `value` as JSON.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        response(bytes: try data(value), status: status)
    }

    /// An answer with JSON bytes already made.
    static func response(bytes: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}

import Hummingbird
import NIOCore

/// Request bodies, read up to a limit.
enum RequestBody {
    /// The whole body of `request`.
    /// - Throws: `APIError` 413 when it is longer than `limit`.
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, reason: "body_too_large", "the request body is over \(limit) bytes")
        }
    }
}

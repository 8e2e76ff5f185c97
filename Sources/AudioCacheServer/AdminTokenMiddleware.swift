import Crypto
import HTTPTypes
import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>`. With no token configured,
/// every request is refused (403): the management routes are never open.
///
/// The token is compared as SHA-256 digests, every byte of both, so neither the time taken nor
/// the lengths compared tell anything about the token.
struct AdminTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    private let tokenDigest: [UInt8]?

    init(token: String?) {
        tokenDigest = token.map(Self.digest)
    }

    private static func digest(_ text: some StringProtocol) -> [UInt8] {
        Array(SHA256.hash(data: Array(text.utf8)))
    }

    /// Whether two digests are equal, looking at every byte whatever the first difference.
    private static func same(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        guard let tokenDigest else {
            throw APIError(
                .forbidden,
                reason: "admin_disabled",
                "the management API is off: start the server with AUDIO_CACHE_ADMIN_TOKEN or --admin-token-file"
            )
        }
        let header = request.headers[.authorization] ?? ""
        let scheme = "bearer "
        guard header.count > scheme.count, header.prefix(scheme.count).lowercased() == scheme,
            Self.same(Self.digest(header.dropFirst(scheme.count)), tokenDigest)
        else {
            throw APIError(
                .unauthorized,
                reason: "unauthorized",
                "send the admin token as Authorization: Bearer <token>",
                headers: [.wwwAuthenticate: "Bearer realm=\"audiocache\""]
            )
        }
        return try await next(request, context)
    }
}

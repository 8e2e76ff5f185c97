import HTTPTypes
import Hummingbird

/// Answers 405 with `Allow` (RFC 9110 §15.5.6) when a request names a route of the API with a
/// method the route does not take, where the router alone would answer 404 as for an unknown path.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The API's routes: the path's segments (`*` stands for a parameter) and their methods.
    static var routes: [([String], [HTTPRequest.Method])] {
        [
            (["api", "audio", "*"], [.get, .head]),
            (["api", "tts"], [.get, .post]),
            (["api", "audio-cache", "stats"], [.get]),
            (["api", "audio-cache", "clear"], [.post]),
            (["api", "audio-cache", "invalidate"], [.post]),
            (["api", "audio-cache", "evict"], [.post]),
            (["api", "audio-cache", "entries"], [.get]),
            (["api", "audio-cache", "entries", "*"], [.delete]),
            (["api", "audio-cache", "entries", "*", "review"], [.post]),
            (["api", "audio-cache", "entries", "*", "recording"], [.put]),
            (["api", "audio-cache", "report"], [.get]),
            ([], [.get]),
            (["review", "review.css"], [.get]),
            (["review", "review.js"], [.get]),
            (["health"], [.get]),
            (["ready"], [.get]),
            (["metrics"], [.get]),
        ]
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // The router's own 404: no route matched the path and method. (The API's 404s are
            // APIErrors and pass through.)
            let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard
                let methods = Self.routes.first(where: { route in
                    route.0.count == segments.count
                        && zip(route.0, segments).allSatisfy { pattern, segment in pattern == "*" || pattern == segment
                        }
                })?.1,
                !methods.contains(request.method)
            else { throw error }
            throw APIError(
                .methodNotAllowed,
                reason: "method_not_allowed",
                "\(request.method) is not allowed here; use \(methods.map(\.rawValue).joined(separator: " or "))",
                headers: [.allow: methods.map(\.rawValue).joined(separator: ", ")]
            )
        }
    }
}

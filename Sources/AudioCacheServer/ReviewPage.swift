import AudioCache
import Foundation
import HTTPTypes
import Hummingbird

/// The review page (docs/review.md): three files compiled into the binary, served at `/` and
/// `/review/`, and the last warm report the page's statistics show.
enum ReviewPage {
    /// The page's files by path, with their types.
    static let files: [String: (type: String, bytes: [UInt8])] = [
        "/": ("text/html; charset=utf-8", PackageResources.index_html),
        "/review/review.css": ("text/css; charset=utf-8", PackageResources.review_css),
        "/review/review.js": ("text/javascript; charset=utf-8", PackageResources.review_js),
    ]

    static func add(
        to router: Router<BasicRequestContext>,
        management: RouterGroup<BasicRequestContext>,
        source: CacheSource
    ) {
        for (path, file) in files {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [
                        .contentType: file.type,
                        .cacheControl: "no-cache",
                        // Everything the page loads is its own: no third-party script, style or frame.
                        .contentSecurityPolicy:
                            "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; frame-ancestors 'none'",
                        .xContentTypeOptions: "nosniff",
                    ],
                    body: .init(byteBuffer: ByteBuffer(bytes: file.bytes))
                )
            }
        }
        // `GET /api/audio-cache/report`: the last warm report kept in the cache, 404 when none.
        management.get("report") { _, _ in
            guard let report = source.current.lastWarmReport() else {
                throw APIError(.notFound, reason: "no_report", "no warm has kept a report in this cache yet")
            }
            return JSONResponse.response(bytes: report)
        }
    }
}

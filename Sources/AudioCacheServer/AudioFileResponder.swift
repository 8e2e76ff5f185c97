import AudioCache
import Foundation
import HTTPTypes
import Hummingbird

/// Answers `GET` and `HEAD` for a cached entry's audio: `Content-Type` from its format, a strong
/// `ETag` from its SHA-256, `Last-Modified`, `Accept-Ranges`, `Cache-Control` that fits its time
/// to live; 304 for `If-None-Match`, 206 or 416 for `Range` (``ByteRangeRequest``).
///
/// The file is streamed from disk in chunks by Hummingbird's `FileIO` (NIO's non-blocking file
/// I/O). Hummingbird 2 has no `sendfile(2)` path; behind nginx, `X-Accel-Redirect` would give one.
struct AudioFileResponder: Sendable {
    let pinnedMaxAge: Duration
    let now: @Sendable () -> Date
    private let fileIO = FileIO()

    init(pinnedMaxAge: Duration, now: @escaping @Sendable () -> Date = { Date() }) {
        self.pinnedMaxAge = pinnedMaxAge
        self.now = now
    }

    /// The answer for a hit.
    /// - Parameters:
    ///   - hit: What the lookup found.
    ///   - request: The request (its method and conditional and range headers).
    ///   - context: The request's context.
    /// - Returns: The response.
    /// - Throws: `APIError` 404 when the file went away since the lookup (evicted, invalidated).
    func respond(to hit: CacheDirectory.Hit, request: Request, context: some RequestContext) async throws -> Response {
        let record = hit.record
        let entityTag = "\"\(record.sha256)\""
        var headers: HTTPFields = [
            .eTag: entityTag,
            .lastModified: Self.httpDate(record.createdAt),
            .cacheControl: cacheControl(for: record),
            .acceptRanges: "bytes",
        ]
        let decision = ByteRangeRequest.decide(
            size: record.size,
            entityTag: entityTag,
            ifNoneMatch: request.headers[.ifNoneMatch],
            range: request.method == .get ? request.headers[.range] : nil,
            ifRange: request.headers[.ifRange]
        )
        headers[.contentType] = record.mimeType
        switch decision {
        case .notModified:
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(record.size)"
            headers[.contentType] = nil
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .whole:
            headers[.contentLength] = "\(record.size)"
            guard request.method == .get else { return Response(status: .ok, headers: headers) }
            return Response(status: .ok, headers: headers, body: try await body(hit.filePath, nil, context))
        case .part(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(record.size)"
            headers[.contentLength] = "\(range.count)"
            return Response(
                status: .partialContent,
                headers: headers,
                body: try await body(hit.filePath, range, context)
            )
        }
    }

    private func body(
        _ path: String,
        _ range: ClosedRange<Int>?,
        _ context: some RequestContext
    ) async throws
        -> ResponseBody
    {
        do {
            if let range { return try await fileIO.loadFile(path: path, range: range, context: context) }
            return try await fileIO.loadFile(path: path, context: context)
        } catch {
            throw APIError(.notFound, reason: "not_found", "the entry was removed while it was being served")
        }
    }

    /// Pinned entries never expire, but may be re-rendered: clients keep them for
    /// ``pinnedMaxAge`` and then revalidate with the `ETag`. Entries stored at run time may be
    /// kept until they expire.
    private func cacheControl(for record: CacheRecord) -> String {
        guard !record.isPinned, let expiresAt = record.expiresAt else {
            return "public, max-age=\(pinnedMaxAge.components.seconds)"
        }
        return "public, max-age=\(max(0, Int(expiresAt.timeIntervalSince(now()))))"
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110's IMF-fixdate).
    static func httpDate(_ date: Date) -> String {
        date.formatted(Self.imfFixdate)
    }

    private static let imfFixdate = Date.VerbatimFormatStyle(
        format: """
            \(weekday: .abbreviated), \(day: .twoDigits) \(month: .abbreviated) \(year: .padded(4)) \
            \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\
            \(second: .twoDigits) GMT
            """,
        locale: Locale(identifier: "en_US_POSIX"),
        timeZone: TimeZone(identifier: "GMT") ?? .gmt,
        calendar: Calendar(identifier: .gregorian)
    )
}

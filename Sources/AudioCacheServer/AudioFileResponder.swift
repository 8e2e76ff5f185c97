import AudioCache
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import _NIOFileSystem

/// Answers `GET` and `HEAD` for a cached entry's audio: `Content-Type` from its format, a strong
/// `ETag` from its SHA-256, `Last-Modified`, `Accept-Ranges`, `Cache-Control` that fits its time
/// to live; 304 for `If-None-Match`, 206 or 416 for `Range` (``ByteRangeRequest``).
///
/// The file is streamed from disk in chunks by Hummingbird's `FileIO` (NIO's non-blocking file
/// I/O). Hummingbird 2 has no `sendfile(2)` path; behind nginx, `X-Accel-Redirect` would give one.
struct AudioFileResponder: Sendable {
    let pinnedMaxAge: Duration
    let metrics: ServerMetrics
    let hot: HotAudio
    let now: @Sendable () -> Date
    private let fileIO = FileIO()

    init(
        pinnedMaxAge: Duration,
        metrics: ServerMetrics,
        hot: HotAudio,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.pinnedMaxAge = pinnedMaxAge
        self.metrics = metrics
        self.hot = hot
        self.now = now
    }

    /// What the headers of an answer are made from: a stored entry's record, or audio just
    /// rendered that could not be stored.
    struct Metadata: Sendable {
        var size: Int
        var sha256: String
        var mimeType: String
        var createdAt: Date
        var expiresAt: Date?
        var isPinned: Bool

        init(_ record: CacheRecord) {
            size = record.size
            sha256 = record.sha256.description
            mimeType = record.mimeType
            createdAt = record.createdAt
            expiresAt = record.expiresAt
            isPinned = record.isPinned
        }

        init(_ entry: CacheEntry) {
            size = entry.size
            sha256 = entry.sha256.description
            mimeType = entry.mimeType
            createdAt = entry.createdAt
            expiresAt = entry.expiresAt
            isPinned = entry.isPinned
        }

        init(audio: [UInt8], outputFormat: String, createdAt: Date) {
            size = audio.count
            sha256 = SHA256.hash(data: audio).map { String(format: "%02x", $0) }.joined()
            mimeType = AudioContainer.detect(audio, declaredAs: outputFormat)?.mimeType ?? "application/octet-stream"
            self.createdAt = createdAt
            expiresAt = createdAt
            isPinned = false
        }
    }

    /// Where the audio comes from.
    enum Content: Sendable {
        /// A file of the cache folder, streamed from disk.
        case file(String)
        /// Bytes in memory (audio just rendered).
        case bytes([UInt8])
    }

    /// Looks a key up (the lookup counts the access), and counts it as a hit or a miss.
    func lookup(_ key: CacheKey, in cache: CacheDirectory) async -> CacheDirectory.Hit? {
        let hit = await cache.lookup(key: key)
        (hit == nil ? metrics.misses : metrics.hits).increment()
        return hit
    }

    /// The answer for a hit.
    /// - Parameters:
    ///   - hit: What the lookup found.
    ///   - request: The request (its method and conditional and range headers).
    ///   - context: The request's context.
    /// - Returns: The response.
    /// - Throws: `APIError` 404 when the file went away since the lookup (evicted, invalidated).
    func respond(to hit: CacheDirectory.Hit, request: Request, context: some RequestContext) async throws -> Response {
        try await respond(Metadata(hit.record), .file(hit.filePath), request: request, context: context)
    }

    /// The answer for audio described by `metadata`.
    func respond(
        _ metadata: Metadata,
        _ content: Content,
        request: Request,
        context: some RequestContext
    ) async throws -> Response {
        let entityTag = "\"\(metadata.sha256)\""
        var headers: HTTPFields = [
            .eTag: entityTag,
            .lastModified: CacheTimestamp.httpDate(metadata.createdAt),
            .cacheControl: cacheControl(for: metadata),
            .acceptRanges: "bytes",
        ]
        let decision = ByteRangeRequest.decide(
            size: metadata.size,
            entityTag: entityTag,
            ifNoneMatch: request.headers[.ifNoneMatch],
            range: request.method == .head ? nil : request.headers[.range],
            ifRange: request.headers[.ifRange]
        )
        switch decision {
        case .notModified:
            return Response(status: .notModified, headers: headers)
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(metadata.size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .whole:
            headers[.contentType] = metadata.mimeType
            headers[.contentLength] = "\(metadata.size)"
            if request.method == .head { return Response(status: .ok, headers: headers) }
            let body = try await body(content, metadata, nil, context)
            metrics.bytesServed.increment(by: metadata.size)
            return Response(status: .ok, headers: headers, body: body)
        case .part(let range):
            headers[.contentType] = metadata.mimeType
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(metadata.size)"
            headers[.contentLength] = "\(range.count)"
            let body = try await body(content, metadata, range, context)
            metrics.bytesServed.increment(by: range.count)
            return Response(status: .partialContent, headers: headers, body: body)
        }
    }

    private func body(
        _ content: Content,
        _ metadata: Metadata,
        _ range: ClosedRange<Int>?,
        _ context: some RequestContext
    ) async throws -> ResponseBody {
        switch content {
        case .bytes(let bytes):
            let part = range.map { Array(bytes[$0]) } ?? bytes
            return ResponseBody(byteBuffer: ByteBuffer(bytes: part))
        case .file(let path):
            do {
                if hot.keeps(size: metadata.size) {
                    let whole = try await hotBuffer(path, metadata)
                    guard let range else { return ResponseBody(byteBuffer: whole) }
                    return ResponseBody(
                        byteBuffer: whole.getSlice(at: whole.readerIndex + range.lowerBound, length: range.count)
                            ?? ByteBuffer()
                    )
                }
                if let range { return try await fileIO.loadFile(path: path, range: range, context: context) }
                return try await fileIO.loadFile(path: path, context: context)
            } catch {
                throw APIError(.notFound, reason: "not_found", "the entry was removed while it was being served")
            }
        }
    }

    /// The file's bytes from memory, or read whole from disk and kept.
    private func hotBuffer(_ path: String, _ metadata: Metadata) async throws -> ByteBuffer {
        if let kept = hot.buffer(sha256: metadata.sha256) { return kept }
        let buffer = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            try await handle.readToEnd(maximumSizeAllowed: .bytes(Int64(metadata.size)))
        }
        guard buffer.readableBytes == metadata.size else {
            throw APIError(.notFound, reason: "not_found", "the file is not the size the index records")
        }
        hot.keep(buffer, sha256: metadata.sha256)
        return buffer
    }

    /// Pinned entries never expire, but may be re-rendered: clients keep them for
    /// ``pinnedMaxAge`` and then revalidate with the `ETag`. Entries stored at run time may be
    /// kept until they expire.
    private func cacheControl(for metadata: Metadata) -> String {
        guard !metadata.isPinned, let expiresAt = metadata.expiresAt else {
            return "public, max-age=\(pinnedMaxAge.components.seconds)"
        }
        return "public, max-age=\(max(0, Int(expiresAt.timeIntervalSince(now()))))"
    }
}

import AudioCache
import Foundation
import HTTPTypes
import Hummingbird

/// The management API of the reference Python implementation's service, behind the admin token:
/// statistics, clear, invalidate, evict, and deleting one entry.
struct ManagementRoutes: Sendable {
    let cache: CacheDirectory
    let maxBodyBytes: Int

    func add(to group: RouterGroup<BasicRequestContext>) {
        group.get("stats") { request, _ in try await stats(request) }
        group.post("clear") { _, _ in try await clear() }
        group.post("invalidate") { request, context in try await invalidate(request, context) }
        group.post("evict") { request, context in try await evict(request, context) }
        group.delete("entries/:key") { _, context in try await delete(context) }
    }

    /// `GET /api/audio-cache/stats[?top=N]`: the document `audiocache stats --json` prints.
    func stats(_ request: Request) async throws -> Response {
        var top = 10
        if let text = request.uri.queryParameters["top"] {
            guard let value = Int(String(text)), (0...1_000).contains(value) else {
                throw APIError.badBody("top must be a whole number from 0 to 1000")
            }
            top = value
        }
        return JSONResponse.response(bytes: try await cache.stats(top: top).jsonData())
    }

    /// `POST /api/audio-cache/clear`: removes every entry.
    func clear() async throws -> Response {
        let removed = try await writing { try await cache.clear() }
        return try JSONResponse.response(Removed(removed: removed, keys: nil))
    }

    /// `POST /api/audio-cache/invalidate` with one of `{"key"}`, `{"voice_id"}`, `{"language"}`,
    /// `{"text", "voice_id", "language"}`, `{"older_than": "30d" | seconds}`, `{"all": true}`.
    func invalidate(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await decode(InvalidateBody.self, request, context)
        let selection = try body.selection(keyScheme: cache.keyScheme, now: Date())
        let removed = try await writing { try await cache.invalidate(selection) }
        return try JSONResponse.response(Removed(removed: removed.count, keys: removed.map { $0.key.description }))
    }

    /// `POST /api/audio-cache/evict` with optional `{"max_size": "500MB" | bytes, "policy": "lru" | "lfu"}`:
    /// shrinks the cache (unpinned entries only) to the size given, or to its configured maximum.
    func evict(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await decode(EvictBody.self, request, context, allowEmpty: true) ?? EvictBody()
        let policy = try body.evictionPolicy()
        let maxSize = try body.maxSizeBytes()
        let removed = try await writing { try await cache.evict(toFit: maxSize, policy: policy) }
        return try JSONResponse.response(Removed(removed: removed.count, keys: removed.map { $0.key.description }))
    }

    /// `DELETE /api/audio-cache/entries/{key}`: removes one entry; 404 when there is none.
    func delete(_ context: BasicRequestContext) async throws -> Response {
        let key = try CacheKey(pathParameter: context.parameters.get("key"))
        let removed = try await writing { try await cache.invalidate(.key(key)) }
        guard !removed.isEmpty else { throw APIError(.notFound, reason: "not_found", "no entry has key \(key)") }
        return Response(status: .noContent)
    }

    /// Runs a change, answering 409 when the cache is open read-only (a replica).
    private func writing<T>(_ change: () async throws -> T) async throws -> T {
        do {
            return try await change()
        } catch let error as AudioCacheError where error.kind == .usage {
            throw APIError(
                .conflict,
                reason: "read_only",
                "this server opened the cache read-only; change it on the writer"
            )
        }
    }

    private func decode<T: Decodable>(
        _ type: T.Type,
        _ request: Request,
        _ context: BasicRequestContext
    ) async throws
        -> T
    {
        guard let value = try await decode(type, request, context, allowEmpty: false) else {
            throw APIError.badBody("the request needs a JSON body")
        }
        return value
    }

    private func decode<T: Decodable>(
        _ type: T.Type,
        _ request: Request,
        _ context: BasicRequestContext,
        allowEmpty: Bool
    ) async throws -> T? {
        let buffer = try await RequestBody.collect(request, limit: maxBodyBytes)
        if buffer.readableBytes == 0 && allowEmpty { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badBody("the body is not the JSON this route takes (see docs/openapi.yaml)")
        }
    }
}

/// What a change removed.
private struct Removed: Encodable {
    var removed: Int
    var keys: [String]?
}

/// The body of `POST /api/audio-cache/invalidate`: exactly one way of choosing entries.
private struct InvalidateBody: Decodable {
    var key: String?
    var voiceID: String?
    var language: String?
    var text: String?
    var olderThan: Duration?
    var all: Bool?

    enum CodingKeys: String, CodingKey {
        case key, language, text, all
        case voiceID = "voice_id"
        case olderThan = "older_than"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decodeIfPresent(String.self, forKey: .key)
        voiceID = try container.decodeIfPresent(String.self, forKey: .voiceID)
        language = try container.decodeIfPresent(String.self, forKey: .language)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        all = try container.decodeIfPresent(Bool.self, forKey: .all)
        if let seconds = try? container.decodeIfPresent(Int.self, forKey: .olderThan) {
            guard seconds >= 0 else { throw APIError.badBody("older_than must not be negative") }
            olderThan = .seconds(seconds)
        } else if let text = try container.decodeIfPresent(String.self, forKey: .olderThan) {
            guard let seconds = ByteCount.parseDuration(text) else {
                throw APIError.badBody("older_than \"\(text.prefix(40))\" is not a duration (seconds, or 30m, 12h, 7d)")
            }
            olderThan = .seconds(seconds)
        }
    }

    func selection(keyScheme: KeyScheme, now: Date) throws -> CacheSelection {
        switch (key, voiceID, language, text, olderThan, all) {
        case (let key?, nil, nil, nil, nil, nil):
            return .key(try CacheKey(pathParameter: key))
        case (nil, let voice?, nil, nil, nil, nil):
            return .voice(voice)
        case (nil, nil, let language?, nil, nil, nil):
            return .language(language)
        case (nil, let voice?, let language?, let text?, nil, nil):
            return .key(keyScheme.key(text: text, voiceID: voice, language: language))
        case (nil, nil, nil, nil, let age?, nil):
            return .createdBefore(now.addingTimeInterval(-Double(age.components.seconds)))
        case (nil, nil, nil, nil, nil, true):
            return .all
        default:
            throw APIError.badBody(
                "choose entries by exactly one of key, voice_id, language, older_than, all: true, "
                    + "or text with voice_id and language"
            )
        }
    }
}

/// The body of `POST /api/audio-cache/evict`.
private struct EvictBody: Decodable {
    var maxSize: Int?
    var policy: String?

    enum CodingKeys: String, CodingKey {
        case policy
        case maxSize = "max_size"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        policy = try container.decodeIfPresent(String.self, forKey: .policy)
        if let bytes = try? container.decodeIfPresent(Int.self, forKey: .maxSize) {
            maxSize = bytes
        } else if let text = try container.decodeIfPresent(String.self, forKey: .maxSize) {
            guard let bytes = ByteCount.parse(text) else {
                throw APIError.badBody("max_size \"\(text.prefix(40))\" is not a size (bytes, or 500MB, 1GiB)")
            }
            maxSize = bytes
        }
    }

    func maxSizeBytes() throws -> Int? {
        guard let maxSize else { return nil }
        guard maxSize >= 0 else { throw APIError.badBody("max_size must not be negative") }
        return maxSize
    }

    func evictionPolicy() throws -> EvictionPolicy {
        guard let policy else { return .leastRecentlyUsed }
        guard let chosen = EvictionPolicy(rawValue: policy) else {
            throw APIError.badBody("policy must be lru or lfu")
        }
        return chosen
    }
}

import AudioCache
import Foundation
import HTTPTypes
import Hummingbird

/// The management API of the reference Python implementation's service, behind the admin token:
/// statistics, clear, invalidate, evict, and deleting one entry.
struct ManagementRoutes: Sendable {
    let source: CacheSource
    let maxBodyBytes: Int
    let maxUploadBytes: Int
    let metrics: ServerMetrics

    func add(to group: RouterGroup<BasicRequestContext>) {
        group.get("stats") { request, _ in try await stats(request) }
        group.post("clear") { _, _ in try await clear() }
        group.post("invalidate") { request, context in try await invalidate(request, context) }
        group.post("evict") { request, context in try await evict(request, context) }
        group.delete("entries/:key") { _, context in try await delete(context) }
        group.get("entries") { request, _ in try await list(request) }
        group.post("entries/:key/review") { request, context in try await review(request, context) }
        group.put("entries/:key/recording") { request, context in try await upload(request, context) }
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
        return JSONResponse.response(bytes: try await source.current.stats(top: top).jsonData())
    }

    /// `POST /api/audio-cache/clear`: removes every entry.
    func clear() async throws -> Response {
        let removed = try await writing { try await source.current.clear() }
        return try JSONResponse.response(Removed(removed: removed, keys: nil))
    }

    /// `POST /api/audio-cache/invalidate` with one of `{"key"}`, `{"voice_id"}`, `{"language"}`,
    /// `{"text", "voice_id", "language"}`, `{"older_than": "30d" | seconds}`, `{"all": true}`.
    func invalidate(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await decode(InvalidateBody.self, request, context)
        let cache = source.current
        let selection = try body.selection(keyScheme: cache.keyScheme, now: Date())
        let removed = try await writing { try await cache.invalidate(selection) }
        return try JSONResponse.response(Removed(removed: removed.count, keys: removed.map { $0.key.description }))
    }

    /// `POST /api/audio-cache/evict` with optional `{"max_size": "500MB" | bytes, "policy": "lru" | "lfu"}`:
    /// shrinks the cache (unpinned entries only) to the size given, or to its configured maximum.
    func evict(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await decode(EvictBody.self, request, context, allowEmpty: true) ?? EvictBody()
        let removed = try await writing {
            try await source.current.evict(toFit: body.maxSize, policy: body.policy ?? .leastRecentlyUsed)
        }
        metrics.evictions.increment(by: removed.count)
        return try JSONResponse.response(Removed(removed: removed.count, keys: removed.map { $0.key.description }))
    }

    /// `DELETE /api/audio-cache/entries/{key}`: removes one entry; 404 when there is none.
    func delete(_ context: BasicRequestContext) async throws -> Response {
        let key = try CacheKey(pathParameter: context.parameters.get("key"))
        let removed = try await writing { try await source.current.invalidate(.key(key)) }
        guard !removed.isEmpty else { throw APIError.noEntry(key) }
        return Response(status: .noContent)
    }

    /// Runs a change, answering 409 when the cache is open read-only (a replica).
    func writing<T>(_ change: () async throws -> T) async throws -> T {
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

    func decode<T: Decodable>(
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
///
/// Read as strictly as docs/openapi.yaml describes it: an unknown field, or a field that is `null`
/// or of another type, is a 400, so that what the document calls invalid is never half-obeyed.
private struct InvalidateBody: Decodable {
    var key: String?
    var voiceID: String?
    var language: String?
    var text: String?
    var olderThan: Int?
    var all: Bool?

    init(from decoder: any Decoder) throws {
        let fields = try StrictFields(
            decoder,
            allowed: ["key", "voice_id", "language", "text", "older_than", "all"]
        )
        key = try fields.string("key")
        voiceID = try fields.string("voice_id")
        language = try fields.string("language")
        text = try fields.string("text")
        all = try fields.bool("all")
        olderThan = try fields.integerOrText("older_than", parse: APIValues.duration)
        if let voiceID, let problem = FieldRules.Field.voiceID.problem(with: voiceID) {
            throw APIError.badBody(problem)
        }
        if let language, let problem = FieldRules.Field.language.problem(with: language) {
            throw APIError.badBody(problem)
        }
        if text?.isEmpty == true { throw APIError.badBody("text is empty") }
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
        case (nil, nil, nil, nil, let seconds?, nil):
            // Ages past a century mean "nothing": they are taken as a century, which keeps the date
            // arithmetic in range.
            return .createdBefore(now.addingTimeInterval(-Double(min(seconds, APIValues.maxAgeSeconds))))
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
    var policy: EvictionPolicy?

    init() {}

    init(from decoder: any Decoder) throws {
        let fields = try StrictFields(decoder, allowed: ["max_size", "policy"])
        maxSize = try fields.integerOrText("max_size", parse: APIValues.size)
        policy = try fields.string("policy").map { text in
            guard let policy = EvictionPolicy(rawValue: text) else {
                throw APIError.badBody("policy must be lru or lfu")
            }
            return policy
        }
    }
}

/// The fields of a JSON object body, refusing unknown ones and `null`s.
struct StrictFields {
    private struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private let container: KeyedDecodingContainer<Name>

    init(_ decoder: any Decoder, allowed: Set<String>) throws {
        container = try decoder.container(keyedBy: Name.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.badBody(
                "unknown field \"\(unknown.prefix(40))\"; expected \(allowed.sorted().joined(separator: ", "))"
            )
        }
    }

    func string(_ name: String) throws -> String? {
        guard container.contains(Name(stringValue: name)) else { return nil }
        guard let value = try? container.decode(String.self, forKey: Name(stringValue: name)) else {
            throw APIError.badBody("\(name) must be a string")
        }
        return value
    }

    func bool(_ name: String) throws -> Bool? {
        guard container.contains(Name(stringValue: name)) else { return nil }
        guard let value = try? container.decode(Bool.self, forKey: Name(stringValue: name)) else {
            throw APIError.badBody("\(name) must be true or false")
        }
        return value
    }

    /// A whole number from 0 to 2^53 - 1, or a string `parse` reads.
    func integerOrText(_ name: String, parse: (String) -> Int?) throws -> Int? {
        let key = Name(stringValue: name)
        guard container.contains(key) else { return nil }
        if let number = try? container.decode(Int.self, forKey: key) {
            guard (0...APIValues.maxInteger).contains(number) else {
                throw APIError.badBody("\(name) must be from 0 to \(APIValues.maxInteger)")
            }
            return number
        }
        guard let text = try? container.decode(String.self, forKey: key), let value = parse(text) else {
            throw APIError.badBody("\(name) is not a number or one of the forms docs/openapi.yaml gives")
        }
        return value
    }
}

/// The value forms of the API's bodies; docs/openapi.yaml gives the same patterns.
enum APIValues {
    /// The largest integer JSON carries exactly, 2^53 - 1.
    static let maxInteger = 9_007_199_254_740_991
    /// A century, in seconds: the longest `older_than` that means something.
    static let maxAgeSeconds = 3_153_600_000

    /// `500MB`, `1.5GiB`, `1024`: up to six digits, an optional fraction and a unit.
    static func size(_ text: String) -> Int? {
        guard text.wholeMatch(of: #/[0-9]{1,6}(\.[0-9]{1,6})?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?/#) != nil else {
            return nil
        }
        return ByteCount.parse(text)
    }

    /// `30d`, `12h`, `90m`, `45s`, `3600`: up to six digits, an optional fraction and a unit.
    static func duration(_ text: String) -> Int? {
        guard text.wholeMatch(of: #/[0-9]{1,6}(\.[0-9]{1,3})?[smhd]?/#) != nil else { return nil }
        return ByteCount.parseDuration(text)
    }
}

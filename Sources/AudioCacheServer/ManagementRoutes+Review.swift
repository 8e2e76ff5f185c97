import AudioCache
import Foundation
import HTTPTypes
import Hummingbird

/// The review API (docs/review.md): the entries, paged and filtered on the server; a verdict on
/// one; a recording in place of its audio.
extension ManagementRoutes {
    /// The most entries one page lists.
    static let maxPageSize = 500

    /// `GET /api/audio-cache/entries?q=&voice=&language=&state=&offset=&limit=`: a page of the
    /// entries, by voice, language and text.
    func list(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        func text(_ name: String, limit: Int) throws -> String? {
            guard let value = parameters[Substring(name)].map(String.init), !value.isEmpty else { return nil }
            guard value.unicodeScalars.count <= limit else {
                throw APIError.badBody("\(name) is longer than \(limit) characters")
            }
            return value
        }
        func number(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let text = parameters[Substring(name)] else { return value }
            guard let number = Int(String(text)), range.contains(number) else {
                throw APIError.badBody("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        var query = EntryQuery(
            text: try text("q", limit: 200),
            voiceID: try text("voice", limit: 64),
            language: try text("language", limit: 35)
        )
        if let state = try text("state", limit: 20) {
            guard let verdict = ReviewVerdict(rawValue: state) else {
                throw APIError.badBody("state must be unreviewed, approved or flagged")
            }
            query.verdict = verdict
        }
        let offset = try number("offset", default: 0, range: 0...APIValues.maxInteger)
        let limit = try number("limit", default: 50, range: 1...Self.maxPageSize)
        let cache = source.current
        let page = await cache.entries(matching: query, offset: offset, limit: limit)
        let document = EntryListDocument(
            total: page.total,
            offset: offset,
            limit: limit,
            entries: page.entries.map { EntryDocument($0, duration: cache.duration(of: $0)) }
        )
        return JSONResponse.response(bytes: try document.jsonData())
    }

    /// `POST /api/audio-cache/entries/{key}/review` with `{"verdict": "approved" | "flagged" |
    /// "unreviewed", "note"}`: the entry afterwards.
    func review(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let key = try CacheKey(pathParameter: context.parameters.get("key"))
        let body = try await decode(ReviewBody.self, request, context)
        let cache = source.current
        let entry = try await writing {
            do {
                return try await cache.review(key, verdict: body.verdict, note: body.note)
            } catch let error as AudioCacheError where error.kind == .missingInput {
                throw APIError.noEntry(key)
            }
        }
        return JSONResponse.response(bytes: try EntryDocument(entry, duration: cache.duration(of: entry)).jsonData())
    }

    /// `PUT /api/audio-cache/entries/{key}/recording[?format=…]` with the audio as the body: a
    /// recording replaces the entry's audio, as `audiocache import` stores one (pinned, recorded,
    /// unreviewed). Answers the new entry.
    func upload(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let key = try CacheKey(pathParameter: context.parameters.get("key"))
        let format = request.uri.queryParameters["format"].map(String.init)
        if let format, format.wholeMatch(of: #/[a-z0-9_]{1,64}/#) == nil {
            throw APIError.badBody("format must be an output format such as wav or mp3_44100_128")
        }
        let cache = source.current
        guard let current = await cache.entry(for: key) else {
            throw APIError.noEntry(key)
        }
        // The entry's text is all a recording is stored under; an index written by another tool
        // could name a key that is not its text's. Refused before anything is written.
        guard
            cache.keyScheme.key(text: current.rendering.text, voiceID: current.voiceID, language: current.language)
                == key
        else {
            throw APIError(.conflict, reason: "key_mismatch", "the entry's text does not give key \(key)")
        }
        let body = try await RequestBody.collect(request, limit: maxUploadBytes)
        let recording = CacheDirectory.Recording(
            text: current.rendering.text,
            voiceID: current.voiceID,
            language: current.language,
            format: format,
            modelID: current.rendering.modelID
        )
        let entry = try await writing {
            do {
                return try await cache.importRecording(Array(body.readableBytesView), recording)
            } catch let error as AudioCacheError where error.kind == .badData {
                throw APIError(.unsupportedMediaType, reason: "not_audio", "the upload \(error.message)")
            }
        }
        return JSONResponse.response(bytes: try EntryDocument(entry, duration: cache.duration(of: entry)).jsonData())
    }
}

/// The body of `POST /api/audio-cache/entries/{key}/review`.
private struct ReviewBody: Decodable {
    var verdict: ReviewVerdict
    var note: String?

    init(from decoder: any Decoder) throws {
        let fields = try StrictFields(decoder, allowed: ["verdict", "note"])
        guard let text = try fields.string("verdict") else { throw APIError.badBody("verdict is required") }
        guard let verdict = ReviewVerdict(rawValue: text) else {
            throw APIError.badBody("verdict must be approved, flagged or unreviewed")
        }
        self.verdict = verdict
        note = try fields.string("note")
        if let note, note.unicodeScalars.count > Review.noteLimit {
            throw APIError.badBody("note is longer than \(Review.noteLimit) characters")
        }
    }
}

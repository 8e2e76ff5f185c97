import AudioCache
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /api/tts` (`{"text", "voice_id", "language"}`) and `GET /api/tts?text=…&voice_id=…&language=…`
/// (a URL an `<audio>` element or a player can open): the phrase's audio from the cache, or, on a
/// miss, rendered through the provider (``ReadThrough``), answered as it arrives when the provider
/// streams, and stored once complete.
struct SpeechRoutes: Sendable {
    let source: CacheSource
    let metrics: ServerMetrics
    let readThrough: ReadThrough?
    let responder: AudioFileResponder
    let maxBodyBytes: Int
    let maxTextCharacters: Int

    func add(to router: Router<BasicRequestContext>) {
        router.post("api/tts") { request, context in
            let buffer = try await RequestBody.collect(request, limit: maxBodyBytes)
            let phrase: Phrase
            do {
                phrase = try JSONDecoder().decode(Phrase.self, from: Data(buffer.readableBytesView))
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.badBody("the body must be a JSON object with text, voice_id and language (strings)")
            }
            return try await speak(phrase, request: request, context: context)
        }
        router.get("api/tts") { request, context in
            let query = request.uri.queryParameters
            guard let text = query["text"], let voice = query["voice_id"], let language = query["language"] else {
                throw APIError.badBody("give text, voice_id and language as query parameters")
            }
            let phrase = Phrase(text: String(text), voiceID: String(voice), language: String(language))
            return try await speak(phrase, request: request, context: context)
        }
    }

    private func speak(_ phrase: Phrase, request: Request, context: BasicRequestContext) async throws -> Response {
        try phrase.validate(maxTextCharacters: maxTextCharacters)
        let cache = source.current
        let key = cache.keyScheme.key(text: phrase.text, voiceID: phrase.voiceID, language: phrase.language)
        if let hit = await responder.lookup(key, in: cache) {
            return try await responder.respond(to: hit, request: request, context: context)
        }
        guard let readThrough else {
            throw APIError(
                .notFound,
                reason: "not_found",
                "the phrase is not cached, and this server renders nothing (it runs with --provider none)"
            )
        }
        let speech = SpeechRequest(key: key, text: phrase.text, voiceID: phrase.voiceID, language: phrase.language)
        let flight = await readThrough.flight(for: speech)
        switch await flight.next(from: 0) {
        case .audio(let parts):
            return streamed(flight, first: parts)
        case .finished(.rendered(let audio, let entry)):
            let metadata =
                entry.map(AudioFileResponder.Metadata.init)
                ?? .init(audio: audio.bytes, outputFormat: audio.rendering.outputFormat, createdAt: Date())
            return try await responder.respond(metadata, .bytes(audio.bytes), request: request, context: context)
        case .finished(.failed(let error)):
            throw Self.answer(for: error)
        }
    }

    /// The audio of a flight still under way, as the provider sends it: `200` without a length
    /// (chunked), every part from the first, ended when the flight ends. A flight that fails after
    /// its first part leaves the response unfinished (the connection is closed), so a client
    /// never takes cut-short audio for the whole. The answer carries no validator and is not to be
    /// kept (`Cache-Control: no-store`): the next request is a hit with its `ETag`.
    private func streamed(_ flight: SpeechFlight, first: [ByteBuffer]) -> Response {
        let head = first.first.map { Array($0.readableBytesView.prefix(12)) } ?? []
        let mimeType = AudioContainer.detect(head, declaredAs: "")?.mimeType ?? "application/octet-stream"
        let metrics = metrics
        let body = ResponseBody { writer in
            var parts = first
            var read = 0
            while true {
                for part in parts {
                    try await writer.write(part)
                    metrics.bytesServed.increment(by: part.readableBytes)
                }
                read += parts.count
                switch await flight.next(from: read) {
                case .audio(let more):
                    parts = more
                case .finished(.rendered):
                    try await writer.finish(nil)
                    return
                case .finished(.failed(let error)):
                    throw error
                }
            }
        }
        return Response(
            status: .ok,
            headers: [.contentType: mimeType, .cacheControl: "no-store"],
            body: body
        )
    }

    /// The answer to a provider's failure: a voice it does not have is a 404 (as ElevenLabs answers
    /// it), a text it refuses a 422; the provider down, over quota or cooling down is a 503 with
    /// `Retry-After`, at once.
    static func answer(for error: SpeechProviderError) -> APIError {
        let wait: Duration
        switch error.scope {
        case .voice:
            return APIError(.notFound, reason: error.reason, error.message)
        case .phrase:
            return APIError(.unprocessableContent, reason: error.reason, error.message)
        case .run:
            wait = .seconds(30)
        case .transient(let retryAfter), .tooManyConcurrent(let retryAfter):
            wait = retryAfter ?? .seconds(5)
        }
        let seconds = max(1, Int((wait / .seconds(1)).rounded(.up)))
        return APIError(
            .serviceUnavailable,
            reason: error.reason,
            "the phrase is not cached and the provider cannot render it now: \(error.message)",
            headers: [.retryAfter: "\(seconds)"]
        )
    }
}

/// A phrase as `/api/tts` takes it.
struct Phrase: Decodable, Sendable {
    var text: String
    var voiceID: String
    var language: String

    enum CodingKeys: String, CodingKey {
        case text, language
        case voiceID = "voice_id"
    }

    init(text: String, voiceID: String, language: String) {
        self.text = text
        self.voiceID = voiceID
        self.language = language
    }

    /// Refuses what a manifest would refuse: an empty or overlong text, control characters, a
    /// voice or language outside the safe set.
    func validate(maxTextCharacters: Int) throws {
        if let problem = FieldRules.problem(withText: text, maxCharacters: maxTextCharacters) {
            throw APIError.badBody(problem)
        }
        for (field, value) in [(FieldRules.Field.voiceID, voiceID), (.language, language)] {
            if let problem = field.problem(with: value) { throw APIError.badBody(problem) }
        }
    }
}

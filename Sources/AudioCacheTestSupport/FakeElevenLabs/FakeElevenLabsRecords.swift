/// A voice and text, as the fake server counts renders.
public struct FakeElevenLabsPhrase: Sendable, Hashable, CustomStringConvertible {
    /// The voice id.
    public var voiceID: String
    /// The text exactly as sent.
    public var text: String

    /// Creates a phrase.
    /// - Parameters:
    ///   - voiceID: The voice id.
    ///   - text: The text.
    public init(voiceID: String, text: String) {
        self.voiceID = voiceID
        self.text = text
    }

    /// `voice: text`.
    public var description: String { "\(voiceID): \(text)" }
}

/// How a request presented the API key.
public enum FakeElevenLabsKeyPresentation: String, Sendable, Hashable {
    /// The right key in `xi-api-key`.
    case valid
    /// Another value in `xi-api-key`.
    case wrong
    /// No `xi-api-key` header.
    case missing
}

/// One request the fake server received, and how it answered.
public struct FakeElevenLabsRequestRecord: Sendable {
    /// The HTTP method.
    public var method: String
    /// The path, without the query.
    public var path: String
    /// The query string, if any.
    public var query: String?
    /// The headers with lowercased names, `xi-api-key` left out.
    public var headers: [String: String]
    /// How the key was presented.
    public var key: FakeElevenLabsKeyPresentation
    /// The voice id, for text-to-speech requests.
    public var voiceID: String?
    /// The text, for text-to-speech requests with a readable body.
    public var text: String?
    /// The model id (or its default), for text-to-speech requests with a readable body.
    public var modelID: String?
    /// The output format (or its default), for text-to-speech requests.
    public var outputFormat: String?
    /// When it arrived, since the server was created.
    public var arrival: Duration
    /// The status answered; 0 while in flight or when the connection was dropped.
    public var status: Int
    /// What happened: `in_flight` until answered; then `ok`; an ElevenLabs status such as
    /// `invalid_api_key`, `voice_not_found`, `quota_exceeded`, `system_busy` or
    /// `too_many_concurrent_requests`; `validation_error`; `not_found`; an injected fault
    /// (`fault:internal_server_error`, `fault:service_unavailable`, `fault:dropConnection`,
    /// `fault:truncatedBody`, `fault:wrongContentType`, `fault:emptyBody`); or `cancelled` when the
    /// server stopped during the request's latency (nothing answered, nothing billed).
    public var outcome: String

    /// Whether this was a text-to-speech request.
    public var isTextToSpeech: Bool { voiceID != nil }
}

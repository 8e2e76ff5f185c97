import AudioCache
import Foundation

/// The character allowance of an ElevenLabs account, from `GET /v1/user/subscription`.
public struct ElevenLabsSubscription: Sendable, Hashable {
    /// Characters used in the current period (`character_count`).
    public var characterCount: Int
    /// Characters allowed in the period (`character_limit`).
    public var characterLimit: Int
    /// When the count goes back to zero, in seconds since 1970 (`next_character_count_reset_unix`).
    public var nextResetUnix: Int64?
    /// The plan (`tier`), such as `free` or `creator`.
    public var tier: String?

    /// Characters left: the limit minus the count, and never below zero.
    public var remaining: Int { max(0, characterLimit - characterCount) }

    /// Creates a subscription.
    /// - Parameters:
    ///   - characterCount: Characters used.
    ///   - characterLimit: Characters allowed.
    ///   - nextResetUnix: When the count resets, if known.
    ///   - tier: The plan, if known.
    public init(characterCount: Int, characterLimit: Int, nextResetUnix: Int64? = nil, tier: String? = nil) {
        self.characterCount = characterCount
        self.characterLimit = characterLimit
        self.nextResetUnix = nextResetUnix
        self.tier = tier
    }
}

/// A voice the account may use, from `GET /v2/voices`.
public struct ElevenLabsVoice: Sendable, Hashable {
    /// The voice id, as phrases name it (`voice_id`).
    public var voiceID: String
    /// The voice's name.
    public var name: String
    /// Its category (`premade`, `cloned`, `generated`, `professional`…), if given.
    public var category: String?

    /// Creates a voice.
    /// - Parameters:
    ///   - voiceID: The voice id.
    ///   - name: The name.
    ///   - category: The category, if any.
    public init(voiceID: String, name: String, category: String? = nil) {
        self.voiceID = voiceID
        self.name = name
        self.category = category
    }
}

extension ElevenLabsProvider {
    /// The account's character allowance: `GET /v1/user/subscription`.
    /// - Returns: The subscription.
    /// - Throws: ``SpeechProviderError``: what ``classify(status:headers:body:now:redacting:)``
    ///   says for an error answer, a transport failure as for ``render(_:)``, and
    ///   ``SpeechProviderError/Scope/transient(retryAfter:)`` `bad_response` for a body that is not
    ///   a subscription.
    public func subscription() async throws(SpeechProviderError) -> ElevenLabsSubscription {
        let response = try await exchange(subscriptionRequest(), maximumBytes: Self.maximumJSONBytes)
        return try Self.subscription(from: response, redacting: configuration.apiKey)
    }

    /// Every voice the account may use: `GET /v2/voices?page_size=100`, following `has_more` and
    /// `next_page_token` (at most 1,000 pages).
    /// - Returns: The voices, in the order the API lists them.
    /// - Throws: ``SpeechProviderError``, as ``subscription()`` does.
    public func voices() async throws(SpeechProviderError) -> [ElevenLabsVoice] {
        var voices: [ElevenLabsVoice] = []
        var token: String?
        var seenTokens: Set<String> = []
        for _ in 0..<1000 {
            let response = try await exchange(voicesRequest(pageToken: token), maximumBytes: Self.maximumJSONBytes)
            let page = try Self.voicesPage(from: response, redacting: configuration.apiKey)
            voices += page.voices
            guard page.hasMore, let next = page.nextPageToken, !next.isEmpty, seenTokens.insert(next).inserted else {
                break
            }
            token = next
        }
        return voices
    }

    /// The largest JSON answer accepted.
    static let maximumJSONBytes = 16 << 20

    /// The subscription in a response, or what its failure means.
    static func subscription(
        from response: ElevenLabsHTTPResponse,
        redacting secret: Secret?
    ) throws(SpeechProviderError) -> ElevenLabsSubscription {
        struct Body: Decodable {
            var characterCount: Int
            var characterLimit: Int
            var nextCharacterCountResetUnix: Int64?
            var tier: String?
        }
        let body: Body = try decode(response, what: "subscription", redacting: secret)
        return ElevenLabsSubscription(
            characterCount: body.characterCount,
            characterLimit: body.characterLimit,
            nextResetUnix: body.nextCharacterCountResetUnix,
            tier: body.tier
        )
    }

    /// One page of `GET /v2/voices`.
    struct VoicesPage: Sendable, Hashable {
        var voices: [ElevenLabsVoice]
        var hasMore: Bool
        var nextPageToken: String?
    }

    /// The page of voices in a response, or what its failure means.
    static func voicesPage(
        from response: ElevenLabsHTTPResponse,
        redacting secret: Secret?
    ) throws(SpeechProviderError) -> VoicesPage {
        struct Body: Decodable {
            struct Voice: Decodable {
                var voiceId: String
                var name: String?
                var category: String?
            }
            var voices: [Voice]
            var hasMore: Bool?
            var nextPageToken: String?
        }
        let body: Body = try decode(response, what: "voice list", redacting: secret)
        return VoicesPage(
            voices: body.voices.map {
                ElevenLabsVoice(voiceID: $0.voiceId, name: $0.name ?? "", category: $0.category)
            },
            hasMore: body.hasMore ?? false,
            nextPageToken: body.nextPageToken
        )
    }

    private static func decode<Body: Decodable>(
        _ response: ElevenLabsHTTPResponse,
        what: String,
        redacting secret: Secret?
    ) throws(SpeechProviderError) -> Body {
        guard response.status == 200 else {
            throw classify(status: response.status, headers: response.headers, body: response.body, redacting: secret)
        }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Body.self, from: Data(response.body))
        } catch {
            throw SpeechProviderError(
                .transient(retryAfter: nil),
                reason: "bad_response",
                "ElevenLabs answered 200 with something that is not a \(what)"
            )
        }
    }
}

extension ElevenLabsProvider {
    /// Before a run spends anything: the characters it needs against what the account has left
    /// (`GET /v1/user/subscription`), and its voices against the account's (`GET /v2/voices`).
    /// - Parameters:
    ///   - characters: The most characters the run will send.
    ///   - voices: The voices it will ask for.
    ///   - allowingOverQuota: Whether to go on with too few characters left.
    /// - Returns: The voices the account lacks, as `voice_not_found` voice errors.
    /// - Throws: ``SpeechProviderError`` `over_quota` (run scope) when too few characters are left,
    ///   or what ``subscription()`` and ``voices()`` throw.
    public func preflight(
        characters: Int,
        voices: Set<String>,
        allowingOverQuota: Bool
    ) async throws(SpeechProviderError) -> [String: SpeechProviderError] {
        guard characters > 0 else { return [:] }
        let subscription = try await subscription()
        if characters > subscription.remaining && !allowingOverQuota {
            throw SpeechProviderError(
                .run,
                reason: "over_quota",
                "the run needs \(characters) characters but the ElevenLabs account has \(subscription.remaining) "
                    + "left (of \(subscription.characterLimit)); allow going over the quota (--allow-over-quota) to "
                    + "go on anyway, or set a character budget (--max-characters) to render part of it"
            )
        }
        let known = Set(try await self.voices().map(\.voiceID))
        var missing: [String: SpeechProviderError] = [:]
        for voice in voices.subtracting(known) {
            missing[voice] = SpeechProviderError(
                .voice,
                reason: "voice_not_found",
                "the ElevenLabs account has no voice \(voice)"
            )
        }
        return missing
    }
}

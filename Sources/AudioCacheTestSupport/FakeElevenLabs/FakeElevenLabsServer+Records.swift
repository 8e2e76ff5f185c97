extension FakeElevenLabsServer {
    /// Every request received, in arrival order, with its answer.
    public var requests: [FakeElevenLabsRequestRecord] { state.withLock { $0.records } }

    /// The text-to-speech requests received, in arrival order, refused ones included.
    public var textToSpeechRequests: [FakeElevenLabsRequestRecord] { requests.filter(\.isTextToSpeech) }

    /// The most text-to-speech requests the server was handling at once, refused ones included:
    /// what the client had in flight, seen from the server.
    public var maxActiveTextToSpeech: Int { state.withLock { $0.maxActiveTextToSpeech } }

    /// The most admitted text-to-speech requests in flight at once; never above the concurrency
    /// limit.
    public var maxAdmittedInFlight: Int { state.withLock { $0.maxAdmittedInFlight } }

    /// How many times each voice and text was rendered successfully (a 200 with the whole audio).
    public var renders: [FakeElevenLabsPhrase: Int] { state.withLock { $0.renders } }

    /// How many text-to-speech requests arrived for each voice and text, refused and failed ones
    /// included: a phrase asked for twice shows here even if one attempt failed.
    public var requestCounts: [FakeElevenLabsPhrase: Int] {
        textToSpeechRequests.reduce(into: [:]) { counts, record in
            guard let voiceID = record.voiceID, let text = record.text else { return }
            counts[FakeElevenLabsPhrase(voiceID: voiceID, text: text), default: 0] += 1
        }
    }

    /// Characters used on the account: the configured start plus every successful render.
    public var charactersUsed: Int { state.withLock { $0.charactersUsed } }

    /// Whether any request carried the API key outside the `xi-api-key` header: in the path, the
    /// query, another header or the body.
    public var apiKeyLeaked: Bool { state.withLock { $0.keyLeaked } }

    /// The most text-to-speech requests that arrived within any window of the given length,
    /// refused ones included: to check a client's request rate from the server's side.
    /// - Parameter window: The window; one second by default.
    /// - Returns: The largest count.
    public func maxTextToSpeechArrivals(within window: Duration = .seconds(1)) -> Int {
        let arrivals = textToSpeechRequests.map(\.arrival).sorted()
        var best = 0
        var start = 0
        for end in arrivals.indices {
            while arrivals[end] - arrivals[start] >= window { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }
}

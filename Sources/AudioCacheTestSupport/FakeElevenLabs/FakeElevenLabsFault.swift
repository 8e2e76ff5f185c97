/// A failure the fake server can inject into an admitted text-to-speech request.
public enum FakeElevenLabsFault: Sendable, Hashable {
    /// 500 with `{"detail": {"status": "internal_server_error", …}}`.
    case internalServerError
    /// 503 with `{"detail": {"status": "service_unavailable", …}}`.
    case serviceUnavailable
    /// The connection is closed without any response.
    case dropConnection
    /// 200 `audio/mpeg` whose `Content-Length` promises the whole audio, but only half of it is
    /// sent before the connection is closed.
    case truncatedBody
    /// The normal answer, after this extra delay.
    case slow(Duration)
    /// 200 with a `text/html` error page instead of audio (a misbehaving proxy).
    case wrongContentType
    /// 200 `audio/mpeg` with `Content-Length: 0`.
    case emptyBody
}

/// What a fault rule knows about a text-to-speech request.
public struct FakeElevenLabsFaultInput: Sendable {
    /// The voice id from the path.
    public var voiceID: String
    /// The text from the body.
    public var text: String
    /// The model id from the body.
    public var modelID: String
    /// Which request this is for this voice and text: 1 the first time, 2 the second…
    public var attempt: Int
    /// Which admitted text-to-speech request this is, from 1, across all phrases.
    public var sequenceNumber: Int
}

/// Decides which admitted text-to-speech requests fail, and how.
///
/// The rule runs after authentication, validation and the limits have admitted a request, and
/// before the latency. Characters are billed only for answers without a fault (and for `.slow`).
public struct FakeElevenLabsFaultRule: Sendable {
    /// Decides from the request and a uniform draw in `0..<1` from the server's seeded generator.
    private(set) var decide: @Sendable (FakeElevenLabsFaultInput, Double) -> FakeElevenLabsFault?

    /// A rule from a closure.
    /// - Parameter decide: Returns the fault for a request, or `nil` to answer normally.
    public init(_ decide: @escaping @Sendable (FakeElevenLabsFaultInput) -> FakeElevenLabsFault?) {
        self.decide = { input, _ in decide(input) }
    }

    /// No faults.
    public static let none = FakeElevenLabsFaultRule { _ in nil }

    /// Each request independently gets at most one fault, with the given probabilities, drawn from
    /// the server's seeded generator (so a run repeats for a given seed and request order).
    /// - Parameter probabilities: Faults and their probabilities; their sum should be at most 1.
    /// - Returns: The rule.
    public static func random(_ probabilities: [(FakeElevenLabsFault, Double)]) -> FakeElevenLabsFaultRule {
        var rule = FakeElevenLabsFaultRule.none
        rule.decide = { _, draw in
            var cumulative = 0.0
            for (fault, probability) in probabilities {
                cumulative += probability
                if draw < cumulative { return fault }
            }
            return nil
        }
        return rule
    }

    /// The first `times` requests for each voice and text get `fault`; later ones succeed. Useful
    /// to check that retries recover.
    /// - Parameters:
    ///   - fault: The fault.
    ///   - times: How many attempts per phrase fail.
    /// - Returns: The rule.
    public static func firstAttempts(_ fault: FakeElevenLabsFault, times: Int = 1) -> FakeElevenLabsFaultRule {
        FakeElevenLabsFaultRule { input in input.attempt <= times ? fault : nil }
    }
}

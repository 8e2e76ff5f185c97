/// When to stop calling a failing provider, as a plain value: after `threshold` failures in a row
/// the breaker opens and refuses calls for `coolDown`; then it lets one call through (half open),
/// which closes it when it succeeds and opens it again when it fails.
///
/// Only failures that say the provider is down or over its limits count (``SpeechProviderError``
/// scopes `run`, `transient`, `tooManyConcurrent`, and timeouts); a rejected voice or text is an
/// answer, the request's fault, and counts as the provider being up.
struct CircuitBreaker<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Where the breaker stands.
    enum State: Equatable, Sendable {
        /// Calls go through; `failures` in a row so far.
        case closed(failures: Int)
        /// Calls are refused until `until`.
        case open(until: Instant)
        /// One trial call is in flight; the others are refused.
        case halfOpen
    }

    /// Whether a call may go to the provider.
    enum Admission: Equatable, Sendable {
        case allowed
        /// Refused; the provider may be tried again after this long.
        case refused(retryAfter: Duration)
    }

    let threshold: Int
    let coolDown: Duration
    private(set) var state: State = .closed(failures: 0)

    init(threshold: Int = 5, coolDown: Duration = .seconds(30)) {
        self.threshold = max(1, threshold)
        self.coolDown = coolDown
    }

    /// Decides whether a call starting at `now` may go to the provider.
    mutating func admit(at now: Instant) -> Admission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until) where now >= until:
            state = .halfOpen
            return .allowed
        case .open(let until):
            return .refused(retryAfter: now.duration(to: until))
        case .halfOpen:
            // The trial call's answer is awaited; try again about when it may have come.
            return .refused(retryAfter: .seconds(1))
        }
    }

    /// Records a call's outcome: an answer (audio, or a rejected voice or text: the provider is up)
    /// closes the breaker; a counted failure at `now` adds up to opening it (at once when half open).
    mutating func record(success: Bool, at now: Instant) {
        if success {
            state = .closed(failures: 0)
            return
        }
        switch state {
        case .closed(let failures) where failures + 1 < threshold:
            state = .closed(failures: failures + 1)
        case .closed, .halfOpen, .open:
            state = .open(until: now.advanced(by: coolDown))
        }
    }
}

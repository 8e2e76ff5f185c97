/// When the next request may start under a rate of `R` requests per second with bursts of `B`.
///
/// A pure schedule (the generic cell rate algorithm): times are `Duration` offsets from any fixed
/// start instant, so the same value works with every clock. Starts that follow it never number
/// more than `burst + rate · t` in any window of length `t`.
struct TokenBucket: Sendable, Hashable {
    /// Requests per second; `nil` means unlimited.
    let rate: Double?
    /// How many requests may start at once after a quiet spell.
    let burst: Int
    /// The time one token takes to refill (`1 / rate`), `nil` when unlimited.
    let interval: Duration?
    /// The theoretical arrival time of the next start if the bucket were always empty.
    private var nextArrival: Duration = .zero

    /// Creates a full bucket.
    /// - Parameters:
    ///   - rate: Requests per second (positive), or `nil` for no limit.
    ///   - burst: How many may start at once; at least 1.
    init(rate: Double?, burst: Int = 1) {
        self.rate = rate.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        self.burst = max(1, burst)
        self.interval = self.rate.map { Duration.seconds(1 / $0) }
    }

    /// How long a start at `now` would have to wait, without taking a token.
    /// - Parameter now: The time, as an offset from the start instant.
    /// - Returns: Zero when a start at `now` is allowed.
    func delay(at now: Duration) -> Duration {
        guard let interval else { return .zero }
        return max(.zero, nextArrival - interval * (burst - 1) - now)
    }

    /// Takes a token for a start at `now`, reserving the earliest allowed start.
    ///
    /// The caller must start no earlier than `now` plus the returned wait; each call reserves a
    /// later start, so callers that wait their turn never exceed the rate.
    /// - Parameter now: The time, as an offset from the start instant.
    /// - Returns: How long to wait before starting (zero when a token is free now).
    mutating func take(at now: Duration) -> Duration {
        guard let interval else { return .zero }
        let start = max(now, nextArrival - interval * (burst - 1))
        nextArrival = max(nextArrival, start) + interval
        return start - now
    }
}

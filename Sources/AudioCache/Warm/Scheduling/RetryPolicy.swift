/// How often, and after how long, a failed request is tried again.
///
/// Exponential backoff with full jitter: after attempt `n` the delay is uniform in
/// `0...min(maxDelay, baseDelay · 2^(n-1))`, but never shorter than the provider's `Retry-After`.
struct RetryPolicy: Sendable, Hashable {
    /// The most attempts one request gets, the first included.
    var maxAttempts: Int
    /// The cap of the delay after the first attempt.
    var baseDelay: Duration
    /// The largest cap, however many attempts failed.
    var maxDelay: Duration

    /// Creates a policy.
    /// - Parameters:
    ///   - maxAttempts: The most attempts, the first included; at least 1.
    ///   - baseDelay: The cap of the delay after the first attempt.
    ///   - maxDelay: The largest cap.
    init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(.zero, baseDelay)
        self.maxDelay = max(.zero, maxDelay)
    }

    /// The upper bound of the jittered delay after attempt `attempt`: `min(maxDelay, baseDelay · 2^(attempt-1))`.
    /// - Parameter attempt: The attempt that failed, counting from 1.
    /// - Returns: The cap.
    func cap(afterAttempt attempt: Int) -> Duration {
        let doublings = max(0, attempt - 1)
        var cap = baseDelay
        for _ in 0..<min(doublings, 64) {
            if cap >= maxDelay { break }
            cap = cap * 2
        }
        return min(cap, maxDelay)
    }

    /// How long to wait before trying again after a failed attempt.
    /// - Parameters:
    ///   - attempt: The attempt that failed, counting from 1.
    ///   - retryAfter: How long the provider asked to wait, if it said.
    ///   - random: The source of jitter.
    /// - Returns: The delay, or `nil` when the attempts are used up.
    func delay(
        afterAttempt attempt: Int,
        retryAfter: Duration?,
        random: inout some RandomNumberGenerator
    ) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let (seconds, attoseconds) = cap(afterAttempt: attempt).components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let capNanoseconds = nanoseconds.overflow ? Int64.max : nanoseconds.partialValue &+ attoseconds / 1_000_000_000
        let jitter = Duration.nanoseconds(Int64.random(in: 0...max(0, capNanoseconds), using: &random))
        return max(jitter, retryAfter ?? .zero)
    }
}

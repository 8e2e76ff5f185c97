/// How the warm scheduler paces requests: concurrency, rate, retries and the character budget.
public struct SchedulerOptions: Sendable, Hashable {
    /// The most attempts in flight at once, ever (`--concurrency`); at least 1.
    public var concurrency: Int
    /// Attempts that may start per second (`--rate`); `nil` for no limit.
    public var rate: Double?
    /// How many attempts may start at once after a quiet spell (`--burst`); at least 1.
    public var burst: Int
    /// The most attempts per job, the first included; at least 1.
    public var maxAttempts: Int
    /// The cap of the backoff after the first failed attempt.
    public var baseDelay: Duration
    /// The largest backoff cap.
    public var maxDelay: Duration
    /// Whether the window also follows the provider's announced concurrency limit (it always
    /// halves on "too many concurrent requests" and grows back by one per success).
    public var adaptive: Bool
    /// The most characters the run may start (`--max-characters`); `nil` for no budget.
    public var maxCharacters: Int?

    /// Creates options; counts below 1 are raised to 1.
    /// - Parameters:
    ///   - concurrency: The most attempts in flight at once.
    ///   - rate: Attempts per second, or `nil` for no limit.
    ///   - burst: Attempts that may start at once.
    ///   - maxAttempts: The most attempts per job.
    ///   - baseDelay: The first backoff cap.
    ///   - maxDelay: The largest backoff cap.
    ///   - adaptive: Whether to follow the provider's concurrency signals.
    ///   - maxCharacters: The character budget, or `nil`.
    public init(
        concurrency: Int = 4,
        rate: Double? = nil,
        burst: Int = 1,
        maxAttempts: Int = 5,
        baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(30),
        adaptive: Bool = false,
        maxCharacters: Int? = nil
    ) {
        self.concurrency = max(1, concurrency)
        self.rate = rate
        self.burst = max(1, burst)
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.adaptive = adaptive
        self.maxCharacters = maxCharacters
    }

    /// The retry policy these options describe.
    var retryPolicy: RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: maxDelay)
    }
}

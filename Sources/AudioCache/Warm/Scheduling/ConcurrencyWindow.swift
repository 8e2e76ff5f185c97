/// How many requests may be in flight now: additive increase, multiplicative decrease.
///
/// Starts at the configured maximum. Each window's worth of successes adds one; a provider's
/// "too many concurrent requests" halves it. It never goes below 1, above the configured maximum
/// or above the limit the provider announced (`maximum-concurrent-requests`).
struct ConcurrencyWindow: Sendable, Hashable {
    /// The configured maximum (`--concurrency`).
    let maximum: Int
    /// The limit the provider announced, if any.
    private(set) var providerLimit: Int?
    /// How many requests may be in flight now.
    private(set) var current: Int
    /// Successes since the window last changed.
    private var successes = 0

    /// Creates a window open to `maximum`.
    /// - Parameter maximum: The configured maximum; at least 1.
    init(maximum: Int) {
        self.maximum = max(1, maximum)
        self.current = self.maximum
    }

    /// The highest the window may go: the maximum, capped by the provider's limit.
    var ceiling: Int { min(maximum, providerLimit ?? maximum) }

    /// Records a success: after `current` of them the window grows by one, up to the ceiling.
    mutating func onSuccess() {
        successes += 1
        if successes >= current {
            successes = 0
            current = min(ceiling, current + 1)
        }
    }

    /// Records a "too many concurrent requests" answer: the window halves, to no less than 1.
    mutating func onTooManyConcurrent() {
        successes = 0
        current = max(1, current / 2)
    }

    /// Records the provider's announced limit (its `maximum-concurrent-requests` header).
    /// - Parameter limit: The limit, or `nil` when the provider stopped announcing one.
    mutating func setProviderLimit(_ limit: Int?) {
        providerLimit = limit.map { max(1, $0) }
        current = min(current, ceiling)
    }
}

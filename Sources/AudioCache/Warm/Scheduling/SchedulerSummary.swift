/// What a warm run did, in counts.
public struct SchedulerSummary: Sendable, Hashable {
    /// Jobs that succeeded.
    public var succeeded = 0
    /// Jobs that failed.
    public var failed = 0
    /// Jobs skipped because of the character budget.
    public var skippedBudget = 0
    /// Jobs skipped because their voice failed.
    public var skippedVoice = 0
    /// Jobs not started (or not retried) because the run stopped.
    public var notStarted = 0
    /// Attempts started, retries included.
    public var attempts = 0
    /// Attempts that were retries.
    public var retries = 0
    /// The run-wide error that stopped the run, if one did.
    public var stoppedBy: SpeechProviderError?
    /// Whether the run was cancelled (interrupted) before it finished.
    public var wasCancelled = false
    /// Characters of the jobs started.
    public var charactersStarted = 0
    /// The most attempts in flight at once (an attempt waiting for the rate limiter counts).
    public var maxInFlight = 0

    /// Creates an empty summary.
    public init() {}

    /// Jobs with an outcome.
    public var total: Int { succeeded + failed + skippedBudget + skippedVoice + notStarted }

    /// Counts one outcome.
    /// - Parameter outcome: The outcome.
    public mutating func count(_ outcome: JobOutcome) {
        switch outcome {
        case .succeeded: succeeded += 1
        case .failed: failed += 1
        case .skippedBudget: skippedBudget += 1
        case .skippedVoice: skippedVoice += 1
        case .notStarted: notStarted += 1
        }
    }
}

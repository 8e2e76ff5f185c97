/// What a warm run did, in counts.
struct SchedulerSummary: Sendable, Hashable {
    /// Jobs that succeeded.
    var succeeded = 0
    /// Jobs that failed.
    var failed = 0
    /// Jobs skipped because of the character budget.
    var skippedBudget = 0
    /// Jobs skipped because their voice failed.
    var skippedVoice = 0
    /// Jobs not started (or not retried) because the run stopped.
    var notStarted = 0
    /// Attempts started, retries included.
    var attempts = 0
    /// Attempts that were retries.
    var retries = 0
    /// The run-wide error that stopped the run, if one did.
    var stoppedBy: SpeechProviderError?
    /// Whether the run was cancelled (interrupted) before it finished.
    var wasCancelled = false
    /// Characters of the jobs started.
    var charactersStarted = 0
    /// The most attempts in flight at once (an attempt waiting for the rate limiter counts).
    var maxInFlight = 0

    /// Creates an empty summary.
    init() {}

    /// Jobs with an outcome.
    var total: Int { succeeded + failed + skippedBudget + skippedVoice + notStarted }

    /// Counts one outcome.
    /// - Parameter outcome: The outcome.
    mutating func count(_ outcome: JobOutcome) {
        switch outcome {
        case .succeeded: succeeded += 1
        case .failed: failed += 1
        case .skippedBudget: skippedBudget += 1
        case .skippedVoice: skippedVoice += 1
        case .notStarted: notStarted += 1
        }
    }
}

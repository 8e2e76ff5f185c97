/// How one job of a warm run ended. Every job gets exactly one.
enum JobOutcome: Sendable, Hashable {
    /// An attempt succeeded.
    case succeeded(attempts: Int)
    /// The provider refused it for good, or it failed every attempt it was allowed.
    case failed(SpeechProviderError, attempts: Int)
    /// Starting it would have passed the character budget.
    case skippedBudget
    /// Another job of its voice failed with this voice error, so it was not started.
    case skippedVoice(SpeechProviderError)
    /// The run stopped (a run-wide error, or cancellation) before it was started, or before it
    /// was tried again after a passing failure; the reason says why.
    case notStarted(String)
}

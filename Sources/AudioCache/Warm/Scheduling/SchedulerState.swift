/// The decisions of a warm run, as a plain value: which job starts next, what an attempt's result
/// means, and when the run is over. `WarmScheduler` performs what it returns (starts attempts,
/// sleeps on the clock, reports outcomes); this type does no I/O and never waits.
struct SchedulerState {
    /// What the scheduler should do next.
    enum Action: Equatable {
        /// Start attempt `attempt` of `job` (after the rate limiter allows it).
        case start(job: Int, attempt: Int)
        /// Report the job's outcome.
        case finish(job: Int, JobOutcome)
        /// Try the job again after `delay` (a positive duration).
        case retry(job: Int, after: Duration)
    }

    /// Why the run stopped starting jobs.
    enum Stop: Equatable {
        case error(SpeechProviderError)
        case cancelled

        var reason: String {
            switch self {
            case .error(let error): "stopped by \(error.reason)"
            case .cancelled: "interrupted"
            }
        }
    }

    let characters: [Int]
    let voices: [String]
    let options: SchedulerOptions
    let policy: RetryPolicy
    private(set) var window: ConcurrencyWindow
    private(set) var summary = SchedulerSummary()
    private(set) var stop: Stop?
    private(set) var inFlight = 0
    /// Attempts whose provider answered and whose response is being completed (stored).
    private(set) var completing = 0
    private var nextNew = 0
    private var retryReady: [Int] = []
    private var retryReadyHead = 0
    private var waitingRetries = 0
    private var attempts: [Int]
    private var failedVoices: [String: SpeechProviderError] = [:]

    init(characters: [Int], voices: [String], options: SchedulerOptions) {
        self.characters = characters
        self.voices = voices
        self.options = options
        self.policy = options.retryPolicy
        self.window = ConcurrencyWindow(maximum: options.concurrency)
        self.attempts = Array(repeating: 0, count: characters.count)
    }

    /// How many attempts may be in flight now: the window, which a provider's "too many concurrent
    /// requests" always halves and successes grow back by one, never above `concurrency`.
    var limit: Int { min(options.concurrency, window.current) }

    /// Whether every job has its outcome and nothing is in flight or waiting.
    var isDone: Bool {
        nextNew == characters.count && retryReadyHead == retryReady.count && waitingRetries == 0 && inFlight == 0
            && completing == 0
    }

    /// Whether the run has stopped and only jobs waiting to retry remain: their sleeps should be cut
    /// short.
    var shouldWakeWaitingRetries: Bool { stop != nil && inFlight == 0 && completing == 0 && waitingRetries > 0 }

    /// The run was cancelled: start nothing more.
    mutating func cancel() {
        summary.wasCancelled = true
        if stop == nil { stop = .cancelled }
    }

    /// The next thing to do without waiting for an attempt to end, or `nil` when there is none.
    mutating func next() -> Action? {
        if let stop {
            if let job = popRetry() { return finish(job, .notStarted(stop.reason)) }
            guard nextNew < characters.count else { return nil }
            nextNew += 1
            return finish(nextNew - 1, .notStarted(stop.reason))
        }
        if retryReadyHead < retryReady.count {
            let job = retryReady[retryReadyHead]
            if let error = failedVoices[voices[job]] {
                _ = popRetry()
                return finish(job, .skippedVoice(error))
            }
            guard inFlight < limit else { return nil }
            _ = popRetry()
            return start(job)
        }
        guard nextNew < characters.count else { return nil }
        let job = nextNew
        if let error = failedVoices[voices[job]] {
            nextNew += 1
            return finish(job, .skippedVoice(error))
        }
        if let budget = options.maxCharacters, summary.charactersStarted + characters[job] > budget {
            nextNew += 1
            return finish(job, .skippedBudget)
        }
        guard inFlight < limit else { return nil }
        nextNew += 1
        summary.charactersStarted += characters[job]
        return start(job)
    }

    /// A job's provider answered: its slot is free while the response is completed, and what it
    /// said about its limits applies to the next starts.
    mutating func responded(job: Int, feedback: AttemptFeedback) {
        inFlight -= 1
        completing += 1
        if options.adaptive, let limit = feedback.providerConcurrencyLimit { window.setProviderLimit(limit) }
    }

    /// Completing the response of a job whose provider answered (``responded(job:feedback:)``) ended.
    /// - Returns: The job's outcome, or when to try it again.
    mutating func completed(
        job: Int,
        result: Result<AttemptFeedback, SpeechProviderError>,
        random: inout some RandomNumberGenerator
    ) -> Action {
        completing -= 1
        return decide(job: job, result: result, random: &random)
    }

    /// An attempt ended before its provider answered (its request failed).
    /// - Returns: The job's outcome, or when to try it again.
    mutating func attempted(
        job: Int,
        result: Result<AttemptFeedback, SpeechProviderError>,
        random: inout some RandomNumberGenerator
    ) -> Action {
        inFlight -= 1
        return decide(job: job, result: result, random: &random)
    }

    /// What an ended attempt means: the job's outcome, or when to try it again.
    private mutating func decide(
        job: Int,
        result: Result<AttemptFeedback, SpeechProviderError>,
        random: inout some RandomNumberGenerator
    ) -> Action {
        let error: SpeechProviderError
        switch result {
        case .success(let feedback):
            // Following the provider's announced limit is what `adaptive` adds.
            if options.adaptive, let limit = feedback.providerConcurrencyLimit { window.setProviderLimit(limit) }
            window.onSuccess()
            return finish(job, .succeeded(attempts: attempts[job]))
        case .failure(let failure):
            error = failure
        }
        let retryAfter: Duration?
        switch error.scope {
        case .run:
            if stop == nil || stop == .cancelled {
                stop = .error(error)
                summary.stoppedBy = error
            }
            return finish(job, .failed(error, attempts: attempts[job]))
        case .voice:
            if failedVoices[voices[job]] == nil { failedVoices[voices[job]] = error }
            return finish(job, .failed(error, attempts: attempts[job]))
        case .phrase:
            return finish(job, .failed(error, attempts: attempts[job]))
        case .transient(let after):
            retryAfter = after
        case .tooManyConcurrent(let after):
            window.onTooManyConcurrent()
            retryAfter = after
        }
        if let stop { return finish(job, .notStarted(stop.reason)) }
        guard let delay = policy.delay(afterAttempt: attempts[job], retryAfter: retryAfter, random: &random) else {
            return finish(job, .failed(error, attempts: attempts[job]))
        }
        waitingRetries += 1
        return .retry(job: job, after: delay)
    }

    /// A job's retry delay is over (or was cut short).
    /// - Returns: The job's outcome when it will not be tried again.
    mutating func retryDue(job: Int) -> Action? {
        waitingRetries -= 1
        if let stop { return finish(job, .notStarted(stop.reason)) }
        retryReady.append(job)
        return nil
    }

    /// A started attempt was given up before it reached the provider (the run was cancelled while
    /// it waited for the rate limiter).
    /// - Returns: The job's outcome.
    mutating func abandoned(job: Int) -> Action {
        inFlight -= 1
        attempts[job] -= 1
        summary.attempts -= 1
        if attempts[job] == 0 {
            summary.charactersStarted -= characters[job]
        } else {
            summary.retries -= 1
        }
        if stop == nil { cancel() }
        return finish(job, .notStarted(stop?.reason ?? Stop.cancelled.reason))
    }

    private mutating func popRetry() -> Int? {
        guard retryReadyHead < retryReady.count else { return nil }
        let job = retryReady[retryReadyHead]
        retryReadyHead += 1
        if retryReadyHead == retryReady.count {
            retryReady.removeAll(keepingCapacity: true)
            retryReadyHead = 0
        }
        return job
    }

    private mutating func start(_ job: Int) -> Action {
        inFlight += 1
        summary.maxInFlight = max(summary.maxInFlight, inFlight)
        attempts[job] += 1
        summary.attempts += 1
        if attempts[job] > 1 { summary.retries += 1 }
        return .start(job: job, attempt: attempts[job])
    }

    private mutating func finish(_ job: Int, _ outcome: JobOutcome) -> Action {
        summary.count(outcome)
        return .finish(job: job, outcome)
    }
}

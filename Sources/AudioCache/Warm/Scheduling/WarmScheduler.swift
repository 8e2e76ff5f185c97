import Synchronization

/// Runs a warm's jobs against a provider: bounded concurrency, a rate limit, retries with backoff,
/// a character budget, and what a failure means for the others.
///
/// The decisions live in a plain value (which job starts next, what an error means); this type
/// only performs them: it starts attempts in a task group, sleeps on the injected clock, and
/// reports each job's outcome once.
///
/// - At most `concurrency` attempts, and at most the concurrency window, are in flight, ever.
/// - Every attempt, retries included, waits for the token bucket (`rate`, `burst`).
/// - A job whose characters would take the run past `maxCharacters` is not started.
/// - Passing failures are retried after a backoff, without holding a slot while they wait;
///   "too many concurrent requests" also halves the window, which successes grow back by one
///   (AIMD, never above `concurrency`); when adaptive, the window also follows the provider's
///   announced limit (`maximum-concurrent-requests`).
/// - A voice error skips that voice's jobs not yet started; a run error stops starting anything.
/// - Cancelling the calling task stops starting attempts; attempts in flight run to their end
///   (they see the cancellation), and the jobs left are reported as not started.
public struct WarmScheduler<C: Clock<Duration>>: Sendable {
    /// How requests are paced.
    public let options: SchedulerOptions
    /// The clock the rate limiter and the backoff sleep on.
    public let clock: C
    private let random: any RandomNumberGenerator & Sendable

    /// Creates a scheduler.
    /// - Parameters:
    ///   - options: How requests are paced.
    ///   - clock: The clock to sleep on (`ContinuousClock` live, a manual clock in tests).
    ///   - random: The source of backoff jitter; each run starts from a copy of it.
    public init(
        options: SchedulerOptions,
        clock: C,
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.options = options
        self.clock = clock
        self.random = random
    }

    /// Runs every job once to an outcome.
    /// - Parameters:
    ///   - jobs: The jobs, in the order they should start.
    ///   - characters: What a job costs against the character budget.
    ///   - voice: A job's voice (a voice error skips the others of that voice).
    ///   - attempt: Makes one attempt at a job; throws what the failure means.
    ///   - finished: Told each job's outcome, exactly once per job, one call at a time from the
    ///     run's own task (keep it quick: the run waits for it).
    /// - Returns: Counts of what happened.
    public func run<Job: Sendable>(
        _ jobs: [Job],
        characters: (Job) -> Int,
        voice: (Job) -> String,
        attempt: @escaping @Sendable (Job) async throws(SpeechProviderError) -> Void,
        finished: @escaping @Sendable (Job, JobOutcome) async -> Void
    ) async -> SchedulerSummary {
        await run(
            jobs,
            characters: characters,
            voice: voice,
            attemptWithFeedback: { job throws(SpeechProviderError) in
                try await attempt(job)
                return AttemptFeedback()
            },
            finished: finished
        )
    }

    /// Runs every job once to an outcome, learning from each successful attempt what the provider
    /// said about its limits; see ``run(_:characters:voice:attempt:finished:)``.
    /// - Parameters:
    ///   - jobs: The jobs, in the order they should start.
    ///   - characters: What a job costs against the character budget.
    ///   - voice: A job's voice.
    ///   - attempt: Makes one attempt at a job and returns what the provider said.
    ///   - finished: Told each job's outcome, exactly once per job.
    /// - Returns: Counts of what happened.
    public func run<Job: Sendable>(
        _ jobs: [Job],
        characters: (Job) -> Int,
        voice: (Job) -> String,
        attemptWithFeedback attempt: @escaping @Sendable (Job) async throws(SpeechProviderError) -> AttemptFeedback,
        finished: @escaping @Sendable (Job, JobOutcome) async -> Void
    ) async -> SchedulerSummary {
        var state = SchedulerState(characters: jobs.map(characters), voices: jobs.map(voice), options: options)
        var random = self.random
        let pacer = Pacer(bucket: TokenBucket(rate: options.rate, burst: options.burst), clock: clock)
        let clock = self.clock
        await withTaskGroup(of: Event.self) { group in
            var wokeWaitingRetries = false
            func perform(_ action: SchedulerState.Action) async {
                switch action {
                case .start(let job, _):
                    let item = jobs[job]
                    group.addTask {
                        guard await pacer.waitForToken() else { return .abandoned(job) }
                        do throws(SpeechProviderError) {
                            return .attempted(job, .success(try await attempt(item)))
                        } catch {
                            return .attempted(job, .failure(error))
                        }
                    }
                case .finish(let job, let outcome):
                    await finished(jobs[job], outcome)
                case .retry(let job, let delay):
                    if delay <= .zero {
                        if let action = state.retryDue(job: job) { await perform(action) }
                    } else {
                        let deadline = clock.now.advanced(by: delay)
                        group.addTask {
                            try? await clock.sleep(until: deadline, tolerance: nil)
                            return .retryDue(job)
                        }
                    }
                }
            }
            while true {
                if Task.isCancelled { state.cancel() }
                if state.stop != nil { pacer.stop() }
                while let action = state.next() { await perform(action) }
                if state.isDone { break }
                if state.shouldWakeWaitingRetries, !wokeWaitingRetries {
                    wokeWaitingRetries = true
                    group.cancelAll()
                }
                guard let event = await group.next() else { break }
                switch event {
                case .attempted(let job, let result):
                    await perform(state.attempted(job: job, result: result, random: &random))
                case .retryDue(let job):
                    if let action = state.retryDue(job: job) { await perform(action) }
                case .abandoned(let job):
                    await perform(state.abandoned(job: job))
                }
            }
        }
        return state.summary
    }

    /// What a child task of the run reports.
    private enum Event: Sendable {
        case attempted(Int, Result<AttemptFeedback, SpeechProviderError>)
        case retryDue(Int)
        case abandoned(Int)
    }
}

/// The token bucket shared by the attempts of a run, and the clock they wait on.
///
/// A token is taken and the attempt started in one step with no suspension between, after any
/// wait: the time the bucket saw is the time the attempt starts.
private final class Pacer<C: Clock<Duration>>: Sendable {
    private let bucket: Mutex<(bucket: TokenBucket, stopped: Bool)>
    private let clock: C
    private let origin: C.Instant

    init(bucket: TokenBucket, clock: C) {
        self.bucket = Mutex((bucket, false))
        self.clock = clock
        self.origin = clock.now
    }

    /// The run stopped: attempts still waiting for a token give up.
    func stop() {
        bucket.withLock { $0.stopped = true }
    }

    /// Waits until the bucket has a token, and takes it.
    /// - Returns: `false` when the task was cancelled or the run stopped first (no token taken).
    func waitForToken() async -> Bool {
        while !Task.isCancelled {
            let now = clock.now
            let offset = origin.duration(to: now)
            let wait: Duration? = bucket.withLock { state in
                guard !state.stopped else { return nil }
                let wait = state.bucket.delay(at: offset)
                if wait == .zero { _ = state.bucket.take(at: offset) }
                return wait
            }
            guard let wait else { return false }
            if wait == .zero { return true }
            do {
                try await clock.sleep(until: now.advanced(by: wait), tolerance: nil)
            } catch {
                return false
            }
        }
        return false
    }
}

/// What a successful attempt learned about the provider.
public struct AttemptFeedback: Sendable, Hashable {
    /// The most requests the provider accepts at once, when it said (caps the window when adaptive).
    public var providerConcurrencyLimit: Int?

    /// Creates feedback.
    /// - Parameter providerConcurrencyLimit: The provider's concurrency limit, if it sent one.
    public init(providerConcurrencyLimit: Int? = nil) {
        self.providerConcurrencyLimit = providerConcurrencyLimit
    }
}

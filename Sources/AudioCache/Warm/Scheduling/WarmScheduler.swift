import Synchronization

/// Runs a warm's jobs against a provider: bounded concurrency, a rate limit, retries with backoff,
/// a character budget, and what a failure means for the others.
///
/// The decisions live in a plain value (which job starts next, what an error means); this type
/// only performs them: it starts attempts in a task group, sleeps on the injected clock, and
/// reports each job's outcome once.
///
/// - At most `concurrency` attempts, and at most the concurrency window, are in flight, ever; an
///   attempt holds its slot until the provider has answered, not while its response is stored.
/// - Every attempt, retries included, waits for the token bucket (`rate`, `burst` plus the one
///   token an attempt that asked late may take back), and no one-second window ever holds more
///   starts than the rate rounded up (or the burst, if larger).
/// - A job whose characters would take the run past `maxCharacters` is not started.
/// - Passing failures are retried after a backoff, without holding a slot while they wait;
///   "too many concurrent requests" also halves the window, which successes grow back by one
///   (AIMD, never above `concurrency`); when adaptive, the window also follows the provider's
///   announced limit (`maximum-concurrent-requests`).
/// - A voice error skips that voice's jobs not yet started; a run error stops starting anything.
/// - Cancelling the calling task stops starting attempts; attempts in flight run to their end
///   (they see the cancellation), and the jobs left are reported as not started.
struct WarmScheduler<C: Clock<Duration>>: Sendable {
    /// How requests are paced.
    let options: SchedulerOptions
    /// The clock the rate limiter and the backoff sleep on.
    let clock: C
    private let random: any RandomNumberGenerator & Sendable

    /// Creates a scheduler.
    /// - Parameters:
    ///   - options: How requests are paced.
    ///   - clock: The clock to sleep on (`ContinuousClock` live, a manual clock in tests).
    ///   - random: The source of backoff jitter; each run starts from a copy of it.
    init(
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
    func run<Job: Sendable>(
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
    func run<Job: Sendable>(
        _ jobs: [Job],
        characters: (Job) -> Int,
        voice: (Job) -> String,
        attemptWithFeedback attempt: @escaping @Sendable (Job) async throws(SpeechProviderError) -> AttemptFeedback,
        finished: @escaping @Sendable (Job, JobOutcome) async -> Void
    ) async -> SchedulerSummary {
        await run(
            jobs,
            characters: characters,
            voice: voice,
            request: { job throws(SpeechProviderError) in
                AttemptCompletion(feedback: try await attempt(job)) { () throws(SpeechProviderError) in }
            },
            finished: finished
        )
    }

    /// Runs every job once to an outcome, each attempt in two steps: the request, which holds one of
    /// the `concurrency` slots, and what is done with its response (storing it), which holds none,
    /// so that a slot is free again as soon as the provider has answered.
    /// - Parameters:
    ///   - jobs: The jobs, in the order they should start.
    ///   - characters: What a job costs against the character budget.
    ///   - voice: A job's voice.
    ///   - request: Sends one attempt's request and returns what completes it: a function that does
    ///     what the response is for and returns what the provider said (an error it throws counts
    ///     as the attempt's).
    ///   - finished: Told each job's outcome, exactly once per job.
    /// - Returns: Counts of what happened.
    func run<Job: Sendable>(
        _ jobs: [Job],
        characters: (Job) -> Int,
        voice: (Job) -> String,
        request: @escaping @Sendable (Job) async throws(SpeechProviderError) -> AttemptCompletion,
        finished: @escaping @Sendable (Job, JobOutcome) async -> Void
    ) async -> SchedulerSummary {
        var state = SchedulerState(characters: jobs.map(characters), voices: jobs.map(voice), options: options)
        var random = self.random
        // The bucket holds one token more than the burst: an attempt that asks late because every
        // slot was busy takes the token it missed instead of restarting the schedule from now,
        // which would lose the time (about 3% of the rate at 5 slots, 20/s and 100-300 ms answers).
        // The strict side is the one-second window, which no start passes.
        let pacer = Pacer(
            bucket: TokenBucket(rate: options.rate, burst: options.burst + 1),
            window: StartWindow(rate: options.rate, burst: options.burst),
            clock: clock
        )
        let clock = self.clock
        await withTaskGroup(of: SchedulerEvent.self) { group in
            var wokeWaitingRetries = false
            func perform(_ action: SchedulerState.Action) async {
                switch action {
                case .start(let job, _):
                    let item = jobs[job]
                    group.addTask {
                        guard await pacer.waitForTurn() else { return .abandoned(job) }
                        return await SchedulerEvent.request(job) { () throws(SpeechProviderError) in
                            try await request(item)
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
                case .responded(let job, let complete):
                    state.responded(job: job, feedback: complete.feedback)
                    group.addTask { await SchedulerEvent.complete(job, complete) }
                case .attempted(let job, let result):
                    await perform(state.attempted(job: job, result: result, random: &random))
                case .completed(let job, let result):
                    await perform(state.completed(job: job, result: result, random: &random))
                case .retryDue(let job):
                    if let action = state.retryDue(job: job) { await perform(action) }
                case .abandoned(let job):
                    await perform(state.abandoned(job: job))
                }
            }
        }
        return state.summary
    }
}

/// What a child task of a scheduler's run reports.
private enum SchedulerEvent: Sendable {
    /// The provider answered: the slot is free, the response is yet to be completed.
    case responded(Int, AttemptCompletion)
    /// The request failed.
    case attempted(Int, Result<AttemptFeedback, SpeechProviderError>)
    /// The response was completed, or completing it failed.
    case completed(Int, Result<AttemptFeedback, SpeechProviderError>)
    case retryDue(Int)
    case abandoned(Int)

    /// What sending a request gave.
    static func request(
        _ job: Int,
        _ body: () async throws(SpeechProviderError) -> AttemptCompletion
    ) async -> SchedulerEvent {
        do throws(SpeechProviderError) {
            return .responded(job, try await body())
        } catch {
            return .attempted(job, .failure(error))
        }
    }

    /// What completing a response gave.
    static func complete(
        _ job: Int,
        _ body: AttemptCompletion
    ) async -> SchedulerEvent {
        do throws(SpeechProviderError) {
            try await body.run()
            return .completed(job, .success(body.feedback))
        } catch {
            return .completed(job, .failure(error))
        }
    }
}

/// The rate limits shared by the attempts of a run, and the clock they wait on.
///
/// An attempt reserves its start on the token bucket's schedule as soon as it asks, and sleeps
/// until then: a task that wakes a little late does not push the schedule back for the others, so
/// the run keeps its rate. Before it starts it checks the one-second window (``StartWindow``),
/// where the lateness of the start before may make it wait a moment more: the rate is never
/// passed in any window.
private final class Pacer<C: Clock<Duration>>: Sendable {
    private struct Limits {
        var bucket: TokenBucket
        var window: StartWindow
        var stopped = false
    }

    private let limits: Mutex<Limits>
    private let clock: C
    private let origin: C.Instant

    init(bucket: TokenBucket, window: StartWindow, clock: C) {
        self.limits = Mutex(Limits(bucket: bucket, window: window))
        self.clock = clock
        self.origin = clock.now
    }

    /// The run stopped: attempts still waiting for their turn give up.
    func stop() {
        limits.withLock { $0.stopped = true }
    }

    /// Waits for the attempt's turn, and takes it.
    /// - Returns: `false` when the task was cancelled or the run stopped first.
    func waitForTurn() async -> Bool {
        let reserved: Duration? = limits.withLock { limits in
            guard !limits.stopped else { return nil }
            let now = origin.duration(to: clock.now)
            return now + limits.bucket.take(at: now)
        }
        guard var due = reserved else { return false }
        while !Task.isCancelled {
            // Never sleep until an instant that is already now: a test clock would park the task.
            if origin.duration(to: clock.now) < due {
                do {
                    try await clock.sleep(until: origin.advanced(by: due), tolerance: nil)
                } catch {
                    return false
                }
            }
            let next: Duration? = limits.withLock { limits in
                guard !limits.stopped else { return nil }
                let now = origin.duration(to: clock.now)
                let allowed = limits.window.earliestStart(at: now)
                guard allowed <= now else { return allowed }
                limits.window.record(start: now)
                return .zero
            }
            guard let next else { return false }
            if next == .zero { return true }
            due = next
        }
        return false
    }
}

/// What a provider's answer said about its limits, and what completes the attempt (storing the
/// audio) once its slot is free again.
struct AttemptCompletion: Sendable {
    /// What the provider said, applied as soon as it answered.
    var feedback: AttemptFeedback
    /// Completes the attempt; what it throws counts as the attempt's failure.
    let run: @Sendable () async throws(SpeechProviderError) -> Void
}

/// What a successful attempt learned about the provider.
struct AttemptFeedback: Sendable, Hashable {
    /// The most requests the provider accepts at once, when it said (caps the window when adaptive).
    var providerConcurrencyLimit: Int?

    /// Creates feedback.
    /// - Parameter providerConcurrencyLimit: The provider's concurrency limit, if it sent one.
    init(providerConcurrencyLimit: Int? = nil) {
        self.providerConcurrencyLimit = providerConcurrencyLimit
    }
}

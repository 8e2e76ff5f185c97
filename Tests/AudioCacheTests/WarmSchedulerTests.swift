import AudioCacheTestSupport
import Synchronization
import Testing

@testable import AudioCache

/// The warm scheduler on a manual clock: limits, retries, failures that skip or stop, budgets,
/// cancellation. Assertions are invariants (in flight, spacing, one outcome per job), not times.
@Suite(.timeLimit(.minutes(1))) struct WarmSchedulerTests {
    struct Job: Sendable, Hashable {
        var id: Int
        var voice = "v"
        var characters = 10
    }

    /// What the fake provider saw, counted synchronously at the start of each attempt.
    final class Recorder: Sendable {
        struct State {
            var inFlight = 0
            var maxInFlight = 0
            var starts: [(job: Int, at: Duration)] = []
            var attempts: [Int: Int] = [:]
            var outcomes: [Int: [JobOutcome]] = [:]
        }
        let state = Mutex(State())

        /// Records a start; returns the job's attempt number.
        func begin(_ job: Int, at now: Duration) -> Int {
            state.withLock { state in
                state.inFlight += 1
                state.maxInFlight = max(state.maxInFlight, state.inFlight)
                state.starts.append((job, now))
                state.attempts[job, default: 0] += 1
                return state.attempts[job, default: 0]
            }
        }

        func end() { state.withLock { $0.inFlight -= 1 } }
        func finished(_ job: Int, _ outcome: JobOutcome) {
            state.withLock { $0.outcomes[job, default: []].append(outcome) }
        }
        var snapshot: State { state.withLock { $0 } }
    }

    static func jobs(_ count: Int) -> [Job] { (0..<count).map { Job(id: $0) } }

    /// Runs `jobs` on a manual clock; `fail(job, attempt)` says what an attempt throws.
    static func run(
        _ jobs: [Job],
        options: SchedulerOptions,
        fail: @escaping @Sendable (Int, Int) -> SpeechProviderError? = { _, _ in nil },
        latency: @escaping @Sendable (Int) -> Duration = { _ in .milliseconds(100) }
    ) async -> (SchedulerSummary, Recorder.State) {
        let clock = ManualTestClock()
        let recorder = Recorder()
        let scheduler = WarmScheduler(options: options, clock: clock, random: SplitMix64(seed: 42))
        let summary = await clock.run {
            await scheduler.run(
                jobs,
                characters: { (job: Job) in job.characters },
                voice: { (job: Job) in job.voice },
                attempt: { job throws(SpeechProviderError) in
                    let attempt = recorder.begin(job.id, at: clock.now.offset)
                    defer { recorder.end() }
                    try? await clock.sleep(for: latency(job.id))
                    if let error = fail(job.id, attempt) { throw error }
                },
                finished: { job, outcome in recorder.finished(job.id, outcome) }
            )
        }
        let seen = recorder.snapshot
        #expect(seen.outcomes.count == jobs.count && seen.outcomes.values.allSatisfy { $0.count == 1 })
        #expect(summary.total == jobs.count)
        #expect(summary.attempts == seen.starts.count)
        #expect(seen.maxInFlight <= options.concurrency && summary.maxInFlight <= options.concurrency)
        return (summary, seen)
    }

    static func outcome(_ seen: Recorder.State, _ job: Int) -> JobOutcome? { seen.outcomes[job]?.first }

    @Test func keepsToConcurrencyAndRate() async {
        let options = SchedulerOptions(concurrency: 3, rate: 10, burst: 2)
        let (summary, seen) = await Self.run(
            Self.jobs(60),
            options: options,
            latency: { .milliseconds(50 + $0 * 37 % 400) }
        )
        #expect(summary.succeeded == 60 && summary.attempts == 60 && summary.retries == 0)
        let interval = Duration.milliseconds(100)
        // The bucket holds one token more than the burst (a late start takes back the one it
        // missed); no one-second window holds more than the rate.
        #expect(SchedulingPropertyTests.respectsBucket(seen.starts.map(\.at), burst: 3, interval: interval))
        let starts = seen.starts.map(\.at).sorted()
        #expect(starts.indices.allSatisfy { i in starts[i...].prefix { $0 - starts[i] < .seconds(1) }.count <= 10 })
        #expect(seen.maxInFlight >= 2)
    }

    @Test func fillsTheConcurrencyWithoutARate() async {
        let (summary, seen) = await Self.run(
            Self.jobs(30),
            options: SchedulerOptions(concurrency: 4),
            latency: { _ in .seconds(1) }
        )
        #expect(summary.succeeded == 30)
        #expect(seen.maxInFlight == 4 && summary.maxInFlight == 4)
    }

    @Test func retriesPassingFailuresThenGivesUp() async {
        let busy = SpeechProviderError(.transient(retryAfter: nil), reason: "system_busy", "busy")
        let options = SchedulerOptions(concurrency: 2, maxAttempts: 4)
        let (summary, seen) = await Self.run(Self.jobs(6), options: options) { job, attempt in
            job == 0 || (job == 1 && attempt <= 2) ? busy : nil
        }
        #expect(Self.outcome(seen, 0) == .failed(busy, attempts: 4))
        #expect(Self.outcome(seen, 1) == .succeeded(attempts: 3))
        #expect(summary.succeeded == 5 && summary.failed == 1)
        #expect(summary.retries == 5 && summary.attempts == 11)
    }

    @Test func honoursRetryAfter() async {
        let limited = SpeechProviderError(.transient(retryAfter: .seconds(10)), reason: "rate_limited", "wait")
        let options = SchedulerOptions(concurrency: 1, baseDelay: .milliseconds(10))
        let (summary, seen) = await Self.run(
            Self.jobs(1),
            options: options,
            fail: { _, attempt in attempt == 1 ? limited : nil },
            latency: { _ in .zero }
        )
        #expect(summary.succeeded == 1 && summary.retries == 1)
        #expect(seen.starts.count == 2 && seen.starts[1].at - seen.starts[0].at >= .seconds(10))
    }

    @Test func tooManyConcurrentShrinksTheWindow() async {
        let crowded = SpeechProviderError(
            .tooManyConcurrent(retryAfter: nil),
            reason: "too_many_concurrent_requests",
            ""
        )
        let options = SchedulerOptions(concurrency: 8, adaptive: true)
        let (summary, _) = await Self.run(Self.jobs(40), options: options) { job, attempt in
            job < 8 && attempt == 1 ? crowded : nil
        }
        #expect(summary.succeeded == 40 && summary.retries == 8)
        var state = SchedulerState(characters: [1, 1, 1], voices: ["v", "v", "v"], options: options)
        var random = SplitMix64(seed: 1)
        #expect(state.next() == .start(job: 0, attempt: 1))
        _ = state.attempted(job: 0, result: .failure(crowded), random: &random)
        #expect(state.limit == 4)
    }

    @Test func aRunErrorStopsStartingButLetsInFlightFinish() async {
        let badKey = SpeechProviderError(.run, reason: "invalid_api_key", "the API key was refused")
        let options = SchedulerOptions(concurrency: 2)
        let (summary, seen) = await Self.run(
            Self.jobs(20),
            options: options,
            fail: { job, _ in job == 3 ? badKey : nil },
            latency: { $0 == 3 ? .zero : .seconds(1) }
        )
        #expect(Set(seen.starts.map(\.job)) == [0, 1, 2, 3])
        #expect((0...2).allSatisfy { Self.outcome(seen, $0) == .succeeded(attempts: 1) })
        #expect(Self.outcome(seen, 3) == .failed(badKey, attempts: 1))
        #expect((4..<20).allSatisfy { Self.outcome(seen, $0) == .notStarted("stopped by invalid_api_key") })
        #expect(summary.stoppedBy == badKey && summary.notStarted == 16)
    }

    @Test func aRunErrorAbandonsRetriesWaiting() async {
        let badKey = SpeechProviderError(.run, reason: "quota_exceeded", "out of characters")
        let busy = SpeechProviderError(.transient(retryAfter: .seconds(20)), reason: "system_busy", "busy")
        let (summary, seen) = await Self.run(
            Self.jobs(5),
            options: SchedulerOptions(concurrency: 2),
            fail: { job, _ in job == 0 ? busy : job == 1 ? badKey : nil },
            latency: { $0 == 1 ? .milliseconds(50) : .milliseconds(100) }
        )
        #expect(Self.outcome(seen, 0) == .notStarted("stopped by quota_exceeded"))
        #expect(summary.notStarted == 4 && summary.failed == 1 && seen.starts.count == 2)
    }

    @Test func aVoiceErrorSkipsThatVoice() async {
        let missing = SpeechProviderError(.voice, reason: "voice_not_found", "no voice a")
        let jobs = (0..<10).map { Job(id: $0, voice: $0.isMultiple(of: 2) ? "a" : "b") }
        let (summary, seen) = await Self.run(jobs, options: SchedulerOptions(concurrency: 1)) { job, _ in
            job == 2 ? missing : nil
        }
        #expect(Self.outcome(seen, 0) == .succeeded(attempts: 1))
        #expect(Self.outcome(seen, 2) == .failed(missing, attempts: 1))
        #expect([4, 6, 8].allSatisfy { Self.outcome(seen, $0) == .skippedVoice(missing) })
        #expect([1, 3, 5, 7, 9].allSatisfy { Self.outcome(seen, $0) == .succeeded(attempts: 1) })
        #expect(summary.skippedVoice == 3 && summary.failed == 1 && summary.succeeded == 6)
    }

    @Test func aPhraseErrorFailsOnlyThatPhrase() async {
        let rejected = SpeechProviderError(.phrase, reason: "unprocessable", "422")
        let (summary, seen) = await Self.run(Self.jobs(5), options: SchedulerOptions(concurrency: 2)) { job, _ in
            job == 1 ? rejected : nil
        }
        #expect(Self.outcome(seen, 1) == .failed(rejected, attempts: 1))
        #expect(summary.succeeded == 4 && summary.attempts == 5)
    }

    @Test func skipsWhatWouldPassTheBudget() async {
        let jobs = [10, 10, 20, 10, 5, 1].enumerated().map { Job(id: $0.offset, characters: $0.element) }
        let (summary, seen) = await Self.run(jobs, options: SchedulerOptions(concurrency: 2, maxCharacters: 35))
        #expect(Self.outcome(seen, 2) == .skippedBudget && Self.outcome(seen, 5) == .skippedBudget)
        #expect(summary.succeeded == 4 && summary.skippedBudget == 2 && summary.charactersStarted == 35)
    }

    @Test func cancellationStopsStarting() async {
        let clock = ManualTestClock()
        let recorder = Recorder()
        let scheduler = WarmScheduler(options: SchedulerOptions(concurrency: 2), clock: clock)
        let (summary, startsAtCancel) = await clock.run {
            await withTaskGroup(of: SchedulerSummary?.self) { group -> (SchedulerSummary?, Int) in
                group.addTask {
                    await scheduler.run(
                        Self.jobs(20),
                        characters: { (job: Job) in job.characters },
                        voice: { (job: Job) in job.voice },
                        attempt: { job throws(SpeechProviderError) in
                            _ = recorder.begin(job.id, at: clock.now.offset)
                            defer { recorder.end() }
                            try? await clock.sleep(for: .seconds(1))
                        },
                        finished: { job, outcome in recorder.finished(job.id, outcome) }
                    )
                }
                while recorder.snapshot.starts.count < 4 { await ManualTestClock.settle() }
                let startsAtCancel = recorder.snapshot.starts.count
                group.cancelAll()
                return (await group.next() ?? nil, startsAtCancel)
            }
        }
        let seen = recorder.snapshot
        #expect(summary?.wasCancelled == true)
        #expect(startsAtCancel < 20 && seen.starts.count <= startsAtCancel + 2)
        #expect(seen.outcomes.count == 20 && seen.outcomes.values.allSatisfy { $0.count == 1 })
        #expect(summary?.succeeded == seen.starts.count)
        #expect(summary?.notStarted == 20 - seen.starts.count)
        #expect(seen.outcomes[19]?.first == .notStarted("interrupted"))
    }

    @Test func runsOnTheRealClock() async {
        let recorder = Recorder()
        let busy = SpeechProviderError(.transient(retryAfter: nil), reason: "timeout", "slow")
        let options = SchedulerOptions(concurrency: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
        let scheduler = WarmScheduler(options: options, clock: ContinuousClock())
        let summary = await scheduler.run(
            Self.jobs(12),
            characters: { (job: Job) in job.characters },
            voice: { (job: Job) in job.voice },
            attempt: { job throws(SpeechProviderError) in
                let attempt = recorder.begin(job.id, at: .zero)
                defer { recorder.end() }
                try? await Task.sleep(for: .milliseconds(2))
                if job.id == 5 && attempt == 1 { throw busy }
            },
            finished: { job, outcome in recorder.finished(job.id, outcome) }
        )
        #expect(summary.succeeded == 12 && summary.retries == 1)
        #expect(recorder.snapshot.maxInFlight <= 3)
    }
}

extension WarmSchedulerTests {
    /// A slot is held while the provider works, not while its response is stored: with two slots,
    /// requests of 100 ms and stores of 1 s, more than two jobs are under way at once, never more
    /// than two requests.
    @Test func aSlotIsFreeAgainOnceTheProviderHasAnswered() async {
        let clock = ManualTestClock()
        let requests = Recorder()
        let underWay = Recorder()
        let scheduler = WarmScheduler(options: SchedulerOptions(concurrency: 2), clock: clock)
        let summary = await clock.run {
            await scheduler.run(
                Self.jobs(10),
                characters: { (job: Job) in job.characters },
                voice: { (job: Job) in job.voice },
                request: { job throws(SpeechProviderError) in
                    _ = requests.begin(job.id, at: clock.now.offset)
                    _ = underWay.begin(job.id, at: clock.now.offset)
                    defer { requests.end() }
                    try? await clock.sleep(for: .milliseconds(100))
                    return AttemptCompletion(feedback: AttemptFeedback()) { () throws(SpeechProviderError) in
                        defer { underWay.end() }
                        try? await clock.sleep(for: .seconds(1))
                        if job.id == 3 { throw SpeechProviderError(.phrase, reason: "bad_audio", "unreadable") }
                    }
                },
                finished: { job, outcome in requests.finished(job.id, outcome) }
            )
        }
        #expect(summary.succeeded == 9 && summary.failed == 1)
        #expect(requests.snapshot.maxInFlight == 2 && summary.maxInFlight == 2)
        #expect(underWay.snapshot.maxInFlight > 2)
        #expect(requests.snapshot.outcomes.values.allSatisfy { $0.count == 1 })
        #expect(
            Self.outcome(requests.snapshot, 3)
                == .failed(SpeechProviderError(.phrase, reason: "bad_audio", "unreadable"), attempts: 1)
        )
    }

    /// On the real clock tasks wake late; the rate holds in every one-second window all the same.
    @Test func theRateHoldsInEveryOneSecondWindowOnTheRealClock() async {
        let recorder = Recorder()
        let clock = ContinuousClock()
        let origin = clock.now
        let scheduler = WarmScheduler(options: SchedulerOptions(concurrency: 4, rate: 40), clock: clock)
        let summary = await scheduler.run(
            Self.jobs(70),
            characters: { (job: Job) in job.characters },
            voice: { (job: Job) in job.voice },
            attempt: { job throws(SpeechProviderError) in
                _ = recorder.begin(job.id, at: origin.duration(to: clock.now))
                defer { recorder.end() }
                try? await Task.sleep(for: .milliseconds(Int64(20 + job.id * 7 % 60)))
            },
            finished: { job, outcome in recorder.finished(job.id, outcome) }
        )
        #expect(summary.succeeded == 70)
        let starts = recorder.snapshot.starts.map(\.at).sorted()
        for (index, start) in starts.enumerated() where index + 40 < starts.count {
            #expect(starts[index + 40] - start >= .seconds(1), "41 starts within a second from \(start)")
        }
    }
}

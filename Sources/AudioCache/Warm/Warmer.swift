import Foundation
import Logging
import Synchronization

/// Options of a warm run.
public struct WarmOptions: Sendable {
    /// Concurrency, rate, retries and the character budget.
    public var scheduler: SchedulerOptions
    /// Whether to leave stale entries (rendered with another model, format or settings) as they are.
    public var keepStale: Bool
    /// Voices known before the run to be unusable, with why: their renderings are reported as
    /// skipped and never requested. The provider's account check
    /// (``SpeechProvider/preflight(characters:voices:allowingOverQuota:)``) adds those it lacks.
    public var unavailableVoices: [String: SpeechProviderError]
    /// Whether to start when the provider's account has fewer characters left than the run needs
    /// (it then stops when the provider says the quota is used up).
    public var allowsOverQuota: Bool

    /// Creates options.
    /// - Parameters:
    ///   - scheduler: Concurrency, rate, retries, budget.
    ///   - keepStale: Whether to keep stale entries.
    ///   - unavailableVoices: Voices not to request, with why.
    ///   - allowsOverQuota: Whether to start when the account has too few characters left.
    public init(
        scheduler: SchedulerOptions,
        keepStale: Bool = false,
        unavailableVoices: [String: SpeechProviderError] = [:],
        allowsOverQuota: Bool = false
    ) {
        self.scheduler = scheduler
        self.keepStale = keepStale
        self.unavailableVoices = unavailableVoices
        self.allowsOverQuota = allowsOverQuota
    }
}

/// Where a warm run stands, after each rendering finishes.
public struct WarmProgress: Sendable, Hashable {
    /// Renderings to render.
    public var total: Int
    /// Renderings finished (rendered, failed or skipped).
    public var done: Int
    /// Of those, not rendered.
    public var failed: Int
    /// Characters billed so far.
    public var charactersBilled: Int
    /// Requests sent so far, retries included.
    public var requests: Int
}

/// Renders what a plan says is missing (and, unless kept, stale) through a provider and stores
/// each result in the cache as soon as it arrives, so an interrupted run resumes where it stopped.
///
/// Pacing, retries and the budget are the ``WarmScheduler``'s; the warmer turns renderings into
/// jobs, jobs into provider requests and stores, and outcomes into a ``WarmReport``.
public struct Warmer<Provider: SpeechProvider, C: Clock<Duration>>: Sendable {
    /// The provider.
    public let provider: Provider
    /// The cache that receives the audio.
    public let cache: CacheDirectory
    /// The options.
    public let options: WarmOptions
    /// The clock the scheduler sleeps on.
    public let clock: C
    /// Where the run says what it does: `debug` per rendering and failure, one `info` summary.
    public let logger: Logger

    /// Creates a warmer.
    /// - Parameters:
    ///   - provider: The provider.
    ///   - cache: The cache, open for writing.
    ///   - options: The options.
    ///   - clock: The clock for pacing and backoff.
    ///   - logger: The logger (the library never bootstraps logging).
    public init(
        provider: Provider,
        cache: CacheDirectory,
        options: WarmOptions,
        clock: C,
        logger: Logger = Logger(label: "audiocache.warm")
    ) {
        self.provider = provider
        self.cache = cache
        self.options = options
        self.clock = clock
        self.logger = logger
    }

    /// One rendering to make.
    struct Job: Sendable {
        var index: Int
        var rendering: Rendering
    }

    /// Renders what `plan` needs.
    ///
    /// Before the first request the provider checks its account
    /// (``SpeechProvider/preflight(characters:voices:allowingOverQuota:)``): a run that needs more
    /// characters than are left is not started (unless ``WarmOptions/allowsOverQuota``), and the
    /// voices the account lacks are skipped. Cancelling the calling task stops new requests;
    /// requests in flight finish and are stored.
    /// - Parameters:
    ///   - plan: The plan, made against this cache.
    ///   - progress: Told after each rendering finishes.
    /// - Returns: The report.
    public func warm(_ plan: Plan, progress: @escaping @Sendable (WarmProgress) -> Void = { _ in }) async -> WarmReport
    {
        let startedAt = Date()
        var report = WarmReport(
            provider: provider.name,
            cache: cache.layout.root,
            outcome: .complete,
            startedAt: startedAt,
            finishedAt: startedAt
        )
        report.renderings = plan.list.count
        report.shard = plan.shard
        report.characterBudget = options.scheduler.maxCharacters
        var allJobs: [Job] = []
        for index in plan.list.indices {
            let rendering = plan.list[index]
            switch rendering.status {
            case .cached: report.alreadyCached += 1
            case .stale where options.keepStale: report.staleKept += 1
            case .missing, .stale: allJobs.append(Job(index: index, rendering: rendering))
            }
        }
        report.toRender = allJobs.count
        report.charactersToRender = allJobs.reduce(0) { $0 + $1.rendering.characters }
        let (unavailableVoices, stoppedBeforeStart) = await preflight(allJobs, characters: report.charactersToRender)
        let unavailable = allJobs.filter { unavailableVoices[$0.rendering.voiceID] != nil }
        let jobs = stoppedBeforeStart != nil ? [] : allJobs.filter { unavailableVoices[$0.rendering.voiceID] == nil }

        let state = Mutex(RunState())
        let provider = self.provider
        let cache = self.cache
        let total = jobs.count
        let scheduler = WarmScheduler(options: options.scheduler, clock: clock)
        var summary = await scheduler.run(
            jobs,
            characters: { $0.rendering.characters },
            voice: { $0.rendering.voiceID },
            request: { job throws(SpeechProviderError) in
                state.withLock { $0.requests += 1 }
                let rendering = job.rendering
                let audio = try await provider.render(
                    SpeechRequest(
                        key: rendering.key,
                        text: rendering.text,
                        voiceID: rendering.voiceID,
                        language: rendering.language,
                        modelID: rendering.modelID
                    )
                )
                // Stored once the provider's slot is free again, so that the next request need not
                // wait for the disk.
                let feedback = AttemptFeedback(providerConcurrencyLimit: audio.maximumConcurrentRequests)
                return AttemptCompletion(feedback: feedback) { () throws(SpeechProviderError) in
                    try await Self.store(audio, of: rendering, in: cache)
                    state.withLock {
                        $0.billed += audio.billedCharacters
                        $0.billedByVoice[rendering.voiceID, default: 0] += audio.billedCharacters
                    }
                }
            },
            finished: { [logger] job, outcome in
                switch outcome {
                case .succeeded(let attempts):
                    logger.debug(
                        "rendered",
                        metadata: [
                            "key": "\(job.rendering.key)", "voice": "\(job.rendering.voiceID)",
                            "attempts": "\(attempts)",
                        ]
                    )
                case .failed(let error, let attempts):
                    logger.debug(
                        "failed",
                        metadata: [
                            "key": "\(job.rendering.key)", "reason": "\(error.reason)", "attempts": "\(attempts)",
                        ]
                    )
                case .skippedBudget, .skippedVoice, .notStarted:
                    logger.debug("not rendered", metadata: ["key": "\(job.rendering.key)", "outcome": "\(outcome)"])
                }
                let snapshot = state.withLock { state in
                    state.outcomes[job.index] = outcome
                    if case .succeeded = outcome {} else { state.failed += 1 }
                    state.done += 1
                    return WarmProgress(
                        total: total,
                        done: state.done,
                        failed: state.failed,
                        charactersBilled: state.billed,
                        requests: state.requests
                    )
                }
                progress(snapshot)
            }
        )
        try? await cache.flush()
        if let stoppedBeforeStart { summary.stoppedBy = stoppedBeforeStart }

        let final = state.withLock { $0 }
        report.requests = final.requests
        report.charactersBilled = final.billed
        report.charactersBilledByVoice = final.billedByVoice
        report.retries = summary.retries
        report.maxInFlight = summary.maxInFlight
        report.stoppedBy = summary.stoppedBy
        var failedIndices: [(Job, WarmReport.Failure)] = []
        var outcomes = final.outcomes
        for job in unavailable {
            if let error = unavailableVoices[job.rendering.voiceID] {
                outcomes[job.index] = .skippedVoice(error)
            }
        }
        let notStarted =
            stoppedBeforeStart.map { SchedulerState.Stop.error($0).reason } ?? "the run ended before it started"
        for job in allJobs {
            let outcome = outcomes[job.index] ?? .notStarted(notStarted)
            let rendering = job.rendering
            func failure(_ name: String, _ reason: String, _ message: String, _ attempts: Int) -> WarmReport.Failure {
                WarmReport.Failure(
                    outcome: name,
                    key: rendering.key,
                    text: rendering.text,
                    voiceID: rendering.voiceID,
                    language: rendering.language,
                    reason: reason,
                    message: message,
                    attempts: attempts,
                    sources: []
                )
            }
            switch outcome {
            case .succeeded:
                report.rendered += 1
            case .failed(let error, let attempts):
                report.failed += 1
                failedIndices.append((job, failure("failed", error.reason, error.message, attempts)))
            case .skippedBudget:
                report.skippedBudget += 1
                failedIndices.append(
                    (job, failure("skipped_budget", "budget", "rendering it would pass --max-characters", 0))
                )
            case .skippedVoice(let error):
                report.skippedVoice += 1
                failedIndices.append((job, failure("skipped_voice", error.reason, error.message, 0)))
            case .notStarted(let reason):
                report.notStarted += 1
                failedIndices.append((job, failure("not_started", "not_started", reason, 0)))
            }
        }
        let sources = plan.sources(ofRenderingsAt: Set(failedIndices.map(\.0.index)))
        report.failures = failedIndices.map { job, failure in
            var failure = failure
            failure.sources = sources[job.index] ?? [job.rendering.firstSource]
            return failure
        }
        report.finishedAt = Date()
        logger.info(
            "warm finished",
            metadata: [
                "provider": "\(report.provider)", "rendered": "\(report.rendered)",
                "failed": "\(report.failures.count)",
                "requests": "\(report.requests)", "characters": "\(report.charactersBilled)",
            ]
        )
        if Task.isCancelled {
            report.outcome = .interrupted
        } else if summary.stoppedBy != nil || report.skippedBudget > 0 {
            report.outcome = .stopped
        } else if !report.failures.isEmpty {
            report.outcome = .incomplete
        }
        // For the review page's statistics: what the last run billed and what failed.
        try? await cache.keepLastWarmReport(report)
        return report
    }

    /// Asks the provider, before anything is spent, whether it can render `jobs`.
    /// - Returns: The voices not to request (the options' and those the account lacks), with why;
    ///   and the error that keeps the run from starting, if there is one.
    private func preflight(
        _ jobs: [Job],
        characters: Int
    ) async -> (unavailable: [String: SpeechProviderError], stop: SpeechProviderError?) {
        var unavailable = options.unavailableVoices
        guard !jobs.isEmpty else { return (unavailable, nil) }
        do throws(SpeechProviderError) {
            let lacking = try await provider.preflight(
                characters: min(characters, options.scheduler.maxCharacters ?? .max),
                voices: Set(jobs.map(\.rendering.voiceID)).subtracting(unavailable.keys),
                allowingOverQuota: options.allowsOverQuota
            )
            unavailable.merge(lacking) { known, _ in known }
            return (unavailable, nil)
        } catch {
            return (unavailable, error)
        }
    }

    /// Stores a rendering's audio, pinned, with what the provider said about it.
    /// - Throws: A transient error for audio the cache refuses as malformed (the provider's fault:
    ///   try again), a run error for a cache that cannot be written (`disk_full` when it is full).
    private static func store(
        _ audio: SpeechAudio,
        of rendering: Rendering,
        in cache: CacheDirectory
    ) async throws(SpeechProviderError) {
        do throws(AudioCacheError) {
            try await cache.store(
                audio.bytes,
                for: CacheDirectory.StoreRequest(
                    text: rendering.text,
                    voiceID: rendering.voiceID,
                    language: rendering.language,
                    rendering: audio.rendering,
                    source: .tts,
                    isPinned: true,
                    response: ProviderResponse(
                        requestID: audio.requestID,
                        characterCost: audio.billedCharacters,
                        historyItemID: audio.historyItemID
                    )
                )
            )
        } catch {
            if error.kind == .badData {
                throw SpeechProviderError(.transient(retryAfter: nil), reason: "bad_audio", error.message)
            }
            throw SpeechProviderError(
                .run,
                reason: error.isOutOfSpace ? WarmReport.diskFull : WarmReport.cacheWriteFailed,
                error.description
            )
        }
    }

    private struct RunState {
        var outcomes: [Int: JobOutcome] = [:]
        var done = 0
        var failed = 0
        var billed = 0
        var billedByVoice: [String: Int] = [:]
        var requests = 0
    }
}

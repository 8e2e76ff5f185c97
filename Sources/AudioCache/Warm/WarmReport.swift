import Foundation

/// What a warm run did: the document `audiocache warm --report FILE` (or `--json`) writes, as
/// `docs/warm-report.md` describes it.
public struct WarmReport: Sendable, Hashable {
    /// How the run ended.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Every rendering of the manifests is in the cache.
        case complete
        /// Some renderings failed; the others are cached.
        case incomplete
        /// An authentication, quota, missing-program or budget problem, or a cache that could not
        /// be written (a full disk), stopped the run.
        case stopped
        /// SIGINT or SIGTERM stopped the run.
        case interrupted
    }

    /// What happened to one rendering that is not in the cache after the run.
    public struct Failure: Sendable, Hashable {
        /// How it ended: `failed`, `skipped_budget`, `skipped_voice` or `not_started`.
        public var outcome: String
        /// The rendering's key.
        public var key: CacheKey
        /// The text that was (or would have been) sent.
        public var text: String
        /// The voice.
        public var voiceID: String
        /// The language.
        public var language: String
        /// A short machine-readable reason (`voice_not_found`, `timeout`, `budget`…).
        public var reason: String
        /// What happened.
        public var message: String
        /// Attempts made.
        public var attempts: Int
        /// Every manifest line that asks for this rendering.
        public var sources: [PhraseSource]
    }

    /// The provider.
    public var provider: String
    /// The cache folder.
    public var cache: String
    /// The shard of the plan the run warmed, or `nil` for the whole plan.
    public var shard: Shard?
    /// How the run ended.
    public var outcome: Outcome
    /// When the run started and finished.
    public var startedAt: Date
    /// When the run finished.
    public var finishedAt: Date
    /// Unique renderings the manifests ask for.
    public var renderings = 0
    /// Of those, already in the cache before the run.
    public var alreadyCached = 0
    /// Stale renderings left as they are (`--keep-stale`).
    public var staleKept = 0
    /// Renderings the run set out to render.
    public var toRender = 0
    /// Rendered and stored.
    public var rendered = 0
    /// Failed after their attempts.
    public var failed = 0
    /// Not started because the character budget would have been passed.
    public var skippedBudget = 0
    /// Not started because their voice failed.
    public var skippedVoice = 0
    /// Not started because the run stopped or was interrupted.
    public var notStarted = 0
    /// Characters of the renderings to render.
    public var charactersToRender = 0
    /// Characters the provider billed.
    public var charactersBilled = 0
    /// Characters the provider billed, per voice.
    public var charactersBilledByVoice: [String: Int] = [:]
    /// The character budget, if one was set.
    public var characterBudget: Int?
    /// Requests sent, retries included.
    public var requests = 0
    /// Retries among them.
    public var retries = 0
    /// The most requests in flight at once.
    public var maxInFlight = 0
    /// What stopped the run, if something did.
    public var stoppedBy: SpeechProviderError?
    /// Every rendering not in the cache after the run, in plan order.
    public var failures: [Failure] = []

    /// Seconds from start to finish.
    public var durationSeconds: Double { finishedAt.timeIntervalSince(startedAt) }

    /// Requests per second over the run.
    public var requestsPerSecond: Double {
        durationSeconds > 0 ? Double(requests) / durationSeconds : 0
    }

    /// The documented exit code: 0 complete, 2 some failed, 3 stopped by an authentication, quota,
    /// missing-program or budget problem, 74 stopped because the cache could not be written (a full
    /// disk among them), 130 interrupted.
    public var exitCode: Int32 {
        switch outcome {
        case .complete: 0
        case .incomplete: 2
        case .stopped: stoppedBy.map(Self.isCacheFailure) == true ? 74 : 3
        case .interrupted: 130
        }
    }

    /// The `stopped_by.reason` of a run stopped because the cache's file system is full (or the
    /// user's quota on it is used up).
    public static let diskFull = "disk_full"
    /// The `stopped_by.reason` of a run stopped because the cache could not be written otherwise.
    public static let cacheWriteFailed = "cache_write_failed"

    /// Whether a stop came from the cache rather than the provider.
    static func isCacheFailure(_ error: SpeechProviderError) -> Bool {
        error.reason == diskFull || error.reason == cacheWriteFailed
    }
}

extension WarmReport {
    /// A summary for people, a few lines.
    public var summaryText: String {
        var lines: [String] = []
        lines.append(
            "\(rendered) rendered, \(alreadyCached) already cached, \(failed) failed"
                + (skippedBudget > 0 ? ", \(skippedBudget) over the character budget" : "")
                + (skippedVoice > 0 ? ", \(skippedVoice) skipped (voice failed)" : "")
                + (notStarted > 0 ? ", \(notStarted) not started" : "")
                + (staleKept > 0 ? ", \(staleKept) stale kept" : "")
        )
        lines.append(
            "\(requests) requests (\(retries) retries, at most \(maxInFlight) at once), "
                + "\(charactersBilled) characters billed, "
                + String(format: "%.1f s, %.1f requests/s", durationSeconds, requestsPerSecond)
        )
        if let stoppedBy { lines.append("Stopped: \(stoppedBy.message)") }
        for failure in failures.prefix(20) {
            let source = failure.sources.first.map { " at \($0.file):\($0.line)" } ?? ""
            lines.append(
                "  \(failure.outcome) \(failure.voiceID)/\(failure.language) \"\(failure.text)\"\(source): \(failure.message)"
            )
        }
        if failures.count > 20 { lines.append("  … and \(failures.count - 20) more (see --report)") }
        return lines.joined(separator: "\n")
    }
}

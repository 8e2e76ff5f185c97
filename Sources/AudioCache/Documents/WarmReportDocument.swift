import Foundation

/// The warm report document: what `audiocache warm --report FILE` writes and `--json` prints
/// (docs/warm-report.md).
struct WarmReportDocument: Encodable {
    struct Characters: Encodable {
        var billed: Int
        /// By voice id (an array: voice ids are data, not member names); only voices something was
        /// billed for, sorted.
        var billedByVoice: [VoiceCharacters]
        /// `null` when none was set.
        var budget: OrNull<Int>
        var toRender: Int
    }

    struct VoiceCharacters: Encodable {
        var voiceID: String
        var characters: Int
    }

    struct Counts: Encodable {
        var alreadyCached: Int
        var failed: Int
        var notStarted: Int
        var rendered: Int
        var renderings: Int
        var skippedBudget: Int
        var skippedVoice: Int
        var staleKept: Int
        var toRender: Int
    }

    struct Requests: Encodable {
        var maxInFlight: Int
        var perSecond: Double
        var retries: Int
        var sent: Int
    }

    struct Stop: Encodable {
        var message: String
        var reason: String
    }

    struct Failure: Encodable {
        var attempts: Int
        var key: CacheKey
        var language: String
        var message: String
        var outcome: String
        var reason: String
        var sources: [Source]
        var text: String
        var voiceID: String
    }

    struct Source: Encodable {
        var file: String
        var line: Int
        var column: Int?
        var id: String?
    }

    var format = "audiocache-warm-report"
    var version = 1
    var cache: String
    /// `K/N`, or `null` for a run of the whole plan.
    var shard: OrNull<String>
    var provider: String
    var outcome: WarmReport.Outcome
    var exitCode: Int32
    var startedAt: Date
    var finishedAt: Date
    var durationSeconds: Double
    var characters: Characters
    var counts: Counts
    var requests: Requests
    /// `null` when nothing stopped the run.
    var stoppedBy: OrNull<Stop>
    var failures: [Failure]

    init(_ report: WarmReport) {
        cache = report.cache
        shard = OrNull(report.shard?.description)
        provider = report.provider
        outcome = report.outcome
        exitCode = report.exitCode
        startedAt = report.startedAt
        finishedAt = report.finishedAt
        durationSeconds = DocumentEncoding.rounded(report.durationSeconds)
        characters = Characters(
            billed: report.charactersBilled,
            billedByVoice: report.charactersBilledByVoice
                .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
                .map { VoiceCharacters(voiceID: $0.key, characters: $0.value) },
            budget: OrNull(report.characterBudget),
            toRender: report.charactersToRender
        )
        counts = Counts(
            alreadyCached: report.alreadyCached,
            failed: report.failed,
            notStarted: report.notStarted,
            rendered: report.rendered,
            renderings: report.renderings,
            skippedBudget: report.skippedBudget,
            skippedVoice: report.skippedVoice,
            staleKept: report.staleKept,
            toRender: report.toRender
        )
        requests = Requests(
            maxInFlight: report.maxInFlight,
            perSecond: DocumentEncoding.rounded(report.requestsPerSecond),
            retries: report.retries,
            sent: report.requests
        )
        stoppedBy = OrNull(report.stoppedBy.map { Stop(message: $0.message, reason: $0.reason) })
        failures = report.failures.map { failure in
            Failure(
                attempts: failure.attempts,
                key: failure.key,
                language: failure.language,
                message: failure.message,
                outcome: failure.outcome,
                reason: failure.reason,
                sources: failure.sources.map { Source(file: $0.file, line: $0.line, column: $0.column, id: $0.id) },
                text: failure.text,
                voiceID: failure.voiceID
            )
        }
    }
}

extension WarmReport {
    /// The report as one JSON document (docs/warm-report.md), as `audiocache warm --report` writes it.
    /// - Returns: The UTF-8 bytes, keys sorted, ending with a line feed.
    /// - Throws: `EncodingError` only for a number JSON cannot carry, which the report never holds.
    public func jsonData() throws -> Data {
        try DocumentEncoding.data(WarmReportDocument(self))
    }
}

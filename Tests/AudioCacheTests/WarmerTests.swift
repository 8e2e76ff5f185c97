import AudioCacheTestSupport
import Foundation
import Synchronization
import Testing

@testable import AudioCache

@Suite("Warmer", .timeLimit(.minutes(1)))
struct WarmerTests {
    let folder: TemporaryFolder
    var root: String { folder.path + "/cache" }

    init() throws {
        folder = try TemporaryFolder()
        try folder.write(
            "manifests/prompts.csv",
            """
            id,text,voice_id,language
            welcome,Bienvenido,es,es
            menu,Pulse uno,es,es
            again,BIENVENIDO,es,es
            hello,Hello there,en-us,en
            bye,Goodbye,en-us,en
            """
        )
    }

    func schedulerOptions(concurrency: Int = 2, maxCharacters: Int? = nil) -> SchedulerOptions {
        var options = SchedulerOptions(concurrency: concurrency)
        options.maxAttempts = 3
        options.baseDelay = .milliseconds(1)
        options.maxDelay = .milliseconds(5)
        options.maxCharacters = maxCharacters
        return options
    }

    /// Plans the manifests against the cache and warms them with `provider`.
    func warm(
        _ provider: FakeSpeechProvider,
        options: SchedulerOptions? = nil,
        keepStale: Bool = false
    ) async throws -> (WarmReport, CacheDirectory) {
        let cache = try CacheDirectory(configuration: CacheConfiguration(directory: root))
        let inventory = await CacheDirectoryInventory(cache, expectation: .init(provider: provider.name))
        let plan = try await Planner().plan(paths: [folder.path + "/manifests"], inventory: inventory)
        let warmer = Warmer(
            provider: provider,
            cache: cache,
            options: WarmOptions(scheduler: options ?? schedulerOptions(), keepStale: keepStale),
            clock: ContinuousClock()
        )
        let report = await warmer.warm(plan)
        try await cache.close()
        return (report, try CacheDirectory(configuration: CacheConfiguration(directory: root), access: .readOnly))
    }

    @Test("renders each missing rendering once, stores it, and a second run makes no request")
    func rendersOnce() async throws {
        let provider = FakeSpeechProvider(delay: .milliseconds(5))
        let (report, cache) = try await warm(provider)
        #expect(report.outcome == .complete && report.exitCode == 0)
        #expect(report.renderings == 4 && report.toRender == 4 && report.rendered == 4)
        #expect(provider.requests.count == 4)
        #expect(Set(provider.requests.map(\.key)).count == 4)  // "Bienvenido" and "BIENVENIDO" are one
        let welcome = KeyScheme.md5TextVoiceLanguageV1.key(text: "bienvenido", voiceID: "es", language: "es")
        #expect(provider.requests.first { $0.key == welcome }?.text == "Bienvenido")  // the first original text
        #expect(provider.maxInFlight <= 2)
        for request in provider.requests {
            let entry = try #require(await cache.entry(for: request.key))
            #expect(entry.rendering.provider == "fake" && entry.isPinned && entry.source == .tts)
            #expect(entry.response?.requestID == "fake-\(request.key)")
            #expect(entry.response?.characterCost == request.text.unicodeScalars.count)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: root + "/" + entry.path))
            #expect(Array(bytes) == FakeSpeechProvider.audio(for: request))
        }
        #expect(report.charactersBilled == "BienvenidoPulse unoHello thereGoodbye".unicodeScalars.count)
        #expect(report.charactersBilledByVoice == ["es": 19, "en-us": 18])
        // The cache keeps the last report, for the review page.
        let kept = try #require(cache.lastWarmReport())
        let document = try #require(try JSONSerialization.jsonObject(with: kept) as? [String: Any])
        let characters = try #require(document["characters"] as? [String: Any])
        #expect(
            (characters["billed_by_voice"] as? [[String: Any]])?.map { "\($0["voice_id"]!)=\($0["characters"]!)" }
                == ["en-us=18", "es=19"]
        )

        let again = FakeSpeechProvider()
        let (second, _) = try await warm(again)
        #expect(again.requests.isEmpty)
        #expect(second.alreadyCached == 4 && second.rendered == 0 && second.exitCode == 0)
    }

    @Test("a flagged entry is rendered again by the next warm, unless stale entries are kept")
    func flaggedEntriesAreRenderedAgain() async throws {
        _ = try await warm(FakeSpeechProvider())
        let welcome = KeyScheme.md5TextVoiceLanguageV1.key(text: "bienvenido", voiceID: "es", language: "es")
        let cache = try CacheDirectory(configuration: CacheConfiguration(directory: root))
        try await cache.review(welcome, verdict: .flagged, note: "mal acentuado")
        try await cache.close()

        let kept = FakeSpeechProvider()
        let (keeping, _) = try await warm(kept, keepStale: true)
        #expect(kept.requests.isEmpty && keeping.staleKept == 1)

        let again = FakeSpeechProvider()
        let (report, rewarmed) = try await warm(again)
        #expect(again.requests.map(\.key) == [welcome] && report.rendered == 1)
        #expect(await rewarmed.entry(for: welcome)?.verdict == .unreviewed)
    }

    @Test("passing errors are retried; a phrase that keeps failing is reported with all its sources")
    func retriesAndFailures() async throws {
        let provider = FakeSpeechProvider { request, attempt in
            if request.text == "Pulse uno" && attempt < 3 {
                return SpeechProviderError(.transient(retryAfter: .milliseconds(2)), reason: "system_busy", "busy")
            }
            if request.text == "Bienvenido" {
                return SpeechProviderError(.phrase, reason: "unprocessable", "the text was refused")
            }
            return nil
        }
        let (report, cache) = try await warm(provider)
        #expect(report.outcome == .incomplete && report.exitCode == 2)
        #expect(report.rendered == 3 && report.failed == 1)
        #expect(report.retries == 2)
        let failure = try #require(report.failures.first)
        #expect(failure.reason == "unprocessable" && failure.attempts == 1)
        #expect(failure.sources.map(\.line) == [2, 4])  // both lines that ask for it
        #expect(await cache.count == 3)
    }

    @Test("a failing voice skips its other phrases; the other voices go on")
    func voiceFailure() async throws {
        let provider = FakeSpeechProvider { request, _ in
            request.voiceID == "en-us" ? SpeechProviderError(.voice, reason: "voice_not_found", "no such voice") : nil
        }
        let (report, cache) = try await warm(provider, options: schedulerOptions(concurrency: 1))
        #expect(report.exitCode == 2)
        #expect(report.failed + report.skippedVoice == 2)
        #expect(provider.requests.filter { $0.voiceID == "en-us" }.count == 1)
        #expect(await cache.count == 2)
    }

    @Test("an authentication error stops the run at once")
    func runFailure() async throws {
        let provider = FakeSpeechProvider { _, _ in
            SpeechProviderError(.run, reason: "invalid_api_key", "the API key was refused")
        }
        let (report, _) = try await warm(provider, options: schedulerOptions(concurrency: 1))
        #expect(report.outcome == .stopped && report.exitCode == 3)
        #expect(report.stoppedBy?.reason == "invalid_api_key")
        #expect(provider.requests.count == 1)
        #expect(report.notStarted == 3)
    }

    @Test("the character budget is never passed; what is left is reported")
    func budget() async throws {
        let provider = FakeSpeechProvider()
        let (report, _) = try await warm(provider, options: schedulerOptions(concurrency: 1, maxCharacters: 20))
        #expect(provider.requests.reduce(0) { $0 + $1.text.unicodeScalars.count } <= 20)
        #expect(report.skippedBudget > 0 && report.exitCode == 3)
    }

    @Test("stale entries are rendered again, unless kept")
    func stale() async throws {
        _ = try await warm(FakeSpeechProvider(name: "other"))
        let kept = FakeSpeechProvider()
        let (keptReport, _) = try await warm(kept, keepStale: true)
        #expect(kept.requests.isEmpty && keptReport.staleKept == 4)
        let renewed = FakeSpeechProvider()
        let (report, cache) = try await warm(renewed)
        #expect(renewed.requests.count == 4 && report.rendered == 4)
        #expect(await cache.allEntries().allSatisfy { $0.rendering.provider == "fake" })
    }

    @Test("cancelling stops new requests, keeps what finished, and says interrupted")
    func cancellation() async throws {
        let provider = FakeSpeechProvider(delay: .seconds(2))
        let cache = try CacheDirectory(configuration: CacheConfiguration(directory: root))
        let plan = try await Planner().plan(
            paths: [folder.path + "/manifests"],
            inventory: await CacheDirectoryInventory(cache)
        )
        let warmer = Warmer(
            provider: provider,
            cache: cache,
            options: WarmOptions(scheduler: schedulerOptions(concurrency: 1)),
            clock: ContinuousClock()
        )
        let task = Task { await warmer.warm(plan) }
        // Cancel once the first request is in flight (however busy the machine is).
        while provider.requests.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        let report = await task.value
        #expect(report.outcome == .interrupted && report.exitCode == 130)
        #expect(provider.requests.count == 1, "no request starts after the cancellation")
        #expect(report.rendered + report.notStarted + report.failed == 4 && report.notStarted >= 3)
        #expect(await cache.count == report.rendered)
        try await cache.close()
    }
}

@Suite("WarmScheduler with a provider's concurrency limit", .timeLimit(.minutes(1)))
struct ProviderLimitTests {
    @Test("an adaptive run follows the provider's maximum-concurrent-requests")
    func followsProviderLimit() async {
        struct Counts {
            var inFlight = 0
            var succeeded = 0
            var maxAfterFirstSuccess = 0
        }
        let counts = Mutex(Counts())
        let scheduler = WarmScheduler(
            options: SchedulerOptions(concurrency: 6, adaptive: true),
            clock: ContinuousClock()
        )
        let summary = await scheduler.run(
            Array(0..<24),
            characters: { _ in 1 },
            voice: { _ in "v" },
            attemptWithFeedback: { _ throws(SpeechProviderError) in
                counts.withLock { counts in
                    counts.inFlight += 1
                    // Once the first six answers are in, every start happened under the new limit.
                    if counts.succeeded >= 6 {
                        counts.maxAfterFirstSuccess = max(counts.maxAfterFirstSuccess, counts.inFlight)
                    }
                }
                try? await Task.sleep(for: .milliseconds(10))
                counts.withLock { counts in
                    counts.inFlight -= 1
                    counts.succeeded += 1
                }
                return AttemptFeedback(providerConcurrencyLimit: 2)
            },
            finished: { _, _ in }
        )
        #expect(summary.succeeded == 24)
        // The first six start before any answer; once answers say 2, no more than 2 run at once.
        let late = counts.withLock { $0.maxAfterFirstSuccess }
        #expect(late >= 1 && late <= 2)
        #expect(summary.maxInFlight <= 6)
    }
}

extension WarmerTests {
    @Test("voices known to be unavailable are never requested and are reported with their phrases")
    func unavailableVoices() async throws {
        let provider = FakeSpeechProvider()
        let cache = try CacheDirectory(configuration: CacheConfiguration(directory: root))
        let plan = try await Planner().plan(
            paths: [folder.path + "/manifests"],
            inventory: await CacheDirectoryInventory(cache)
        )
        let missing = SpeechProviderError(.voice, reason: "voice_not_found", "en-us is not in the account")
        let warmer = Warmer(
            provider: provider,
            cache: cache,
            options: WarmOptions(scheduler: schedulerOptions(), unavailableVoices: ["en-us": missing]),
            clock: ContinuousClock()
        )
        let report = await warmer.warm(plan)
        try await cache.close()
        #expect(provider.requests.allSatisfy { $0.voiceID == "es" } && provider.requests.count == 2)
        #expect(report.skippedVoice == 2 && report.rendered == 2 && report.exitCode == 2)
        #expect(report.failures.map(\.reason) == ["voice_not_found", "voice_not_found"])
        #expect(report.failures.map { $0.sources.first?.line } == [5, 6])
    }
}

extension WarmerTests {
    /// A cache whose disk fills stops the run as an I/O problem (exit 74), not as an account
    /// problem, and what was stored before stays sound.
    @Test(
        "a full disk stops the run with disk_full and exit 74; the cache stays sound",
        .enabled(if: SmallDisk.isAvailable)
    )
    func fullDisk() async throws {
        let disk = try SmallDisk(kilobytes: 160)
        let lines = (1...200).map { "Frase número \($0) para llenar el disco,es,es" }
        try folder.write("big/many.csv", "text,voice_id,language\n" + lines.joined(separator: "\n") + "\n")
        let configuration = CacheConfiguration(directory: disk.path + "/cache")
        let cache = try CacheDirectory(configuration: configuration)
        let provider = FakeSpeechProvider()
        let inventory = await CacheDirectoryInventory(cache, expectation: .init(provider: provider.name))
        let plan = try await Planner().plan(paths: [folder.path + "/big"], inventory: inventory)
        let warmer = Warmer(
            provider: provider,
            cache: cache,
            options: WarmOptions(scheduler: schedulerOptions()),
            clock: ContinuousClock()
        )
        let report = await warmer.warm(plan)
        try? await cache.close()
        #expect(report.outcome == .stopped && report.exitCode == 74)
        #expect(report.stoppedBy?.reason == "disk_full", "\(String(describing: report.stoppedBy))")
        #expect(report.stoppedBy?.message.contains("No space left on device") == true)
        #expect(report.rendered > 0 && report.rendered < 200)

        let reopened = try CacheDirectory(configuration: configuration, access: .readOnly)
        #expect(await reopened.allEntries().count == report.rendered)
        let verified = try await reopened.verify()
        #expect(verified.isClean, "\(verified)")
    }

    @Test("the exit code says what stopped the run")
    func exitCodes() {
        var report = WarmReport(provider: "p", cache: "c", outcome: .stopped, startedAt: Date(), finishedAt: Date())
        report.stoppedBy = SpeechProviderError(.run, reason: "quota_exceeded", "out of characters")
        #expect(report.exitCode == 3)
        report.stoppedBy = SpeechProviderError(.run, reason: WarmReport.diskFull, "no space")
        #expect(report.exitCode == 74)
        report.stoppedBy = SpeechProviderError(.run, reason: WarmReport.cacheWriteFailed, "read-only file system")
        #expect(report.exitCode == 74)
        report.outcome = .incomplete
        #expect(report.exitCode == 2)
    }
}

/// A provider whose account check is scripted, rendering through a ``FakeSpeechProvider``.
final class AccountCheckingProvider: SpeechProvider {
    typealias Check = @Sendable (Int, Set<String>, Bool) throws(SpeechProviderError) -> [String: SpeechProviderError]
    let inner: FakeSpeechProvider
    let check: Check
    let seen = Mutex<[(characters: Int, voices: Set<String>, allowingOverQuota: Bool)]>([])

    init(inner: FakeSpeechProvider, check: @escaping Check) {
        self.inner = inner
        self.check = check
    }

    var name: String { inner.name }

    func render(_ request: SpeechRequest) async throws(SpeechProviderError) -> SpeechAudio {
        try await inner.render(request)
    }

    func preflight(
        characters: Int,
        voices: Set<String>,
        allowingOverQuota: Bool
    ) async throws(SpeechProviderError) -> [String: SpeechProviderError] {
        seen.withLock { $0.append((characters, voices, allowingOverQuota)) }
        return try check(characters, voices, allowingOverQuota)
    }
}

extension WarmerTests {
    func warm(_ provider: AccountCheckingProvider, options: WarmOptions) async throws -> WarmReport {
        let cache = try CacheDirectory(configuration: CacheConfiguration(directory: root))
        let inventory = await CacheDirectoryInventory(cache, expectation: .init(provider: provider.name))
        let plan = try await Planner().plan(paths: [folder.path + "/manifests"], against: inventory)
        let report = await Warmer(provider: provider, cache: cache, options: options, clock: ContinuousClock())
            .warm(plan)
        try await cache.close()
        return report
    }

    /// A Swift service that warms through the library gets the account check the CLI had: a run
    /// that needs more characters than are left does not start.
    @Test("the provider's account check runs before anything is spent; over quota, nothing starts")
    func overQuota() async throws {
        let overQuota = SpeechProviderError(.run, reason: "over_quota", "the run needs more characters")
        let provider = AccountCheckingProvider(inner: FakeSpeechProvider()) {
            _,
            _,
            allowing throws(SpeechProviderError) in
            if !allowing { throw overQuota }
            return [:]
        }
        var options = WarmOptions(scheduler: schedulerOptions(maxCharacters: 20))
        let report = try await warm(provider, options: options)
        #expect(report.outcome == .stopped && report.exitCode == 3 && report.stoppedBy == overQuota)
        #expect(provider.inner.requests.isEmpty && report.notStarted == 4)
        #expect(report.failures.allSatisfy { $0.outcome == "not_started" && $0.message == "stopped by over_quota" })
        let seen = provider.seen.withLock { $0 }
        #expect(seen.count == 1 && seen.first?.characters == 20, "the budget bounds what the run can spend")
        #expect(seen.first?.voices == ["es", "en-us"])

        options.allowsOverQuota = true
        let allowed = try await warm(provider, options: options)
        #expect(allowed.stoppedBy == nil && !provider.inner.requests.isEmpty)
    }

    @Test("voices the account lacks are skipped with the provider's reason; the others render")
    func voicesTheAccountLacks() async throws {
        let missing = SpeechProviderError(.voice, reason: "voice_not_found", "the account has no voice en-us")
        let provider = AccountCheckingProvider(inner: FakeSpeechProvider()) {
            _,
            voices,
            _ throws(SpeechProviderError) in
            voices.contains("en-us") ? ["en-us": missing] : [:]
        }
        let report = try await warm(provider, options: WarmOptions(scheduler: schedulerOptions()))
        #expect(report.outcome == .incomplete && report.exitCode == 2)
        #expect(report.skippedVoice == 2 && report.rendered == 2)
        #expect(provider.inner.requests.allSatisfy { $0.voiceID == "es" })
        #expect(report.failures.map(\.reason) == ["voice_not_found", "voice_not_found"])
    }
}

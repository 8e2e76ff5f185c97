import AsyncHTTPClient
import AudioCache
import AudioCacheProviders
import AudioCacheTestSupport
import Foundation
import Testing

/// The whole warm pipeline against the fake ElevenLabs server over real loopback HTTP: what the
/// server saw (in flight, rate, requests per phrase) and what the cache holds afterwards.
@Suite("Warm against a fake ElevenLabs", .serialized, .timeLimit(.minutes(2)))
struct ElevenLabsWarmTests {
    static let rachel = "21m00Tcm4TlvDq8ikWAM"
    static let domi = "AZnzlk1XvdvUeBnXmlld"

    /// Writes `count` phrases (two voices) as a CSV manifest and warms them into a new cache.
    func warm(
        _ configuration: FakeElevenLabsConfiguration,
        phrases count: Int,
        voices: [String] = [rachel, domi],
        scheduler: SchedulerOptions,
        allowsOverQuota: Bool = false,
        check: (WarmReport, CacheDirectory, FakeElevenLabsServer, [String]) async throws -> Void
    ) async throws {
        let folder = try TemporaryFolder()
        let texts = (0..<count).map { "Phrase number \($0) for the account" }
        var csv = "text,voice_id,language\n"
        for (index, text) in texts.enumerated() { csv += "\(text),\(voices[index % voices.count]),en\n" }
        try folder.write("manifests/phrases.csv", csv)
        try await FakeElevenLabsServer.withServer(configuration) { url, server in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                let provider = try ElevenLabsProvider(
                    configuration: ElevenLabsConfiguration(baseURL: url.absoluteString, apiKey: Secret("test-key")),
                    httpClient: client
                )
                let cache = try CacheDirectory(configuration: CacheConfiguration(directory: folder.path + "/cache"))
                let plan = try await Planner().plan(
                    paths: [folder.path + "/manifests"],
                    against: await CacheDirectoryInventory(cache, expectation: .init(provider: "elevenlabs"))
                )
                let warmer = Warmer(
                    provider: provider,
                    cache: cache,
                    options: WarmOptions(scheduler: scheduler, allowsOverQuota: allowsOverQuota),
                    clock: ContinuousClock()
                )
                let report = await warmer.warm(plan)
                try await check(report, cache, server, texts)
                try await cache.close()
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    /// Every phrase is cached once, with the bytes the server rendered for it.
    func expectEveryPhraseCachedOnce(
        _ cache: CacheDirectory,
        _ server: FakeElevenLabsServer,
        _ texts: [String],
        voices: [String] = [rachel, domi]
    ) async throws {
        #expect(await cache.count == texts.count)
        for (index, text) in texts.enumerated() {
            let voice = voices[index % voices.count]
            let key = KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: voice, language: "en")
            let entry = try #require(await cache.entry(for: key))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: cache.filePath(of: entry)))
            let expected = FakeElevenLabsAudio.bytes(
                voiceID: voice,
                text: text,
                modelID: ElevenLabsConfiguration.defaultModelID,
                outputFormat: ElevenLabsConfiguration.defaultOutputFormat
            )
            #expect(Array(bytes) == expected, "\(text)")
            #expect(server.renders[FakeElevenLabsPhrase(voiceID: voice, text: text)] == 1, "rendered once: \(text)")
            #expect(entry.response?.requestID != nil && entry.response?.historyItemID != nil)
        }
    }

    @Test("never more than the concurrency in flight, never over the rate, never a phrase twice")
    func limits() async throws {
        let configuration = FakeElevenLabsConfiguration(
            concurrencyLimit: 3,
            requestsPerSecond: 20,
            latency: .milliseconds(20) ... .milliseconds(120),
            seed: 7
        )
        try await warm(configuration, phrases: 40, scheduler: SchedulerOptions(concurrency: 3, rate: 18)) {
            report,
            cache,
            server,
            texts in
            #expect(report.outcome == .complete && report.rendered == 40, "\(report.summaryText)")
            #expect(server.maxActiveTextToSpeech <= 3)
            #expect(server.maxTextToSpeechArrivals(within: .seconds(1)) <= 20)
            #expect(server.textToSpeechRequests.allSatisfy { $0.status == 200 })
            #expect(server.requestCounts.values.allSatisfy { $0 == 1 })
            #expect(!server.apiKeyLeaked)
            try await expectEveryPhraseCachedOnce(cache, server, texts)
        }
    }

    @Test("after 500s, 503s, dropped connections and truncated bodies every phrase is cached once")
    func faults() async throws {
        let configuration = FakeElevenLabsConfiguration(
            concurrencyLimit: 4,
            latency: .milliseconds(5) ... .milliseconds(30),
            faults: .random([
                (.internalServerError, 0.08), (.serviceUnavailable, 0.05), (.dropConnection, 0.05),
                (.truncatedBody, 0.05), (.wrongContentType, 0.03), (.emptyBody, 0.03),
            ]),
            seed: 11
        )
        let scheduler = SchedulerOptions(
            concurrency: 4,
            maxAttempts: 10,
            baseDelay: .milliseconds(5),
            maxDelay: .milliseconds(50)
        )
        try await warm(configuration, phrases: 60, scheduler: scheduler) { report, cache, server, texts in
            #expect(report.outcome == .complete, "\(report.summaryText)")
            #expect(report.retries > 0, "the faults were seen")
            #expect(server.maxActiveTextToSpeech <= 4)
            try await expectEveryPhraseCachedOnce(cache, server, texts)
        }
    }

    @Test(
        "more in flight than the account allows: 429s shrink the window and everything is cached",
        arguments: [false, true]
    )
    func tooManyConcurrent(adaptive: Bool) async throws {
        let configuration = FakeElevenLabsConfiguration(
            concurrencyLimit: 2,
            latency: .milliseconds(20) ... .milliseconds(40)
        )
        let scheduler = SchedulerOptions(
            concurrency: 6,
            maxAttempts: 20,
            baseDelay: .milliseconds(5),
            maxDelay: .milliseconds(40),
            adaptive: adaptive
        )
        try await warm(configuration, phrases: 30, scheduler: scheduler) { report, cache, server, texts in
            #expect(report.outcome == .complete, "\(report.summaryText)")
            #expect(server.maxAdmittedInFlight <= 2)
            let refused = server.textToSpeechRequests.filter { $0.outcome == "too_many_concurrent_requests" }.count
            // Without the window, six at a time against two would be refused about twice per phrase.
            #expect(refused < 30, "\(refused) refusals")
            try await expectEveryPhraseCachedOnce(cache, server, texts)
        }
    }

    @Test("a refused API key stops the run before it renders anything")
    func invalidKey() async throws {
        let configuration = FakeElevenLabsConfiguration(apiKey: "another-key")
        try await warm(configuration, phrases: 20, scheduler: SchedulerOptions(concurrency: 1)) {
            report,
            cache,
            server,
            _ in
            #expect(report.outcome == .stopped && report.exitCode == 3)
            #expect(report.stoppedBy?.reason == "invalid_api_key")
            #expect(server.textToSpeechRequests.isEmpty, "the account check before the run is refused")
            #expect(report.notStarted == 20)
            #expect(await cache.count == 0)
            #expect(!report.stoppedBy!.message.contains("test-key"))
        }
    }

    @Test("a run that needs more characters than the account has left does not start")
    func overQuota() async throws {
        let configuration = FakeElevenLabsConfiguration(characterLimit: 200)
        try await warm(configuration, phrases: 20, scheduler: SchedulerOptions(concurrency: 1)) {
            report,
            cache,
            server,
            _ in
            #expect(report.outcome == .stopped && report.exitCode == 3)
            #expect(report.stoppedBy?.reason == "over_quota")
            #expect(
                report.stoppedBy?.message.contains("has 200 left") == true,
                "\(String(describing: report.stoppedBy))"
            )
            #expect(server.textToSpeechRequests.isEmpty && server.charactersUsed == 0)
            #expect(await cache.count == 0)
        }
    }

    @Test("a quota used up during the run stops it; what was rendered before stays cached")
    func quota() async throws {
        let configuration = FakeElevenLabsConfiguration(characterLimit: 200)
        try await warm(configuration, phrases: 20, scheduler: SchedulerOptions(concurrency: 1), allowsOverQuota: true) {
            report,
            cache,
            server,
            _ in
            #expect(report.outcome == .stopped && report.stoppedBy?.reason == "quota_exceeded")
            #expect(report.rendered > 0 && report.rendered < 20)
            #expect(await cache.count == report.rendered)
            #expect(server.charactersUsed <= 200)
        }
    }

    @Test("a voice the account lacks is skipped before it is asked for; the other voice is cached")
    func unknownVoice() async throws {
        try await warm(
            FakeElevenLabsConfiguration(),
            phrases: 10,
            voices: [Self.rachel, "NoSuchVoice000000000"],
            scheduler: SchedulerOptions(concurrency: 1)
        ) { report, cache, server, _ in
            #expect(report.exitCode == 2)
            #expect(report.skippedVoice == 5 && report.failed == 0)
            #expect(report.failures.allSatisfy { $0.reason == "voice_not_found" && $0.outcome == "skipped_voice" })
            #expect(server.textToSpeechRequests.filter { $0.voiceID == "NoSuchVoice000000000" }.isEmpty)
            #expect(await cache.count == 5)
        }
    }
}

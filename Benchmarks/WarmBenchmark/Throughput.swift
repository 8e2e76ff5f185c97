import AsyncHTTPClient
import AudioCache
import AudioCacheProviders
import AudioCacheTestSupport
import Foundation

/// The `ceiling` and `faults` measurements: a warm of generated phrases through `Warmer` and the
/// ElevenLabs provider against the fake server, timed and checked from both sides.
enum Throughput {
    /// The fake server's limits and the scheduler's settings.
    struct Settings {
        var phrases = 2_000
        var concurrency = 5
        var rate = 20.0
        var limit = 20
        var latency: ClosedRange<Duration> = .milliseconds(100) ... .milliseconds(300)
        var seed: UInt64 = 20_240_611
        var faults = false
        var maxAttempts = 20

        /// `min(rate, concurrency / mean latency)`, in requests per second.
        var ceiling: Double {
            let mean = (latency.lowerBound + latency.upperBound) / 2
            return min(Double(limit), Double(concurrency) / mean.seconds)
        }
    }

    static func run(_ settings: Settings, folder: String) async throws {
        let manifest = folder + "/manifests/phrases.csv"
        let cacheFolder = folder + "/cache"
        try FileManager.default.createDirectory(
            atPath: folder + "/manifests",
            withIntermediateDirectories: true
        )
        let phrases = Phrases.generate(count: settings.phrases, seed: settings.seed, voices: Phrases.voices)
        try Phrases.writeManifest(phrases, to: manifest)

        let configuration = FakeElevenLabsConfiguration(
            concurrencyLimit: settings.concurrency,
            requestsPerSecond: settings.limit,
            characterLimit: 1 << 40,
            latency: settings.latency,
            faults: settings.faults ? .random([(.internalServerError, 0.05), (.dropConnection, 0.02)]) : .none,
            seed: settings.seed
        )
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await measure(
                settings,
                phrases: phrases,
                manifest: manifest,
                cacheFolder: cacheFolder,
                server: configuration,
                client: client
            )
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private static func measure(
        _ settings: Settings,
        phrases: [Phrase],
        manifest: String,
        cacheFolder: String,
        server configuration: FakeElevenLabsConfiguration,
        client: HTTPClient
    ) async throws {
        let origin = ContinuousClock.now
        try await FakeElevenLabsServer.withServer(configuration) { url, server in
            let elevenLabs = ElevenLabsConfiguration(
                baseURL: url.absoluteString,
                apiKey: Secret(server.configuration.apiKey)
            )
            let provider = try ElevenLabsProvider(configuration: elevenLabs, httpClient: client)
            let cache = try CacheDirectory(
                configuration: CacheConfiguration(directory: cacheFolder, maxSizeBytes: 0),
                access: .readWrite
            )
            let inventory = await CacheDirectoryInventory(
                cache,
                expectation: .init(
                    provider: provider.name,
                    defaultModelID: elevenLabs.modelID,
                    outputFormat: elevenLabs.outputFormat,
                    voiceSettings: elevenLabs.voiceSettings.settings
                )
            )
            let plan = try await Planner().plan(paths: [manifest], against: inventory)
            guard plan.renderings.count == phrases.count else {
                fail("the plan has \(plan.renderings.count) renderings for \(phrases.count) phrases")
            }
            let times = RequestTimes()
            let warmer = Warmer(
                provider: TimedProvider(base: provider, times: times),
                cache: cache,
                options: WarmOptions(
                    scheduler: SchedulerOptions(
                        concurrency: settings.concurrency,
                        rate: settings.rate,
                        burst: 1,
                        maxAttempts: settings.maxAttempts
                    )
                ),
                clock: ContinuousClock()
            )
            let started = ContinuousClock.now
            let report = await warmer.warm(plan)
            let elapsed = (ContinuousClock.now - started).seconds
            try await cache.flush()

            // Every phrase cached, with the bytes the fake rendered for it.
            var wrongBytes = 0
            var missing = 0
            for phrase in phrases {
                guard let hit = await cache.lookup(text: phrase.text, voice: phrase.voiceID, language: "en") else {
                    missing += 1
                    continue
                }
                let expected = FakeElevenLabsAudio.bytes(
                    voiceID: phrase.voiceID,
                    text: phrase.text,
                    modelID: elevenLabs.modelID,
                    outputFormat: elevenLabs.outputFormat
                )
                let stored = try [UInt8](Data(contentsOf: hit.fileURL))
                if stored != expected { wrongBytes += 1 }
            }
            let cached = await cache.count
            try await cache.close()

            let records = server.textToSpeechRequests
            let renders = server.renders
            let rendersOnce = phrases.filter { renders[FakeElevenLabsPhrase(voiceID: $0.voiceID, text: $0.text)] == 1 }
            let successes = records.filter { $0.status == 200 }.count
            let throughput = Double(report.rendered) / elapsed
            let arrivals = records.map(\.arrival).sorted()
            let span = arrivals.count > 1 ? (arrivals[arrivals.count - 1] - arrivals[0]).seconds : 0

            Measure.report("phrases", Double(phrases.count))
            Measure.report("ceiling_per_second", settings.ceiling)
            Measure.report("warm_seconds", elapsed)
            Measure.report("rendered", Double(report.rendered))
            Measure.report("failed", Double(report.failed + report.notStarted + report.skippedVoice))
            Measure.report("throughput_per_second", throughput)
            Measure.report("ratio", throughput / settings.ceiling)
            Measure.report("requests", Double(records.count))
            Measure.report("request_rate_per_second", span > 0 ? Double(records.count - 1) / span : 0)
            Measure.report("server_ok", Double(successes))
            Measure.report("retries", Double(report.retries))
            Measure.report("client_max_in_flight", Double(report.maxInFlight))
            Measure.report("server_max_in_flight", Double(server.maxActiveTextToSpeech))
            Measure.report("server_max_admitted_in_flight", Double(server.maxAdmittedInFlight))
            Measure.report("max_arrivals_per_second", Double(server.maxTextToSpeechArrivals(within: .seconds(1))))
            Measure.report("status_429", Double(records.filter { $0.status == 429 }.count))
            Measure.report("status_429_rate", Double(records.filter { $0.outcome == "system_busy" }.count))
            Measure.report(
                "status_429_concurrency",
                Double(records.filter { $0.outcome == "too_many_concurrent_requests" }.count)
            )
            Measure.report("status_500", Double(records.filter { $0.status == 500 }.count))
            Measure.report("dropped", Double(records.filter { $0.outcome == "fault:dropConnection" }.count))
            Measure.report("cache_count", Double(cached))
            Measure.report("cache_missing", Double(missing))
            Measure.report("cache_wrong_bytes", Double(wrongBytes))
            Measure.report("rendered_once", Double(rendersOnce.count))
            Measure.report("min_arrival_gap_ms", minimumGap(arrivals) * 1_000)

            // The same seen from the client: when the token was taken and the request started.
            let requests = times.all
            let starts = requests.map { origin.duration(to: $0.started) }.sorted()
            Measure.report("scheduler_rate", settings.rate)
            Measure.report("client_min_start_gap_ms", minimumGap(starts) * 1_000)
            Measure.report("client_max_starts_per_second", Double(maximumWithin(.seconds(1), starts)))
            let renderTimes = requests.map { ($0.ended - $0.started).seconds }
            Measure.report(
                "client_mean_request_ms",
                renderTimes.reduce(0, +) / Double(max(1, renderTimes.count)) * 1_000
            )
            // Transit: from the token to the server's arrival record, for each phrase's first
            // request (constant offset between the two origins removed: the spread is what counts).
            var firstStart: [FakeElevenLabsPhrase: Duration] = [:]
            for request in requests {
                let phrase = FakeElevenLabsPhrase(voiceID: request.voiceID, text: request.text)
                let start = origin.duration(to: request.started)
                firstStart[phrase] = min(firstStart[phrase] ?? start, start)
            }
            var seen = Set<FakeElevenLabsPhrase>()
            var transits: [Double] = []
            for record in records {
                guard let voiceID = record.voiceID, let text = record.text else { continue }
                let phrase = FakeElevenLabsPhrase(voiceID: voiceID, text: text)
                guard seen.insert(phrase).inserted, let start = firstStart[phrase] else { continue }
                transits.append((record.arrival - start).seconds)
            }
            if let low = transits.min(), let high = transits.max() {
                let sorted = transits.sorted()
                Measure.report("transit_spread_ms", (high - low) * 1_000)
                Measure.report("transit_p99_minus_min_ms", (sorted[sorted.count * 99 / 100] - low) * 1_000)
            }
        }
    }

    /// The most instants within any window of length `window` (half-open, as the fake counts).
    private static func maximumWithin(_ window: Duration, _ instants: [Duration]) -> Int {
        var best = 0
        var start = 0
        for end in instants.indices {
            while instants[end] - instants[start] >= window { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }

    /// The shortest time between two consecutive instants.
    private static func minimumGap(_ arrivals: [Duration]) -> Double {
        zip(arrivals, arrivals.dropFirst()).map { ($1 - $0).seconds }.min() ?? 0
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

import AsyncHTTPClient
import AudioCache
import AudioCacheProviders
import AudioCacheTestSupport
import Foundation

/// The `noop` measurement: a warm over a manifest whose every phrase is already cached, end to
/// end as `audiocache warm` does it (open the cache, plan against it, warm, close).
enum Noop {
    /// The rendering the ElevenLabs provider records with its defaults, so the plan finds the
    /// prepared entries fresh (not stale).
    static func rendering(for text: String) -> RenderingDescription {
        RenderingDescription(
            provider: "elevenlabs",
            modelID: ElevenLabsConfiguration.defaultModelID,
            outputFormat: ElevenLabsConfiguration.defaultOutputFormat,
            voiceSettings: [],
            text: text
        )
    }

    /// Writes `DIR/manifests/phrases.csv` and stores every phrase into `DIR/cache` (the fake's
    /// MP3 bytes for it), then closes the cache so its index is written. Set-up, timed only to
    /// say how long it took.
    static func prepare(folder: String, count: Int, seed: UInt64) async throws {
        let started = ContinuousClock.now
        try FileManager.default.createDirectory(atPath: folder + "/manifests", withIntermediateDirectories: true)
        let phrases = Phrases.generate(count: count, seed: seed, voices: Phrases.voices)
        try Phrases.writeManifest(phrases, to: folder + "/manifests/phrases.csv")
        let cache = try CacheDirectory(
            configuration: CacheConfiguration(directory: folder + "/cache", maxSizeBytes: 0),
            access: .readWrite
        )
        for (index, phrase) in phrases.enumerated() {
            let bytes = FakeElevenLabsAudio.bytes(
                voiceID: phrase.voiceID,
                text: phrase.text,
                modelID: ElevenLabsConfiguration.defaultModelID,
                outputFormat: ElevenLabsConfiguration.defaultOutputFormat
            )
            try await cache.store(
                bytes,
                for: CacheDirectory.StoreRequest(
                    text: phrase.text,
                    voiceID: phrase.voiceID,
                    language: "en",
                    rendering: rendering(for: phrase.text),
                    response: ProviderResponse(requestID: "prepared-\(index)", characterCost: phrase.text.count)
                )
            )
            if (index + 1) % 10_000 == 0 {
                FileHandle.standardError.write(Data("  stored \(index + 1) of \(count)\n".utf8))
            }
        }
        try await cache.close()
        Measure.report("prepare_seconds", (ContinuousClock.now - started).seconds)
    }

    /// Times a no-op warm over the prepared folder: what `audiocache warm` does, in process, with
    /// a provider pointed at a closed port (any request would fail and show in the report).
    static func run(folder: String) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await measure(folder: folder, client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private static func measure(folder: String, client: HTTPClient) async throws {
        let elevenLabs = ElevenLabsConfiguration(baseURL: "http://127.0.0.1:9", apiKey: Secret("unused"))
        let provider = try ElevenLabsProvider(configuration: elevenLabs, httpClient: client)
        let clock = ContinuousClock()
        let started = clock.now
        let cache = try CacheDirectory(
            configuration: CacheConfiguration(directory: folder + "/cache", maxSizeBytes: 0),
            access: .readWrite
        )
        let opened = clock.now
        let inventory = await CacheDirectoryInventory(
            cache,
            expectation: .init(
                provider: provider.name,
                defaultModelID: elevenLabs.modelID,
                outputFormat: elevenLabs.outputFormat,
                voiceSettings: elevenLabs.voiceSettings.settings
            )
        )
        let plan = try await Planner().plan(paths: [folder + "/manifests"], against: inventory)
        let planned = clock.now
        let warmer = Warmer(
            provider: provider,
            cache: cache,
            options: WarmOptions(scheduler: SchedulerOptions(concurrency: 5, rate: 20)),
            clock: clock
        )
        let report = await warmer.warm(plan)
        let warmed = clock.now
        try await cache.close()
        let closed = clock.now

        Measure.report("renderings", Double(plan.renderings.count))
        Measure.report("already_cached", Double(report.alreadyCached))
        Measure.report("requests", Double(report.requests))
        Measure.report("open_seconds", (opened - started).seconds)
        Measure.report("plan_seconds", (planned - opened).seconds)
        Measure.report("warm_seconds", (warmed - planned).seconds)
        Measure.report("close_seconds", (closed - warmed).seconds)
        Measure.report("total_seconds", (closed - started).seconds)
    }
}

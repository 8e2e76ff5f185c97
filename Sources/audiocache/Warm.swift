import ArgumentParser
import AsyncHTTPClient
import AudioCache
import AudioCacheProviders
import Foundation
import Logging

extension AudioCacheCommand {
    /// `audiocache warm`: the main job.
    struct Warm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render what the cache is missing for the manifests, and store it.",
            discussion: """
                Plans the manifests against the cache, then renders every missing (and, unless \
                --keep-stale, stale) phrase through the provider and stores each result at once, so \
                an interrupted run resumes where it stopped. A second run over the same manifests \
                makes no request. Exit codes: 0 everything is cached; 2 some phrases failed (the rest \
                is cached); 3 stopped by an authentication, quota, missing-program or budget problem; \
                74 stopped because the cache could not be written (a full disk); 130 interrupted; \
                64-66 bad usage or input; 75 the cache is in use. The report is described in \
                docs/warm-report.md.
                """
        )

        @OptionGroup var manifests: ManifestOptions
        @OptionGroup var cacheOptions: CacheOptions

        @Option(
            help: """
                The speech provider (default: elevenlabs when an API key is configured, else the \
                local espeak-ng).
                """
        )
        var provider: ProviderChoice?

        @Option(help: "A file holding the ElevenLabs API key (default: $ELEVENLABS_API_KEY).")
        var apiKeyFile: String?

        @Option(help: "The ElevenLabs API's base URL (default: $ELEVENLABS_BASE_URL, else https://api.elevenlabs.io).")
        var baseURL: String?

        @Option(help: "The ElevenLabs output format (default: mp3_44100_128).")
        var outputFormat: String?

        @Flag(help: "Go on although the plan needs more characters than the ElevenLabs account has left.")
        var allowOverQuota = false

        @Option(help: "Requests in flight at most (default: the provider's; for espeak-ng the number of cores).")
        var concurrency: Int?

        @Option(help: "Requests started per second at most (default: no limit).")
        var rate: Double?

        @Option(help: "Requests that may start at once after a pause, with --rate (default: 1).")
        var burst: Int = 1

        @Option(help: "Characters the run may send at most; phrases past it are left for later.")
        var maxCharacters: Int?

        @Option(help: "Attempts per phrase, retries included.")
        var maxAttempts: Int = 5

        @Flag(
            help: """
                Also follow the provider's announced limit (its maximum-concurrent-requests header). \
                A 429 too_many_concurrent_requests always halves the requests in flight, and \
                successes grow them back by one, never above --concurrency.
                """
        )
        var adaptive = false

        @Flag(help: "Leave stale entries (rendered with another model or settings) as they are.")
        var keepStale = false

        @Flag(help: "Print the plan and what the run would cost, and render nothing.")
        var dryRun = false

        @Option(help: "Write the JSON report (docs/warm-report.md) to this file.")
        var report: String?

        @Flag(help: "Print the JSON report on standard output instead of the summary.")
        var json = false

        @Flag(help: "Print only problems.")
        var quiet = false

        @Flag(help: "Log every rendering and failure on standard error (also LOG_LEVEL=debug).")
        var verbose = false

        func validate() throws {
            if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
            if let rate, !(rate > 0) { throw ValidationError("--rate must be more than 0 requests per second") }
            guard burst >= 1 else { throw ValidationError("--burst must be at least 1") }
            if let maxCharacters, maxCharacters < 0 { throw ValidationError("--max-characters must be at least 0") }
            guard (1...100).contains(maxAttempts) else { throw ValidationError("--max-attempts must be 1 to 100") }
        }

        func run() async throws {
            let configuration = try await reportingErrors { try cacheOptions.configuration() }
            let apiKey: Secret?
            do {
                apiKey = try ElevenLabsConfiguration.apiKey(file: apiKeyFile)
            } catch {
                printError(error.message)
                throw ExitStatus.usage
            }
            if (provider ?? (apiKey != nil ? .elevenlabs : .espeakNG)) == .elevenlabs {
                guard let apiKey else {
                    printError("--provider elevenlabs needs an API key: set ELEVENLABS_API_KEY or pass --api-key-file")
                    throw ExitStatus.usage
                }
                let settings = ElevenLabsConfiguration.resolved(
                    apiKey: apiKey,
                    baseURL: baseURL,
                    outputFormat: outputFormat,
                    modelID: manifests.model
                )
                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    let speech = try ElevenLabsProvider(configuration: settings, httpClient: client)
                    try await warm(
                        with: speech,
                        configuration: configuration,
                        expectation: .init(
                            provider: speech.name,
                            defaultModelID: settings.modelID,
                            outputFormat: settings.outputFormat,
                            voiceSettings: settings.voiceSettings.settings
                        ),
                        defaultConcurrency: ElevenLabsProvider.defaultConcurrency
                    )
                } catch {
                    try? await client.shutdown()
                    if let error = error as? SpeechProviderError {
                        printError(error.message)
                        throw ExitStatus.stopped
                    }
                    throw error
                }
                try await client.shutdown()
            } else {
                let speech: EspeakProvider
                do {
                    speech = try EspeakProvider()
                } catch {
                    printError(error.message)
                    throw ExitStatus.usage
                }
                try await warm(
                    with: speech,
                    configuration: configuration,
                    expectation: .init(provider: speech.name, outputFormat: "wav"),
                    defaultConcurrency: EspeakProvider.defaultConcurrency
                )
            }
        }

        /// Plans against the cache and warms it with `speech`.
        private func warm<Provider: SpeechProvider>(
            with speech: Provider,
            configuration: CacheConfiguration,
            expectation: CacheDirectoryInventory.Expectation,
            defaultConcurrency: Int
        ) async throws {
            // A cache that exists is locked before planning, so that the plan is the cache's as the
            // run finds it; a new one is made only once the manifests have been read, so that bad
            // input leaves nothing behind.
            let existing: CacheDirectory? =
                CacheOptions.folderExists(configuration)
                ? try await reportingErrors {
                    try CacheDirectory(configuration: configuration, access: dryRun ? .readOnly : .readWrite)
                }
                : nil
            let plan: AudioCache.Plan
            let cache: CacheDirectory
            do {
                plan = try await reportingErrors {
                    let planner = Planner(options: try manifests.planOptions())
                    guard let existing else { return try await planner.plan(paths: manifests.inputs) }
                    let inventory = await CacheDirectoryInventory(existing, expectation: expectation)
                    return try await planner.plan(paths: manifests.inputs, against: inventory)
                }
                for problem in plan.problems { printError(problem.description) }
                if dryRun {
                    try? await existing?.close()
                    print(plan.summaryText(cache: configuration.directory), terminator: "")
                    return
                }
                if let existing {
                    cache = existing
                } else {
                    cache = try await reportingErrors { try CacheDirectory(configuration: configuration) }
                }
            } catch {
                try? await existing?.close()
                throw error
            }
            let options = WarmOptions(
                scheduler: SchedulerOptions(
                    concurrency: concurrency ?? defaultConcurrency,
                    rate: rate,
                    burst: burst,
                    maxAttempts: maxAttempts,
                    adaptive: adaptive,
                    maxCharacters: maxCharacters
                ),
                keepStale: keepStale,
                allowsOverQuota: allowOverQuota
            )
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            var logger = Logger(label: "audiocache.warm")
            logger.logLevel = verbose ? .debug : .warning
            if !verbose,
                let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap({ Logger.Level(rawValue: $0) })
            {
                logger.logLevel = level
            }
            let warmer = Warmer(
                provider: speech,
                cache: cache,
                options: options,
                clock: ContinuousClock(),
                logger: logger
            )
            let progress = ProgressPrinter(enabled: !quiet && !json)
            let interrupts = InterruptHandler()
            let task = Task { await warmer.warm(plan, progress: { progress.update($0) }) }
            interrupts.onFirst { task.cancel() }
            // Kept until the command ends: a second interrupt while the cache closes still quits
            // at once with 130, rather than killing the process by the signal.
            defer { interrupts.stop() }
            let result = await task.value
            progress.finish()
            do {
                try await cache.close()
            } catch {
                printError(error.description)
            }
            if let report {
                do {
                    try result.jsonData().write(to: URL(fileURLWithPath: report))
                } catch {
                    printError("\(report): cannot write the report: \(error.localizedDescription)")
                    throw ExitStatus.io
                }
            }
            if json {
                FileHandle.standardOutput.write(try result.jsonData())
            } else if !quiet || result.exitCode != 0 {
                print(result.summaryText)
            }
            // What stopped the run goes to standard error too, where CI logs look for it.
            if let stoppedBy = result.stoppedBy { printError(stoppedBy.message) }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }
}

import ArgumentParser
import AudioCache
import AudioCacheProviders
import Foundation

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
                is cached); 3 stopped by an authentication, quota or budget problem; 130 interrupted; \
                64-66 bad usage or input; 75 the cache is in use. The report is described in \
                docs/warm-report.md.
                """
        )

        @OptionGroup var manifests: ManifestOptions
        @OptionGroup var cacheOptions: CacheOptions

        @Option(help: "The speech provider: espeak-ng (local, the default).")
        var provider: String = "espeak-ng"

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
                Follow the provider's concurrency signals (its maximum-concurrent-requests header, \
                429 too_many_concurrent_requests): grow by one on success, halve on refusal, never \
                above --concurrency.
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

        func validate() throws {
            guard provider == "espeak-ng" else {
                throw ValidationError("--provider \(provider) is not available; use espeak-ng")
            }
            if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
            if let rate, !(rate > 0) { throw ValidationError("--rate must be more than 0 requests per second") }
            guard burst >= 1 else { throw ValidationError("--burst must be at least 1") }
            if let maxCharacters, maxCharacters < 0 { throw ValidationError("--max-characters must be at least 0") }
            guard (1...100).contains(maxAttempts) else { throw ValidationError("--max-attempts must be 1 to 100") }
        }

        func run() async throws {
            let configuration = try await reportingErrors { try cacheOptions.configuration() }
            let cache = try await reportingErrors {
                try CacheDirectory(configuration: configuration, access: dryRun ? .readOnly : .readWrite)
            }
            let speech: EspeakProvider
            do {
                speech = try EspeakProvider()
            } catch {
                try? await cache.close()
                printError(error.message)
                throw ExitStatus.usage
            }
            let plan: AudioCache.Plan
            do {
                plan = try await reportingErrors {
                    let inventory = await CacheDirectoryInventory(
                        cache,
                        expectation: .init(provider: speech.name, outputFormat: "wav")
                    )
                    return try await Planner(options: manifests.planOptions()).plan(
                        paths: manifests.inputs,
                        inventory: inventory
                    )
                }
            } catch {
                try? await cache.close()
                throw error
            }
            for problem in plan.problems { printError(problem.description) }
            if dryRun {
                try? await cache.close()
                print(plan.summaryText(cache: configuration.directory), terminator: "")
                return
            }
            let options = WarmOptions(
                scheduler: SchedulerOptions(
                    concurrency: concurrency ?? EspeakProvider.defaultConcurrency,
                    rate: rate,
                    burst: burst,
                    maxAttempts: maxAttempts,
                    adaptive: adaptive,
                    maxCharacters: maxCharacters
                ),
                keepStale: keepStale
            )
            let warmer = Warmer(provider: speech, cache: cache, options: options, clock: ContinuousClock())
            let progress = ProgressPrinter(enabled: !quiet && !json)
            let interrupts = InterruptHandler()
            let task = Task { await warmer.warm(plan, progress: { progress.update($0) }) }
            interrupts.onFirst { task.cancel() }
            let result = await task.value
            interrupts.stop()
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
                FileHandle.standardOutput.write(result.jsonData())
            } else if !quiet || result.exitCode != 0 {
                print(result.summaryText)
            }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }
}

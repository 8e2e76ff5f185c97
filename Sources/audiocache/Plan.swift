import ArgumentParser
import AudioCache
import Foundation

/// Options shared by commands that read manifests.
struct ManifestOptions: ParsableArguments {
    @Argument(help: "Manifest files and folders (folders are walked recursively).")
    var inputs: [String] = ["manifests"]

    @Option(help: "Default voice for phrases that set none (line, file and folder layout come first).")
    var voice: String?

    @Option(help: "Default language for phrases that set none.")
    var language: String?

    @Option(help: "Default model for phrases that set none.")
    var model: String?

    @Option(help: "The longest text allowed, in characters (Unicode scalars).")
    var maxTextLength: Int = ManifestLimits().maxTextCharacters

    @Flag(help: "Report every bad phrase and file, and go on with the good ones.")
    var skipInvalid = false

    @Option(
        help: ArgumentHelp(
            "Take only shard K of N of the renderings, chosen by cache key (docs/sharding.md).",
            valueName: "K/N"
        )
    )
    var shard: String?

    @Option(
        help: ArgumentHelp(
            "Take one of N shards, K from JOB_COMPLETION_INDEX (Kubernetes, from 0) or CI_NODE_INDEX (GitLab, from 1).",
            valueName: "N"
        )
    )
    var shards: Int?

    func validate() throws {
        try FieldRules.Field.voiceID.validate(voice, flag: "--voice")
        try FieldRules.Field.language.validate(language, flag: "--language")
        try FieldRules.Field.modelID.validate(model, flag: "--model")
        guard maxTextLength >= 1 else { throw ValidationError("--max-text-length must be at least 1") }
        _ = try selectedShard()
    }

    /// The shard `--shard` or `--shards` selects, or `nil`.
    /// - Throws: `ValidationError` (usage, exit 64) for a bad spec, both flags, or `--shards`
    ///   without an index in the environment.
    func selectedShard() throws -> Shard? {
        do {
            switch (shard, shards) {
            case (nil, nil): return nil
            case (let spec?, nil): return try Shard(parsing: spec)
            case (nil, let count?): return try Shard(count: count, environment: ProcessInfo.processInfo.environment)
            case (.some, .some): throw ValidationError("give --shard K/N or --shards N, not both")
            }
        } catch let error as AudioCacheError {
            throw ValidationError("--shard\(shard == nil ? "s" : ""): \(error.message)")
        }
    }

    /// The planner's options.
    /// - Parameter readConcurrency: Files read at once (default: the number of processors).
    /// - Returns: The options.
    /// - Throws: `ValidationError` as ``selectedShard()``.
    func planOptions(readConcurrency: Int? = nil) throws -> PlanOptions {
        PlanOptions(
            defaults: PhraseDefaults(voiceID: voice, language: language, modelID: model),
            limits: ManifestLimits(maxTextCharacters: maxTextLength),
            skipInvalid: skipInvalid,
            concurrency: readConcurrency ?? activeProcessorCount(),
            shard: try selectedShard()
        )
    }
}

extension AudioCacheCommand {
    /// `audiocache plan`: what a warm run would do.
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read manifests and show what a warm run would fetch.",
            discussion: """
                Prints phrases, unique renderings, duplicates, collisions and characters per voice and \
                language, and how many renderings the cache already holds. Writes nothing.
                """
        )

        @OptionGroup var manifests: ManifestOptions
        @OptionGroup var cacheOptions: CacheOptions

        @Flag(help: "Print the plan as one JSON document (docs/plan-format.md).")
        var json = false

        @Flag(help: "With --json, also list every rendering.")
        var list = false

        @Flag(help: "Exit 1 when anything would have to be fetched (a CI gate).")
        var check = false

        @Option(help: "Manifest files read at once (default: the number of processors).")
        var concurrency: Int?

        func validate() throws {
            if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
            if list && !json { throw ValidationError("--list needs --json") }
        }

        func run() async throws {
            let (cache, plan) = try await reportingErrors {
                let configuration = try cacheOptions.configuration()
                let planner = Planner(options: try manifests.planOptions(readConcurrency: concurrency))
                guard CacheDirectory.hasIndex(in: configuration.directory) else {
                    return (configuration.directory, try await planner.plan(paths: manifests.inputs))
                }
                let inventory = try await withCache(configuration, access: .readOnly) { cache in
                    await CacheDirectoryInventory(cache)
                }
                return (configuration.directory, try await planner.plan(paths: manifests.inputs, against: inventory))
            }
            for problem in plan.problems { printError(problem.description) }
            if json {
                try await PlanDocument(plan: plan, cache: cache, listRenderings: list).write(to: .standardOutput)
            } else {
                print(plan.summaryText(cache: cache), terminator: "")
            }
            if check && plan.totals.missing + plan.totals.stale > 0 {
                throw ExitStatus.incomplete
            }
        }
    }
}

extension FieldRules.Field {
    /// Refuses a flag's value that breaks the field's rule, in the words manifests use.
    /// - Parameters:
    ///   - value: The value, if the flag was given.
    ///   - flag: The flag, `--voice`.
    /// - Throws: `ValidationError` (usage, exit 64).
    func validate(_ value: String?, flag: String) throws {
        if let value, let problem = problem(with: value) { throw ValidationError("\(flag): \(problem)") }
    }
}

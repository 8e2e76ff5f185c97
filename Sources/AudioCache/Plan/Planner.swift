import Foundation

/// Options for making a plan.
public struct PlanOptions: Sendable {
    /// Defaults from the command line: the last resort for voice, language and model.
    public var defaults: PhraseDefaults
    /// Bounds on manifest input.
    public var limits: ManifestLimits
    /// When `true`, bad phrases and files are reported and left out; when `false` (the default),
    /// the first bad file stops the plan.
    public var skipInvalid: Bool
    /// The key scheme.
    public var keyScheme: KeyScheme
    /// How many files are read at once. Defaults to the number of active processors.
    public var concurrency: Int

    /// Creates options.
    /// - Parameters:
    ///   - defaults: Command-line defaults.
    ///   - limits: Input bounds.
    ///   - skipInvalid: Whether to skip bad input instead of stopping.
    ///   - keyScheme: The key scheme.
    ///   - concurrency: Files read at once; at least 1.
    public init(
        defaults: PhraseDefaults = PhraseDefaults(),
        limits: ManifestLimits = ManifestLimits(),
        skipInvalid: Bool = false,
        keyScheme: KeyScheme = .md5TextVoiceLanguageV1,
        concurrency: Int = activeProcessorCount()
    ) {
        self.defaults = defaults
        self.limits = limits
        self.skipInvalid = skipInvalid
        self.keyScheme = keyScheme
        self.concurrency = max(1, concurrency)
    }
}

/// Reads manifests and makes a ``Plan``.
///
/// Files are read, validated and keyed in parallel (up to ``PlanOptions/concurrency`` at once)
/// and merged strictly in order, so the plan does not depend on timing. Reading writes nothing.
public struct Planner: Sendable {
    /// The options.
    public var options: PlanOptions

    /// Creates a planner.
    /// - Parameter options: The options.
    public init(options: PlanOptions = PlanOptions()) {
        self.options = options
    }

    /// Makes the plan for the manifests at `paths`.
    /// - Parameters:
    ///   - paths: Manifest files and folders, as the user gave them.
    ///   - inventory: What the cache holds.
    /// - Returns: The plan.
    /// - Throws: ``AudioCacheError`` for a missing input, or, unless ``PlanOptions/skipInvalid``
    ///   is set, the problems of the first bad file; `CancellationError` when cancelled.
    public func plan(paths: [String], inventory: some CacheInventory = EmptyCacheInventory()) async throws -> Plan {
        let found = try ManifestDiscovery.find(in: paths)
        if !found.problems.isEmpty && !options.skipInvalid {
            throw AudioCacheError.gathering(found.problems)
        }
        var builder = PlanBuilder()
        builder.skip(found.problems)
        let files = found.files
        let options = self.options
        let totalBytes = files.reduce(0) { $0 + $1.size }
        var mergedBytes = 0
        var mergedPhrases = 0
        try await forEachInOrder(count: files.count, width: options.concurrency) { index in
            Self.read(files[index], options: options)
        } consume: { index, outcome in
            if !outcome.problems.isEmpty && !options.skipInvalid {
                throw AudioCacheError.gathering(outcome.problems)
            }
            builder.skip(outcome.problems)
            mergedBytes += files[index].size
            mergedPhrases += outcome.phrases.count
            let expected = Self.expectedPhrases(seen: mergedPhrases, inBytes: mergedBytes, ofBytes: totalBytes)
            let count = outcome.phrases.count
            // Texts and ids are parts of the files, so the files' size bounds their bytes; room
            // reserved and never written costs address space, not memory.
            builder.reserveCapacity(
                phrases: max(count, expected - (mergedPhrases - count)),
                bytes: index == 0 ? totalBytes : 0
            )
            builder.add(file: outcome.path, phrases: outcome.phrases)
        }
        return builder.finish(keyScheme: options.keyScheme, inventory: inventory)
    }

    /// How many phrases the whole run will probably have, to size the indexes once rather than
    /// rehash them file after file: the phrases per byte seen so far times all the bytes, but never
    /// more than four times what has been seen, in case the first files are denser than the rest.
    static func expectedPhrases(seen phrases: Int, inBytes bytes: Int, ofBytes totalBytes: Int) -> Int {
        guard bytes > 0 else { return phrases }
        let estimate = Double(phrases) * Double(totalBytes) / Double(bytes) * 1.05
        return min(Int(estimate), 4 * phrases)
    }

    /// Reads, validates and keys one file. Never throws: problems are data.
    static func read(_ file: ManifestFile, options: PlanOptions) -> FileOutcome {
        var sink = ManifestSink(
            path: file.path,
            outerDefaults: options.defaults.overridden(by: file.folderDefaults),
            limits: options.limits,
            keyScheme: options.keyScheme
        )
        sink.keepsTags = false
        sink.reserveCapacity(forFileOfSize: file.size)
        do {
            try MappedFile.withContents(of: file.path) { bytes throws(AudioCacheError) in
                try file.format.read(bytes, into: &sink)
            }
        } catch {
            // A file that cannot be read to its end is left out as a whole, not half-read.
            return FileOutcome(path: file.path, phrases: KeyedPhrases(), problems: sink.problems + [error])
        }
        return FileOutcome(path: file.path, phrases: sink.takeKeyedPhrases(), problems: sink.problems)
    }
}

/// What reading one file produced.
struct FileOutcome: Sendable {
    var path: String
    var phrases: KeyedPhrases
    var problems: [AudioCacheError]
}

/// The number of processors available to this process (respecting CPU quotas where the
/// platform reports them).
public func activeProcessorCount() -> Int {
    max(1, ProcessInfo.processInfo.activeProcessorCount)
}

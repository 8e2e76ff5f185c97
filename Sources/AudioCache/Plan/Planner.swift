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
    /// The shard of the plan to keep (``Shard``), or `nil` for every rendering. Everything the plan
    /// counts is the shard's; an id given to different texts in two shards is reported only by a
    /// plan of every shard.
    public var shard: Shard?
    /// The largest size of the parts a large CSV or JSON Lines file is read in, at once, unless
    /// invalid input is skipped (then every file is read whole, so that its problems are counted as
    /// one file's). A smaller input is read in smaller parts, down to 256 KiB, so that every
    /// processor gets about eight.
    var partSize = 4 << 20

    /// Creates options.
    /// - Parameters:
    ///   - defaults: Command-line defaults.
    ///   - limits: Input bounds.
    ///   - skipInvalid: Whether to skip bad input instead of stopping.
    ///   - keyScheme: The key scheme.
    ///   - concurrency: Files read at once, at least 1; `nil` for the number of processors this
    ///     process may use.
    ///   - shard: The shard to keep, or `nil` for every rendering.
    public init(
        defaults: PhraseDefaults = PhraseDefaults(),
        limits: ManifestLimits = ManifestLimits(),
        skipInvalid: Bool = false,
        keyScheme: KeyScheme = .md5TextVoiceLanguageV1,
        concurrency: Int? = nil,
        shard: Shard? = nil
    ) {
        self.defaults = defaults
        self.limits = limits
        self.skipInvalid = skipInvalid
        self.keyScheme = keyScheme
        self.concurrency = max(1, concurrency ?? activeProcessorCount())
        self.shard = shard
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
    ///   - cache: What the cache holds (a snapshot of a ``CacheDirectory``), or `nil` to plan
    ///     against an empty cache.
    /// - Returns: The plan.
    /// - Throws: ``AudioCacheError`` for a missing input or a folder with no manifest, or, unless
    ///   ``PlanOptions/skipInvalid`` is set, the problems of the first bad file;
    ///   `CancellationError` when cancelled.
    public func plan(paths: [String], against cache: CacheDirectoryInventory? = nil) async throws -> Plan {
        guard let cache else { return try await plan(paths: paths, inventory: EmptyCacheInventory()) }
        return try await plan(paths: paths, inventory: cache)
    }

    /// Makes the plan for the manifests at `paths` against any inventory.
    func plan(paths: [String], inventory: some CacheInventory) async throws -> Plan {
        let found = try ManifestDiscovery.find(in: paths)
        if !found.problems.isEmpty && !options.skipInvalid {
            throw AudioCacheError.gathering(found.problems)
        }
        var builder = PlanBuilder()
        builder.shard = options.shard
        builder.skip(found.problems)
        let files = found.files
        let options = self.options
        let totalBytes = files.reduce(0) { $0 + $1.size }
        let parts = Self.parts(of: files, options: options)
        var mergedBytes = 0
        var mergedPhrases = 0
        // The lines of the current file's parts merged so far.
        var lineOffset = 0
        // The storage of merged parts goes to the parts read next.
        let storage = RecyclingPool<KeyedPhrases>(limit: 2 * options.concurrency + 2)
        // A file whose remaining parts were read again as one, after a cut in the wrong place.
        var rereadFile: Int?
        try await forEachInOrder(count: parts.count, width: options.concurrency) { index in
            Self.read(files[parts[index].file], part: parts[index], options: options, reusing: storage.take())
        } consume: { index, outcome in
            var outcome = outcome
            let part = parts[index]
            if part.file == rereadFile {
                storage.give(outcome.phrases)
                return
            }
            if part.number == 0 { lineOffset = 0 }
            if !options.skipInvalid && !outcome.problems.isEmpty, let window = part.window {
                // Cuts are placed by counting quotes, and a quote inside an unquoted field (taken
                // literally) or a malformed record can put one inside a record; the part before such
                // a cut reports a problem. The parts before this one ended where records end, so
                // this one starts where a record starts: the rest of the file, read as one part, is
                // what reading it whole gives from here, phrases and problems alike.
                let rest = ReadPart(file: part.file, number: part.number, window: window.lowerBound..<Int.max)
                storage.give(outcome.phrases)
                outcome = Self.read(files[part.file], part: rest, options: options)
                rereadFile = part.file
            }
            let problems = outcome.problems.map { $0.shiftingLines(by: lineOffset) }
            if !options.skipInvalid && !problems.isEmpty {
                // A bad file stops the plan with its problems: those of the whole file, or of the
                // rest of it read as one part from where its first bad part starts (the parts
                // before were clean), so that they never depend on where the parts were cut.
                throw AudioCacheError.gathering(problems)
            }
            builder.skip(problems)
            mergedBytes += part.size(of: files[part.file])
            mergedPhrases += outcome.phrases.count
            let expected = Self.expectedPhrases(seen: mergedPhrases, inBytes: mergedBytes, ofBytes: totalBytes)
            let count = outcome.phrases.count
            // Texts and ids are parts of the files, so the files' size bounds their bytes; room
            // reserved and never written costs address space, not memory.
            builder.reserveCapacity(
                phrases: max(count, expected - (mergedPhrases - count)),
                bytes: index == 0 ? totalBytes : 0
            )
            builder.add(
                file: outcome.path,
                phrases: outcome.phrases,
                lineOffset: lineOffset,
                continuing: part.number > 0
            )
            lineOffset += outcome.lines
            storage.give(outcome.phrases)
        }
        return builder.finish(keyScheme: options.keyScheme, inventory: inventory)
    }

    /// How many phrases the whole run will probably have, to size the indexes early rather than
    /// rehash them part after part: the phrases per byte seen so far times all the bytes, but never
    /// more than sixteen times what has been seen, in case the first files are denser than the
    /// rest. A table grown while it holds few entries costs little; one grown late moves every
    /// entry merged so far, and a tighter bound made a million phrases rehash four times.
    static func expectedPhrases(seen phrases: Int, inBytes bytes: Int, ofBytes totalBytes: Int) -> Int {
        guard bytes > 0 else { return phrases }
        let estimate = Double(phrases) * Double(totalBytes) / Double(bytes) * 1.05
        return min(Int(estimate), 16 * phrases)
    }

    /// The parts the files are read in: one per file, but large CSV and JSON Lines files in parts
    /// of at most about ``PlanOptions/partSize`` bytes (``ManifestPartition``), so that one large
    /// file keeps every processor busy, merging starts early and parts reuse each other's storage.
    static func parts(of files: [ManifestFile], options: PlanOptions) -> [ReadPart] {
        // Smaller parts for a smaller input, so that every processor gets several to read.
        let totalBytes = files.reduce(0) { $0 + $1.size }
        let partSize = min(options.partSize, max(256 << 10, totalBytes / (8 * options.concurrency)))
        var parts: [ReadPart] = []
        for (index, file) in files.enumerated() {
            let windows = options.skipInvalid ? [nil] : self.windows(of: file, partSize: partSize)
            for (number, window) in windows.enumerated() {
                parts.append(ReadPart(file: index, number: number, window: window))
            }
        }
        return parts
    }

    /// The parts of one file, or `[nil]` to read it whole.
    private static func windows(of file: ManifestFile, partSize: Int) -> [Range<Int>?] {
        guard file.size > partSize, file.format.isReadInParts else { return [nil] }
        // A file that cannot be mapped now is read whole, and reading it reports why.
        let windows = try? MappedFile.withContents(of: file.path) { bytes throws(AudioCacheError) in
            ManifestPartition.parts(of: bytes, format: file.format, partSize: partSize)
        }
        guard let windows, windows.count > 1 else { return [nil] }
        return windows
    }

    /// Reads, validates and keys one file, or one part of one. Never throws:
    /// problems are data.
    static func read(
        _ file: ManifestFile,
        part: ReadPart = .whole,
        options: PlanOptions,
        reusing storage: KeyedPhrases? = nil
    ) -> FileOutcome {
        var sink = ManifestSink(
            path: file.path,
            outerDefaults: options.defaults.overridden(by: file.folderDefaults),
            limits: options.limits,
            keyScheme: options.keyScheme
        )
        sink.keepsTags = false
        if let storage { sink.reuse(storage) }
        sink.reserveCapacity(forFileOfSize: part.size(of: file))
        var lines = 0
        do {
            try MappedFile.withContents(of: file.path) { bytes throws(AudioCacheError) in
                lines = try file.format.read(bytes, part: part.window ?? 0..<bytes.count, into: &sink)
            }
        } catch {
            // A file that cannot be read to its end is left out as a whole, not half-read.
            return FileOutcome(
                path: file.path,
                phrases: KeyedPhrases(),
                problems: sink.problems + [error],
                lines: lines
            )
        }
        return FileOutcome(path: file.path, phrases: sink.takeKeyedPhrases(), problems: sink.problems, lines: lines)
    }
}

/// A file, or a part of a large CSV or JSON Lines file, to read.
struct ReadPart: Sendable {
    /// Index of the file.
    var file: Int
    /// The part's number in its file, from 0.
    var number: Int
    /// The part's bytes, which start where a line or record starts; `nil` for a whole file.
    var window: Range<Int>?

    /// A whole file (its index does not matter to ``Planner/read(_:part:options:)``).
    static let whole = ReadPart(file: 0, number: 0, window: nil)

    /// About how many bytes of `file` the part covers.
    func size(of file: ManifestFile) -> Int {
        guard let window else { return file.size }
        return max(0, min(window.upperBound, file.size) - window.lowerBound)
    }
}

/// What reading one file, or one part of it, produced.
struct FileOutcome: Sendable {
    var path: String
    var phrases: KeyedPhrases
    var problems: [AudioCacheError]
    /// The lines a part went through, for numbering the next part's.
    var lines = 0
}

/// The number of processors available to this process (respecting CPU quotas where the
/// platform reports them).
package func activeProcessorCount() -> Int {
    max(1, ProcessInfo.processInfo.activeProcessorCount)
}

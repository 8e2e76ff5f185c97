import Foundation

extension CacheDirectory {
    /// What ``merge(_:)`` did.
    public struct MergeReport: Sendable {
        /// One key held with different audio by two caches, and which entry was kept.
        public struct Conflict: Sendable, Hashable {
            /// The key.
            public var key: CacheKey
            /// The entry kept, and the cache it came from.
            public var kept: Side
            /// The entry left out, and the cache it came from.
            public var dropped: Side
            /// Which rule decided: `recording`, `newer`, `fingerprint` or `sha256`
            /// (``CacheDirectory/mergeOrder(_:_:)``).
            public var rule: String
        }

        /// One side of a conflict.
        public struct Side: Sendable, Hashable {
            /// The cache folder it is in.
            public var cache: String
            /// Its audio's SHA-256.
            public var sha256: SHA256Hash
            /// When it was stored.
            public var createdAt: Date
            /// Its rendering's fingerprint.
            public var fingerprint: SHA256Hash
            /// Synthesized or recorded.
            public var source: AudioSource
        }

        /// The input folders, in the order given.
        public var inputs: [String] = []
        /// Entries read from the inputs.
        public var entriesRead = 0
        /// Keys the merged cache did not hold before.
        public var added = 0
        /// Entries the merged cache already held with the same audio (kept once).
        public var unchanged = 0
        /// Keys held with different audio, in key order.
        public var conflicts: [Conflict] = []
        /// Audio files hard-linked into the merged cache.
        public var linkedFiles = 0
        /// Audio files copied (the input is on another file system).
        public var copiedFiles = 0
        /// Entries in the merged cache afterwards.
        public var entries = 0
        /// Bytes of audio in the merged cache afterwards.
        public var totalBytes = 0
    }

    /// Adds every entry of `inputs` to this cache: what a merge of shards' folders does.
    ///
    /// - A key only one cache holds is added as it is there (its path, dates, access counts,
    ///   rendering and provider response), its file hard-linked into this folder when both are on
    ///   one file system and copied otherwise.
    /// - A key held with the same audio (SHA-256) is kept once, with the later last access and the
    ///   larger access count.
    /// - A key held with different audio keeps one entry by ``mergeOrder(_:_:)`` (a recording, then
    ///   the newer rendering, then the larger fingerprint and SHA-256, so the result does not depend
    ///   on the order of the inputs), and is reported.
    ///
    /// Every input's files are checked (present, with the size their index records) before
    /// anything is written; a damaged input stops the merge. Files are linked or copied first,
    /// flushed to disk (`sync(2)`), and then one new `index.json` names them all: a merge cut short leaves the
    /// cache as it was plus files no entry names (which the next merge reuses, and
    /// `verify --repair` removes).
    /// - Parameter inputs: The caches to merge in, opened read-only or read-write.
    /// - Returns: What was merged.
    /// - Throws: ``AudioCacheError``: usage for a read-only cache, an input that is this cache or
    ///   keys made another way; bad data for an input whose index names a missing, resized or
    ///   unsafe file; I/O errors.
    public func merge(_ inputs: [CacheDirectory]) async throws(AudioCacheError) -> MergeReport {
        try requireWritable()
        var report = MergeReport()
        var sources: [MergeSource] = []
        for input in inputs {
            report.inputs.append(input.root)
            guard input.root != root else {
                throw AudioCacheError(.usage, "\(root) is both the merged cache and one of its inputs")
            }
            guard input.keyScheme == keyScheme else {
                throw AudioCacheError(
                    .usage,
                    "\(input.root) keys phrases by \(input.keyScheme.rawValue), \(root) by \(keyScheme.rawValue)"
                )
            }
            sources.append(await input.mergeSource())
        }
        // Entries are compared by their records; only a conflict reads two whole entries back.
        let total = sources.reduce(0) { $0 + $1.table.count }
        var winners: [CacheKey: Candidate] = [:]
        winners.reserveCapacity(total)
        // The last conflict of each key: a key three inputs disagree on is reported once.
        var conflicts: [CacheKey: MergeReport.Conflict] = [:]
        // Every input's files, input after input and slot after slot (input `i`'s from `firstCheck[i]`).
        var checks: [FileCheck] = []
        checks.reserveCapacity(total)
        var firstCheck: [Int] = []
        report.entriesRead = total
        for (index, source) in sources.enumerated() {
            firstCheck.append(checks.count)
            for slot in source.table.records.indices {
                let record = source.table.records[slot]
                checks.append(
                    FileCheck(key: record.key, path: source.table.path(slot), size: record.size, input: index)
                )
                let candidate = Candidate(record: record, input: index, slot: slot)
                guard let current = winners[record.key] ?? ownCandidate(record.key) else {
                    winners[record.key] = candidate
                    continue
                }
                if current.record.sha256 == record.sha256 {
                    winners[record.key] = current.accessed(record)
                    continue
                }
                guard let currentEntry = entry(of: current, in: sources), let entry = source.table.entry(slot) else {
                    throw AudioCacheError(
                        .badData,
                        at: SourceLocation(file: source.layout.indexPath),
                        "the entry of key \(record.key) cannot be read back; the index changed under the cache"
                    )
                }
                let (first, rule) = Self.mergeOrder(currentEntry, entry)
                winners[record.key] = first ? current : candidate
                conflicts[record.key] = .init(
                    key: record.key,
                    kept: side(first ? currentEntry : entry, of: first ? current : candidate, sources),
                    dropped: side(first ? entry : currentEntry, of: first ? candidate : current, sources),
                    rule: rule
                )
            }
        }
        report.conflicts = conflicts.values.sorted { $0.key < $1.key }
        try await Self.check(checks, of: sources)

        let keys = winners.keys.sorted()
        var moves: [FileMove] = []
        for key in keys {
            guard let winner = winners[key], winner.input >= 0 else { continue }
            let path = checks[firstCheck[winner.input] + winner.slot].path
            moves.append(
                FileMove(source: sources[winner.input].layout.absolute(path), path: path, size: winner.record.size)
            )
        }
        checks = []
        let placed = try await Self.place(moves, into: layout)
        moves = []
        report.linkedFiles = placed.linked
        report.copiedFiles = placed.copied
        do throws(AudioCacheError) {
            if let error = placed.error { throw error }
            var translations = sources.map { StringTranslation(from: $0.table.strings) }
            var documents: [Int: UInt32] = [:]
            for key in keys {
                guard let winner = winners[key] else { continue }
                // Only its hash and path are needed here: the record, not the entry read back.
                let previous = table.slot(of: key).map { table.publicRecord($0) }
                if let previous {
                    if previous.sha256 == winner.record.sha256 { report.unchanged += 1 }
                    if winner.input >= 0 && previous.path != sources[winner.input].table.path(winner.slot) {
                        garbage.append(previous.path)
                    }
                } else {
                    report.added += 1
                }
                try put(winner, from: sources, translations: &translations, documents: &documents)
                putsSinceSnapshot += 1
            }
            // One flush for every file linked or copied, rather than one per folder.
            FileSystem.flushEverything()
            try writeSnapshotAndStartJournal()
        } catch {
            // What this merge linked or copied goes; the index still names what it named.
            for path in placed.created { try? FileSystem.removeFile(layout.absolute(path)) }
            throw error
        }
        report.entries = table.count
        report.totalBytes = totalSize
        return report
    }

    /// What a merge reads of this cache: its folder and its table as they are now.
    func mergeSource() -> MergeSource {
        MergeSource(layout: layout, table: table)
    }

    /// Puts the winner of a key into this cache's table: its record pointing into its cache's
    /// `index.json`, so that the snapshot copies the entry from there byte for byte, or, for an
    /// entry held only in that cache's memory and journal, the whole entry.
    private func put(
        _ winner: Candidate,
        from sources: [MergeSource],
        translations: inout [StringTranslation],
        documents: inout [Int: UInt32]
    ) throws(AudioCacheError) {
        guard winner.input >= 0 else {
            // This cache's own entry, seen with the same audio elsewhere: only its accesses may change.
            if winner.record.flags.contains(.accessChanged) {
                table.touch(
                    winner.record.key,
                    lastAccessed: winner.record.lastAccessed,
                    accessCount: winner.record.accessCount
                )
            }
            return
        }
        let source = sources[winner.input]
        if let document = source.table.document, winner.record.documentOffset >= 0,
            !source.table.needsOverlay(winner.slot)
        {
            let number = documents[winner.input] ?? table.adopt(document)
            documents[winner.input] = number
            table.put(foreign: winner.record, document: number, translation: &translations[winner.input])
            return
        }
        guard var entry = source.table.entry(winner.slot) else {
            throw AudioCacheError(
                .badData,
                at: SourceLocation(file: source.layout.indexPath),
                "the entry of key \(winner.record.key) cannot be read back; the index changed under the cache"
            )
        }
        entry.lastAccessed = CacheTimestamp.date(milliseconds: winner.record.lastAccessed)
        entry.accessCount = winner.record.accessCount
        table.put(entry)
    }

    /// Which of two entries with one key and different audio a merge keeps: a recording over a
    /// rendering; then the one stored later (a later rendering, made with newer settings when the
    /// fingerprints differ); then the larger rendering fingerprint; then the larger SHA-256.
    /// - Returns: Whether `a` is kept, and the rule that decided (`recording`, `newer`,
    ///   `fingerprint`, `sha256`).
    public static func mergeOrder(_ a: CacheEntry, _ b: CacheEntry) -> (keepsFirst: Bool, rule: String) {
        if a.source != b.source { return (a.source == .recorded, "recording") }
        if a.createdAt != b.createdAt { return (a.createdAt > b.createdAt, "newer") }
        if a.rendering.fingerprint != b.rendering.fingerprint {
            return (a.rendering.fingerprint.description > b.rendering.fingerprint.description, "fingerprint")
        }
        return (a.sha256.description > b.sha256.description, "sha256")
    }

    private func ownCandidate(_ key: CacheKey) -> Candidate? {
        table.slot(of: key).map { Candidate(record: table.records[$0], input: -1, slot: $0) }
    }

    private func entry(of candidate: Candidate, in sources: [MergeSource]) -> CacheEntry? {
        candidate.input < 0 ? table.entry(candidate.slot) : sources[candidate.input].table.entry(candidate.slot)
    }

    private func side(_ entry: CacheEntry, of candidate: Candidate, _ sources: [MergeSource]) -> MergeReport.Side {
        MergeReport.Side(
            cache: candidate.input >= 0 ? sources[candidate.input].layout.root : root,
            sha256: entry.sha256,
            createdAt: entry.createdAt,
            fingerprint: entry.rendering.fingerprint,
            source: entry.source
        )
    }

    /// Refuses an entry whose path is not a file of the cache's audio folder, or whose file is
    /// missing or not the size the index records: every file of every input, on every processor,
    /// the first problem in input order reported.
    private static func check(_ checks: [FileCheck], of sources: [MergeSource]) async throws(AudioCacheError) {
        let problems = await inParallel(checks) { check -> AudioCacheError? in
            let layout = sources[check.input].layout
            guard CacheLayout.isSafeAudioPath(check.path) else {
                return AudioCacheError(
                    .badData,
                    at: SourceLocation(file: layout.indexPath),
                    "entry \(check.key) names \"\(check.path)\", which is not in the audio folder"
                )
            }
            let file = FileSystem.inspect(layout.absolute(check.path))
            guard file.kind == .file, file.size == check.size else {
                let found = file.kind == .file ? "\(file.size) bytes" : "no file"
                return AudioCacheError(
                    .badData,
                    at: SourceLocation(file: layout.absolute(check.path)),
                    "entry \(check.key) records \(check.size) bytes but there is \(found); run audiocache verify on \(layout.root)"
                )
            }
            return nil
        }
        if let problem = problems.first(where: { $0 != nil }) ?? nil { throw problem }
    }

    /// Puts every file of `moves` at the same path in the cache of `layout`, on every processor:
    /// hard links, or copies (written atomically) where the input is on another file system;
    /// nothing where a file of that size is there already (files are named after their key and
    /// SHA-256). Folders are made without flushing each (the merge flushes everything once).
    /// - Returns: What was linked or copied, and the first problem, in key order.
    private static func place(_ moves: [FileMove], into layout: CacheLayout) async throws(AudioCacheError) -> Placed {
        let outcomes = await inParallel(moves) { move -> Result<Placement, AudioCacheError> in
            Result { () throws(AudioCacheError) in try place(move, into: layout) }
        }
        var placed = Placed()
        for (move, outcome) in zip(moves, outcomes) {
            switch outcome {
            case .success(.linked):
                placed.linked += 1
                placed.created.append(move.path)
            case .success(.copied):
                placed.copied += 1
                placed.created.append(move.path)
            case .success(.present):
                break
            case .failure(let error):
                if placed.error == nil { placed.error = error }
            }
        }
        return placed
    }

    private static func place(_ move: FileMove, into layout: CacheLayout) throws(AudioCacheError) -> Placement {
        try FileSystem.linkOrCopy(move.source, to: layout.absolute(move.path), size: move.size, replacing: false)
    }

    /// `transform` of every element, on every processor, in order. Synchronous file work that
    /// waits on the disk (`stat`, `link`, `mkdir`) is what it is for.
    private static func inParallel<Element: Sendable, Value: Sendable>(
        _ elements: [Element],
        _ transform: @escaping @Sendable (Element) -> Value
    ) async -> [Value] {
        let chunk = 4_096
        let count = (elements.count + chunk - 1) / chunk
        var values: [Value] = []
        values.reserveCapacity(elements.count)
        // Neither closure throws, so only cancellation could stop it; then what is done stays done.
        try? await forEachInOrder(count: count, width: activeProcessorCount()) { index in
            elements[index * chunk..<min(elements.count, (index + 1) * chunk)].map(transform)
        } consume: { _, chunk in
            values.append(contentsOf: chunk)
        }
        return values
    }
}

/// What a merge reads of one input: its folder and its table.
struct MergeSource: Sendable {
    var layout: CacheLayout
    var table: CacheTable
}

/// A key's entry so far in a merge: a record of an input (`input` ≥ 0) or of the merged cache
/// itself (`input` = -1), with its slot in that cache's table.
private struct Candidate {
    var record: StoredRecord
    var input: Int
    var slot: Int

    /// The candidate with the later last access and the larger access count of itself and
    /// `other` (the same audio, seen twice).
    func accessed(_ other: StoredRecord) -> Candidate {
        var kept = self
        let lastAccessed = max(record.lastAccessed, other.lastAccessed)
        let accessCount = max(record.accessCount, other.accessCount)
        guard lastAccessed != record.lastAccessed || accessCount != record.accessCount else { return kept }
        kept.record.lastAccessed = lastAccessed
        kept.record.accessCount = accessCount
        kept.record.flags.insert(.accessChanged)
        return kept
    }
}

/// One input file a merge checks before writing anything.
private struct FileCheck: Sendable {
    var key: CacheKey
    var path: String
    var size: Int
    var input: Int
}

/// One file a merge puts into the merged cache: from `source` to `path` under its root.
private struct FileMove: Sendable {
    var source: String
    var path: String
    var size: Int
}

private typealias Placement = FileSystem.Placement

/// What placing a merge's files did.
private struct Placed {
    var linked = 0
    var copied = 0
    /// The paths linked or copied, to remove when the merge fails.
    var created: [String] = []
    var error: AudioCacheError?
}

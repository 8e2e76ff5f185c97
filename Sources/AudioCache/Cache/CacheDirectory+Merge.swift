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
        var winners: [CacheKey: (entry: CacheEntry, input: Int)] = [:]
        // The last conflict of each key: a key three inputs disagree on is reported once.
        var conflicts: [CacheKey: MergeReport.Conflict] = [:]
        for (index, input) in inputs.enumerated() {
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
            for entry in await input.allEntries() {
                report.entriesRead += 1
                try Self.checkFile(of: entry, in: input)
                let candidate = (entry: entry, input: index)
                guard let current = winners[entry.key] ?? ownEntry(entry.key).map({ (entry: $0, input: -1) }) else {
                    winners[entry.key] = candidate
                    continue
                }
                if current.entry.sha256 == entry.sha256 {
                    var kept = current
                    kept.entry.lastAccessed = max(current.entry.lastAccessed, entry.lastAccessed)
                    kept.entry.accessCount = max(current.entry.accessCount, entry.accessCount)
                    winners[entry.key] = kept
                    continue
                }
                let (first, rule) = Self.mergeOrder(current.entry, entry)
                let (kept, dropped) = first ? (current, candidate) : (candidate, current)
                winners[entry.key] = kept
                conflicts[entry.key] = .init(
                    key: entry.key,
                    kept: side(kept, inputs),
                    dropped: side(dropped, inputs),
                    rule: rule
                )
            }
        }
        report.conflicts = conflicts.values.sorted { $0.key < $1.key }
        var created: [String] = []
        var folders: Set<Substring> = []
        do throws(AudioCacheError) {
            for key in winners.keys.sorted() {
                guard let winner = winners[key] else { continue }
                // Only its hash and path are needed here: the record, not the entry read back from
                // index.json a second time.
                let previous = table.slot(of: key).map { table.publicRecord($0) }
                if winner.input >= 0 {
                    let input = inputs[winner.input]
                    switch try place(winner.entry, from: input, folders: &folders) {
                    case .linked:
                        report.linkedFiles += 1
                        created.append(winner.entry.path)
                    case .copied:
                        report.copiedFiles += 1
                        created.append(winner.entry.path)
                    case .present:
                        break
                    }
                }
                if let previous {
                    if previous.sha256 == winner.entry.sha256 { report.unchanged += 1 }
                    if previous.path != winner.entry.path { garbage.append(previous.path) }
                } else {
                    report.added += 1
                }
                table.put(winner.entry)
                putsSinceSnapshot += 1
            }
            // One flush for every file linked or copied, rather than one per folder.
            FileSystem.flushEverything()
            try writeSnapshotAndStartJournal()
        } catch {
            // What this merge linked or copied goes; the index still names what it named.
            for path in created { try? FileSystem.removeFile(layout.absolute(path)) }
            throw error
        }
        report.entries = table.count
        report.totalBytes = totalSize
        return report
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

    private func ownEntry(_ key: CacheKey) -> CacheEntry? {
        table.slot(of: key).flatMap { table.entry($0) }
    }

    private func side(_ winner: (entry: CacheEntry, input: Int), _ inputs: [CacheDirectory]) -> MergeReport.Side {
        MergeReport.Side(
            cache: winner.input >= 0 ? inputs[winner.input].root : root,
            sha256: winner.entry.sha256,
            createdAt: winner.entry.createdAt,
            fingerprint: winner.entry.rendering.fingerprint,
            source: winner.entry.source
        )
    }

    /// Refuses an entry whose path is not a file of the cache's audio folder, or whose file is
    /// missing or not the size the index records.
    private static func checkFile(of entry: CacheEntry, in input: CacheDirectory) throws(AudioCacheError) {
        guard CacheLayout.isSafeAudioPath(entry.path) else {
            throw AudioCacheError(
                .badData,
                at: SourceLocation(file: input.layout.indexPath),
                "entry \(entry.key) names \"\(entry.path)\", which is not in the audio folder"
            )
        }
        let file = FileSystem.inspect(input.layout.absolute(entry.path))
        guard file.kind == .file, file.size == entry.size else {
            let found = file.kind == .file ? "\(file.size) bytes" : "no file"
            throw AudioCacheError(
                .badData,
                at: SourceLocation(file: input.layout.absolute(entry.path)),
                "entry \(entry.key) records \(entry.size) bytes but there is \(found); run audiocache verify on \(input.root)"
            )
        }
    }

    private enum Placement {
        case linked, copied, present
    }

    /// Puts the file of `entry` from `input` at the same path in this cache: a hard link, or a
    /// copy (written atomically) when the two are on different file systems; nothing when a file
    /// of that size is there already (files are named after their key and SHA-256).
    ///
    /// Folders are made without flushing each (the merge flushes everything once), and remembered
    /// in `folders` so that each is made once.
    private func place(
        _ entry: CacheEntry,
        from input: CacheDirectory,
        folders: inout Set<Substring>
    ) throws(AudioCacheError) -> Placement {
        let source = input.layout.absolute(entry.path)
        let destination = layout.absolute(entry.path)
        let folder = destination[..<(destination.lastIndex(of: "/") ?? destination.endIndex)]
        if !folders.contains(folder) {
            try FileSystem.makeFolder(String(folder), flushing: false)
            folders.insert(folder)
        }
        if link(source, destination) == 0 { return .linked }
        if errno == EEXIST {
            let existing = FileSystem.inspect(destination)
            if existing.kind == .file && existing.size == entry.size { return .present }
            try FileSystem.removeFile(destination)
            if link(source, destination) == 0 { return .linked }
        }
        guard [EXDEV, EPERM, EMLINK].contains(errno) else {
            throw AudioCacheError.system("cannot link \(source) to", at: destination)
        }
        guard let bytes = FileManager.default.contents(atPath: source) else {
            throw AudioCacheError.system("cannot read", at: source)
        }
        try FileSystem.writeAtomically(destination, through: layout.temporaryFolder, bytes: Array(bytes))
        return .copied
    }
}

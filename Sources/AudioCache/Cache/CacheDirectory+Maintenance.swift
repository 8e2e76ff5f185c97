import Crypto
import Foundation

/// Which entries an invalidation removes.
public enum CacheSelection: Sendable, Hashable {
    /// The entry with this key.
    case key(CacheKey)
    /// Every entry of a voice.
    case voice(String)
    /// Every entry of a language.
    case language(String)
    /// Entries created before a date.
    case createdBefore(Date)
    /// Every entry.
    case all

    func matches(_ record: StoredRecord, strings: InternedStrings) -> Bool {
        switch self {
        case .key(let key): record.key == key
        case .voice(let voice): strings[record.voice].utf8.elementsEqual(voice.utf8)
        case .language(let language): strings[record.language].utf8.elementsEqual(language.utf8)
        case .createdBefore(let date): record.createdAt < CacheTimestamp.milliseconds(date)
        case .all: true
        }
    }
}

/// The order in which eviction removes entries.
public enum EvictionPolicy: String, Sendable, Hashable, CaseIterable {
    /// Least recently accessed first; ties broken by fewest accesses (the reference Python implementation's "sorted by last
    /// access date and frequency of use").
    case leastRecentlyUsed = "lru"
    /// Fewest accesses first; ties broken by least recent access.
    case leastFrequentlyUsed = "lfu"
}

extension CacheDirectory {
    /// Removes the entries `selection` matches, pinned or not, and their files.
    /// - Parameter selection: What to remove.
    /// - Returns: The removed entries' records, in key order.
    /// - Throws: ``AudioCacheError`` (I/O, or usage when read-only).
    @discardableResult
    public func invalidate(_ selection: CacheSelection) throws(AudioCacheError) -> [CacheRecord] {
        try requireWritable()
        if case .key(let key) = selection {
            guard let slot = table.slot(of: key) else { return [] }
            return try remove([slot])
        }
        let strings = table.strings
        let slots = table.records.indices.filter { selection.matches(table.records[$0], strings: strings) }
        return try remove(slots.sorted { table.records[$0].key < table.records[$1].key })
    }

    /// Removes the entries whose key `plan` does not hold (phrases deleted from the manifests),
    /// with their files: what `audiocache gc` does. Recordings (``AudioSource/recorded``, put in
    /// by hand) are kept unless `includingRecordings`.
    /// - Parameters:
    ///   - plan: The plan of every manifest that is still wanted (not a shard of it).
    ///   - includingRecordings: Whether recordings no manifest asks for go too.
    ///   - dryRun: Whether to only say what would go (the cache may then be read-only).
    /// - Returns: The entries removed (or that would be), in key order.
    /// - Throws: ``AudioCacheError``: usage for a shard's plan, for keys made another way, or
    ///   for a read-only cache without `dryRun`; I/O errors.
    @discardableResult
    public func removeEntries(
        notIn plan: Plan,
        includingRecordings: Bool = false,
        dryRun: Bool = false
    ) throws(AudioCacheError) -> [CacheRecord] {
        guard plan.shard == nil else {
            throw AudioCacheError(.usage, "a shard's plan names only part of the phrases; plan every shard")
        }
        guard plan.keyScheme == keyScheme else {
            throw AudioCacheError(
                .usage,
                "the plan keys phrases by \(plan.keyScheme.rawValue), the cache by \(keyScheme.rawValue)"
            )
        }
        if !dryRun { try requireWritable() }
        let wanted = Set(plan.list.keys)
        let slots = table.records.indices.filter { slot in
            let record = table.records[slot]
            return !wanted.contains(record.key) && (includingRecordings || !record.flags.contains(.recorded))
        }.sorted { table.records[$0].key < table.records[$1].key }
        if dryRun { return slots.map { table.publicRecord($0) } }
        return try remove(slots)
    }

    /// Removes every entry and file.
    /// - Returns: How many entries were removed.
    /// - Throws: ``AudioCacheError``.
    @discardableResult
    public func clear() throws(AudioCacheError) -> Int {
        try invalidate(.all).count
    }

    /// Removes the entries whose ``CacheEntry/expiresAt`` has passed. Pinned entries have none.
    /// - Returns: The removed entries' records, in key order.
    /// - Throws: ``AudioCacheError``.
    @discardableResult
    public func expire() throws(AudioCacheError) -> [CacheRecord] {
        try requireWritable()
        let date = CacheTimestamp.milliseconds(now())
        let slots = table.records.indices.filter { table.records[$0].isExpired(atMilliseconds: date) }
        return try remove(slots.sorted { table.records[$0].key < table.records[$1].key })
    }

    /// Removes unpinned entries, in the order of `policy`, until the cache's size is at most
    /// `maxSize` (or no unpinned entry is left).
    /// - Parameters:
    ///   - maxSize: The size to fit in, in bytes; `nil` uses ``CacheConfiguration/maxSizeBytes``
    ///     (where `0` means no limit and nothing is evicted).
    ///   - policy: Which entries go first.
    /// - Returns: The removed entries' records, in the order they were chosen.
    /// - Throws: ``AudioCacheError``.
    @discardableResult
    public func evict(
        toFit maxSize: Int? = nil,
        policy: EvictionPolicy = .leastRecentlyUsed
    ) throws(AudioCacheError)
        -> [CacheRecord]
    {
        try requireWritable()
        let limit = maxSize ?? configuration.maxSizeBytes
        guard maxSize != nil || limit > 0, totalSize > limit else { return [] }
        // Sort small keys rather than the records themselves: a million records would be copied
        // into every comparison.
        struct Candidate {
            var first: Int64
            var second: Int64
            var key: CacheKey
            var slot: Int
        }
        var candidates: [Candidate] = []
        candidates.reserveCapacity(table.count)
        for (slot, record) in table.records.enumerated() where !record.isPinned {
            let count = Int64(clamping: record.accessCount)
            candidates.append(
                policy == .leastRecentlyUsed
                    ? Candidate(first: record.lastAccessed, second: count, key: record.key, slot: slot)
                    : Candidate(first: count, second: record.lastAccessed, key: record.key, slot: slot)
            )
        }
        candidates.sort { ($0.first, $0.second, $0.key) < ($1.first, $1.second, $1.key) }
        var size = totalSize
        var chosen: [Int] = []
        for candidate in candidates where size > limit {
            chosen.append(candidate.slot)
            size -= table.records[candidate.slot].size
        }
        return try remove(chosen)
    }

    /// Drops the entries in `slots`, writes the index without them, then deletes their files.
    /// - Returns: Their records, in the order given.
    func remove(_ slots: [Int]) throws(AudioCacheError) -> [CacheRecord] {
        guard !slots.isEmpty else { return [] }
        let removed = slots.map { table.publicRecord($0) }
        for record in removed {
            table.remove(record.key)
        }
        try writeSnapshotAndStartJournal()
        // No entry names these files any more, and index.json no longer does: delete them.
        for record in removed where CacheLayout.isSafeAudioPath(record.path) {
            try FileSystem.removeFile(layout.absolute(record.path))
        }
        return removed
    }

    // MARK: Statistics

    /// The statistics of the reference Python implementation's management API: size, hit rate, distribution per voice and the
    /// most accessed entries. Counts no access.
    /// - Parameter top: How many of the most accessed entries to list.
    /// - Returns: The statistics.
    public func stats(top: Int = 10) -> CacheStats {
        var voices: [UInt32: CacheStats.Group] = [:]
        var languages: [UInt32: CacheStats.Group] = [:]
        var pinned = 0
        var expired = 0
        let date = CacheTimestamp.milliseconds(now())
        let strings = table.strings
        for record in table.records {
            voices[record.voice, default: CacheStats.Group(name: strings[record.voice])].add(record)
            languages[record.language, default: CacheStats.Group(name: strings[record.language])].add(record)
            if record.isPinned { pinned += 1 }
            if record.isExpired(atMilliseconds: date) { expired += 1 }
        }
        // The top entries by accesses (ties by key), kept in a short sorted list: no sort of a
        // million records for ten names.
        let records = table.records
        func ranksBefore(_ a: Int, _ b: Int) -> Bool {
            (records[b].accessCount, records[a].key) < (records[a].accessCount, records[b].key)
        }
        var best: [Int] = []
        for slot in records.indices where top > 0 && records[slot].accessCount > 0 {
            if best.count == top, let last = best.last, !ranksBefore(slot, last) { continue }
            let position = best.firstIndex { ranksBefore(slot, $0) } ?? best.count
            best.insert(slot, at: position)
            if best.count > top { best.removeLast() }
        }
        let mostAccessed = best.compactMap { table.entry($0) }
        return CacheStats(
            directory: layout.root,
            keyScheme: keyScheme,
            entries: table.count,
            totalBytes: totalSize,
            maxSizeBytes: configuration.maxSizeBytes,
            pinnedEntries: pinned,
            expiredEntries: expired,
            hits: header.hits,
            misses: header.misses,
            since: header.statsSince,
            voices: voices.values.sorted { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) },
            languages: languages.values.sorted { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) },
            mostAccessed: mostAccessed
        )
    }

    // MARK: Verification

    /// Checks that every entry's file exists with the recorded size and SHA-256, and finds files
    /// that no entry names (orphans) and leftover temporary files; with `repair`, drops the broken
    /// entries and deletes the orphans and temporary files.
    ///
    /// Files are hashed on several tasks at once, so the disk, not the hashing, sets the pace.
    /// - Parameters:
    ///   - repair: Whether to fix what is found.
    ///   - concurrency: Files read and hashed at once; `nil` for four per processor, so that the
    ///     disk always has reads queued.
    /// - Returns: What was found (and repaired).
    /// - Throws: ``AudioCacheError`` (usage when repairing a read-only cache, I/O).
    public func verify(
        repair: Bool = false,
        concurrency: Int? = nil
    ) async throws(AudioCacheError)
        -> VerifyReport
    {
        if repair { try requireWritable() }
        let concurrency = max(1, concurrency ?? 4 * activeProcessorCount())
        let root = layout.root
        let snapshot = allRecords()
        var problems: [VerifyReport.Problem] = []
        let chunkSize = max(1, (snapshot.count + 4 * concurrency - 1) / (4 * concurrency))
        let chunks = stride(from: 0, to: snapshot.count, by: chunkSize).map {
            Array(snapshot[$0..<min($0 + chunkSize, snapshot.count)])
        }
        await withTaskGroup(of: [VerifyReport.Problem].self) { group in
            var next = 0
            func startNext() {
                guard next < chunks.count else { return }
                let chunk = chunks[next]
                group.addTask { chunk.compactMap { Self.check($0, root: root) } }
                next += 1
            }
            for _ in 0..<max(1, concurrency) { startNext() }
            while let found = await group.next() {
                problems += found
                startNext()
            }
        }
        problems.sort { $0.key < $1.key }
        // Stores may have run while the files were hashed, and replaced files wait in `garbage`
        // until an index without them is written: none of those is an orphan.
        let referenced = Set(snapshot.map(\.path)).union(table.records.indices.map { table.path($0) }).union(garbage)
        var orphans: [String] = []
        try collectFiles(in: CacheLayout.audioFolderName) { path in
            if !referenced.contains(path) { orphans.append(path) }
        }
        let temporary = try FileSystem.contents(of: layout.temporaryFolder).map {
            CacheLayout.temporaryFolderName + "/" + $0
        }
        var report = VerifyReport(
            checkedEntries: snapshot.count,
            checkedBytes: snapshot.reduce(0) { $0 + $1.size },
            problems: problems,
            orphanFiles: orphans.sorted(),
            temporaryFiles: temporary,
            repaired: false
        )
        if repair {
            _ = try remove(
                problems.compactMap { problem in
                    table.slot(of: problem.key).flatMap { table.path($0) == problem.path ? $0 : nil }
                }
            )
            for path in report.orphanFiles + report.temporaryFiles {
                try FileSystem.removeFile(layout.absolute(path))
            }
            report.repaired = true
        }
        return report
    }

    /// Walks the audio folder, calling `found` with each regular file's path relative to the root.
    private func collectFiles(in relative: String, _ found: (String) -> Void) throws(AudioCacheError) {
        for name in try FileSystem.contents(of: layout.absolute(relative)) {
            let path = relative + "/" + name
            switch FileSystem.inspect(layout.absolute(path)).kind {
            case .folder: try collectFiles(in: path, found)
            case .missing: continue
            case .file, .other: found(path)
            }
        }
    }

    /// The problem with one entry's file, or `nil` when it is sound.
    nonisolated static func check(_ entry: CacheRecord, root: String) -> VerifyReport.Problem? {
        func problem(_ kind: VerifyReport.Problem.Kind, _ detail: String) -> VerifyReport.Problem {
            VerifyReport.Problem(key: entry.key, path: entry.path, kind: kind, detail: detail)
        }
        let path = root + "/" + entry.path
        let (kind, size) = FileSystem.inspect(path)
        guard kind != .missing else { return problem(.missing, "the file is missing") }
        guard kind == .file else { return problem(.notAFile, "is not a regular file") }
        guard size == entry.size else {
            return problem(.wrongSize, "the file has \(size) bytes, the index says \(entry.size)")
        }
        guard let digest = FileSystem.sha256(of: path) else {
            return problem(.unreadable, "cannot read the file")
        }
        guard digest == entry.sha256 else {
            return problem(.wrongContent, "the file's SHA-256 is \(digest), the index says \(entry.sha256)")
        }
        return nil
    }
}

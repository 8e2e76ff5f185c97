import Foundation

/// A cache folder opened by this process: the runtime cache of the reference Python
/// implementation's `AudioCacheService` (lookup with TTL, access tracking, store, invalidation,
/// eviction, statistics) over the crash-safe layout of `docs/cache-format.md`.
///
/// ```swift
/// let cache = try CacheDirectory(configuration: .init(directory: "cache"))
/// if let hit = await cache.lookup(text: "Hola", voice: "es", language: "es") {
///     serve(hit.fileURL)
/// }
/// try await cache.close()
/// ```
///
/// **Writes.** Audio goes to `tmp/`, is flushed and renamed into `audio/`; then one line is
/// appended to `index.journal` and flushed. Bulk changes (invalidate, expire, evict, clear) and
/// ``close()`` write a new `index.json` (temporary file, flush, rename) and start a new journal.
/// Audio files are never overwritten and are deleted only once an `index.json` that no longer names
/// them is on disk, so neither `index.json` alone nor `index.json` plus the journal ever names a
/// missing or different file, whenever the process dies.
///
/// **One writer.** Opening for writing takes `.lock`; a second writer is refused with an error of
/// kind ``AudioCacheError/Kind/locked``. Read-only opens take no lock and see the state as of the
/// last flushed journal record.
///
/// **Accesses.** Lookups update the entry in memory; the changes are appended to the journal every
/// ``CacheConfiguration/accessFlushInterval`` lookups, on ``flush()`` and on ``close()``.
public actor CacheDirectory {
    /// How a cache folder is opened.
    public enum Access: Sendable {
        /// Reads the index; takes no lock, writes nothing. Lookups are counted in memory only.
        case readOnly
        /// Takes the lock, cleans leftovers, and may write.
        case readWrite
    }

    /// The settings.
    public nonisolated let configuration: CacheConfiguration
    /// Where things are.
    nonisolated let layout: CacheLayout
    /// The cache folder, as it was given.
    public nonisolated var root: String { layout.root }

    /// Where an entry's audio file is: its ``CacheEntry/path`` below the cache folder.
    /// - Parameter entry: An entry of this cache.
    /// - Returns: The file's path.
    public nonisolated func filePath(of entry: CacheEntry) -> String { layout.absolute(entry.path) }

    /// Whether a folder holds a cache index (`index.json`): a cache some writer has opened.
    /// - Parameter directory: The cache folder.
    /// - Returns: `true` when the index exists.
    public static func hasIndex(in directory: String) -> Bool {
        FileSystem.inspect(CacheLayout(root: directory).indexPath).kind == .file
    }
    /// How the folder was opened.
    public nonisolated let access: Access
    /// The key scheme of the index.
    public nonisolated let keyScheme: KeyScheme
    /// What opening found and repaired.
    public nonisolated let openReport: OpenReport

    let now: @Sendable () -> Date
    var table: CacheTable
    var header: CacheIndexHeader
    var totalSize: Int { table.totalSize }
    private var lock: FileLock?
    /// The journal, open for appending; `nil` when read-only.
    private let journal: CacheJournal?
    /// Entries stored since `index.json` was written (they live in the journal until the next one).
    var putsSinceSnapshot = 0
    var dirtyAccesses: Set<CacheKey> = []
    private var lookupsSinceFlush = 0
    /// Audio files no entry names any more, deleted after the next index document is written.
    var garbage: [String] = []
    private var isClosed = false
    /// What listings and searches keep between calls (``entries(matching:offset:limit:)``).
    var listing = EntryListing()
    /// The listing being prepared off the actor (``prepareListing()``), which listings wait for
    /// rather than read every text a second time.
    var listingPreparation: Task<EntryListing, Never>?

    /// What opening a cache found.
    public struct OpenReport: Sendable, Hashable {
        /// Temporary files left by an earlier process and removed.
        public var removedTemporaryFiles: Int
        /// Journal records applied on top of `index.json`.
        public var replayedRecords: Int
        /// A torn or bad journal record that was dropped, when there was one.
        public var droppedRecord: String?
        /// Whether the entries came from `index.table` (fast) rather than from parsing
        /// `index.json` (when the table was missing, damaged or outdated).
        public var usedTable: Bool
    }

    /// Opens (and, for writing, creates) a cache folder.
    /// - Parameters:
    ///   - configuration: The settings; ``CacheConfiguration/directory`` names the folder.
    ///   - access: Read-only or read-write.
    ///   - keyScheme: The key scheme for a new cache; an existing index keeps its own.
    ///   - now: The wall clock, injected for tests.
    /// - Throws: ``AudioCacheError``: ``AudioCacheError/Kind/locked`` when another process writes
    ///   the folder, bad data for a damaged index, I/O errors.
    public init(
        configuration: CacheConfiguration,
        access: Access = .readWrite,
        keyScheme: KeyScheme = .md5TextVoiceLanguageV1,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(AudioCacheError) {
        let layout = CacheLayout(root: configuration.directory)
        self.configuration = configuration
        self.layout = layout
        self.access = access
        self.now = now
        // Lock, load index.json, replay what the journal adds.
        var lock: FileLock?
        var removedTemporary = 0
        if access == .readWrite {
            (lock, removedTemporary) = try Self.lockFolder(layout)
        } else if FileSystem.inspect(layout.root).kind == .file {
            throw AudioCacheError(
                .usage,
                at: SourceLocation(file: layout.root),
                "is a file, but the cache must be a folder"
            )
        }
        do throws(AudioCacheError) {
            var header = CacheIndexHeader(keyScheme: keyScheme, startingAt: CacheTimestamp.truncated(now()))
            var table = CacheTable()
            var usedTable = false
            if FileSystem.inspect(layout.indexPath).kind != .missing {
                (header, table, usedTable) = try Self.loadIndex(layout: layout, writable: access == .readWrite)
            } else if access == .readWrite {
                // A new cache: an empty index.json from the start, for runtimes that read it.
                try FileSystem.writeAtomically(layout.indexPath, through: layout.temporaryFolder) {
                    write throws(AudioCacheError) in
                    _ = try CacheIndexWriter.writeDocument(header: header, table: CacheTable(), to: write)
                }
            }
            let journal = try CacheJournal.open(layout, following: header.generation, writable: access == .readWrite)
            let replay = journal.replay(into: &table, header: &header)
            self.header = header
            self.table = table
            self.keyScheme = header.keyScheme
            self.garbage = replay.replacedFiles
            self.putsSinceSnapshot = replay.puts
            self.journal = access == .readWrite ? journal : nil
            self.openReport = OpenReport(
                removedTemporaryFiles: removedTemporary,
                replayedRecords: replay.records,
                droppedRecord: replay.dropped?.description,
                usedTable: usedTable
            )
        } catch {
            lock?.release()
            throw error
        }
        self.lock = lock
    }

    // MARK: Lookup

    /// What a lookup found.
    public struct Hit: Sendable, Hashable {
        /// The entry's record, with this access counted.
        public var record: CacheRecord
        /// The audio file's path (the cache folder joined to ``CacheRecord/path``).
        public var filePath: String
        /// The audio file.
        public var fileURL: URL { URL(fileURLWithPath: filePath, isDirectory: false) }
    }

    /// Looks a phrase up, as the runtime does before calling a provider: counts a hit or a miss
    /// and, on a hit, records the access.
    /// - Parameters:
    ///   - text: The text as written; normalized for the key.
    ///   - voice: The voice id.
    ///   - language: The language.
    /// - Returns: The entry's record and its file, or `nil` when absent, expired or the cache is
    ///   disabled.
    public func lookup(text: String, voice: String, language: String) -> Hit? {
        lookup(key: keyScheme.key(text: text, voiceID: voice, language: language))
    }

    /// Looks a key up; see ``lookup(text:voice:language:)``.
    /// - Parameter key: The key.
    /// - Returns: The entry's record and its file, or `nil`.
    public func lookup(key: CacheKey) -> Hit? {
        guard configuration.isEnabled, !isClosed else { return nil }
        let date = CacheTimestamp.milliseconds(now())
        guard let slot = table.slot(of: key), !table.records[slot].isExpired(atMilliseconds: date) else {
            header.misses += 1
            noteLookup()
            return nil
        }
        table.touch(key, lastAccessed: date, accessCount: table.records[slot].accessCount + 1)
        header.hits += 1
        dirtyAccesses.insert(key)
        noteLookup()
        let record = table.publicRecord(slot)
        return Hit(record: record, filePath: layout.absolute(record.path))
    }

    /// The full entry for a key (texts and rendering, read back from `index.json`), without
    /// counting an access or a hit.
    /// - Parameter key: The key.
    /// - Returns: The entry, expired or not, or `nil`.
    public func entry(for key: CacheKey) -> CacheEntry? {
        table.slot(of: key).flatMap { table.entry($0) }
    }

    /// The record for a key, without counting an access or a hit.
    /// - Parameter key: The key.
    /// - Returns: The record, expired or not, or `nil`.
    public func record(for key: CacheKey) -> CacheRecord? {
        table.slot(of: key).map { table.publicRecord($0) }
    }

    /// Every entry in full, in key order (reads every entry back from `index.json`: for small
    /// caches and tests; use ``allRecords()`` for large ones).
    public func allEntries() -> [CacheEntry] {
        table.slotsInKeyOrder().compactMap { table.entry($0) }
    }

    /// Every record, in key order.
    public func allRecords() -> [CacheRecord] {
        table.slotsInKeyOrder().map { table.publicRecord($0) }
    }

    /// The number of entries.
    public var count: Int { table.count }

    /// Bytes of audio the entries hold (what eviction keeps under the maximum size).
    public var totalBytes: Int { table.totalSize }

    private func noteLookup() {
        lookupsSinceFlush += 1
        if lookupsSinceFlush >= configuration.accessFlushInterval && access == .readWrite {
            try? flushAccesses()
        }
    }

    // MARK: Flushing and closing

    /// Writes pending access statistics and counters to the journal, and folds the journal into
    /// a fresh `index.json` once it has grown past a quarter of the index (10,000 records at
    /// least), so that a service that flushes for months keeps a journal of bounded length.
    /// - Throws: ``AudioCacheError`` (I/O).
    public func flush() throws(AudioCacheError) {
        guard access == .readWrite, !isClosed else { return }
        try flushAccesses()
        if journalIsLong { try writeSnapshotAndStartJournal() }
    }

    /// Whether the journal holds more records than a quarter of the index (10,000 at least).
    private var journalIsLong: Bool {
        (journal?.records ?? 0) > max(10_000, table.count / 4)
    }

    /// Folds everything into a fresh `index.json` (access statistics included) and empties the
    /// journal, so that runtimes that read only `index.json` see the latest state; then deletes the
    /// files no entry names any more. A cache bundle is best shipped after this.
    /// - Throws: ``AudioCacheError`` (I/O, or usage when read-only).
    public func compact() throws(AudioCacheError) {
        try requireWritable()
        try flushAccesses()
        try writeSnapshotAndStartJournal()
    }

    /// Makes `index.json` the whole state of the cache, as a bundle ships it: like ``compact()``,
    /// but only when something is not in it yet (journal records, accesses, files to delete), so
    /// that a cache compacted once keeps its `index.json`, byte for byte.
    /// - Returns: Whether `index.json` was written anew.
    /// - Throws: ``AudioCacheError`` (I/O, or usage when read-only).
    @discardableResult
    public func compactIfNeeded() throws(AudioCacheError) -> Bool {
        try requireWritable()
        let pending =
            (journal?.records ?? 0) > 0 || lookupsSinceFlush > 0 || putsSinceSnapshot > 0 || !garbage.isEmpty
        guard pending || FileSystem.inspect(layout.indexPath).kind != .file else { return false }
        try compact()
        return true
    }

    /// When `index.json` was last written (its `updated_at`).
    public var updatedAt: Date { header.updatedAt }

    /// Flushes access statistics, writes a fresh `index.json` when entries were stored or removed
    /// since the last one (so runtimes that read only the index see them; access statistics alone
    /// stay in the journal, see ``compact()``), deletes files no entry names any more, and
    /// releases the lock. Further calls on this instance find nothing and store nothing.
    /// - Throws: ``AudioCacheError`` (I/O); the lock is released anyway.
    public func close() throws(AudioCacheError) {
        guard !isClosed else { return }
        defer {
            isClosed = true
            journal?.close()
            lock?.release()
        }
        guard access == .readWrite else { return }
        try flushAccesses()
        // Stored entries go into index.json, so runtimes that read only it see them; access
        // statistics alone stay in the journal (rewriting a large index for them is not worth it)
        // until the journal grows past a quarter of the index.
        if putsSinceSnapshot > 0 || !garbage.isEmpty || journalIsLong {
            try writeSnapshotAndStartJournal()
        }
    }

    /// Stops using the folder as a killed process would: releases the lock and writes nothing more
    /// (no pending accesses, no index document). For crash tests.
    func abandon() {
        isClosed = true
        journal?.close()
        lock?.release()
    }

    func requireWritable() throws(AudioCacheError) {
        guard access == .readWrite, !isClosed else {
            throw AudioCacheError(.usage, "the cache \(layout.root) is \(isClosed ? "closed" : "open read-only")")
        }
    }

    private func flushAccesses() throws(AudioCacheError) {
        lookupsSinceFlush = 0
        var records: [CacheJournal.Record] = []
        for key in dirtyAccesses.sorted() {
            guard let slot = table.slot(of: key) else { continue }
            let record = table.records[slot]
            let lastAccessed = CacheTimestamp.date(milliseconds: record.lastAccessed)
            records.append(.touch(key, lastAccessed: lastAccessed, accessCount: record.accessCount))
        }
        if !dirtyAccesses.isEmpty || header.hits + header.misses > 0 {
            records.append(.stats(hits: header.hits, misses: header.misses, since: header.statsSince))
        }
        dirtyAccesses.removeAll()
        try appendToJournal(records, flush: false)
    }

    func appendToJournal(_ records: [CacheJournal.Record], flush: Bool) throws(AudioCacheError) {
        guard let journal else {
            throw AudioCacheError(.io, at: SourceLocation(file: layout.journalPath), "is not open")
        }
        try journal.append(records, flush: flush)
    }

    /// Writes `index.json` and its table from memory (one generation on), starts an empty journal
    /// after it, then deletes the files that only older documents named.
    func writeSnapshotAndStartJournal() throws(AudioCacheError) {
        // Nothing may be appended to the journal from here until it follows the new index.json.
        journal?.close()
        header.generation += 1
        header.updatedAt = CacheTimestamp.truncated(now())
        let written = header
        let table = self.table
        var ranges: [(slot: Int, offset: Int, length: Int32)] = []
        try FileSystem.writeAtomically(layout.indexPath, through: layout.temporaryFolder) {
            write throws(AudioCacheError) in
            ranges = try CacheIndexWriter.writeDocument(header: written, table: table, to: write)
        }
        guard let document = IndexDocument(path: layout.indexPath) else {
            throw AudioCacheError.system("cannot open", at: layout.indexPath)
        }
        self.table.moved(to: document, ranges: ranges)
        let moved = self.table
        let documentSize = FileSystem.inspect(layout.indexPath).size
        try FileSystem.writeAtomically(layout.tablePath, through: layout.temporaryFolder) {
            write throws(AudioCacheError) in
            try CacheTableFile.write(moved, generation: written.generation, documentSize: documentSize, to: write)
        }
        try journal?.truncate(following: header.generation)
        putsSinceSnapshot = 0
        var everyPath: Set<String>?
        for path in garbage where CacheLayout.isSafeAudioPath(path) {
            // A file is named after its key, so only that key's entry can still name it; a name
            // that is not a key (an index written by another tool) is checked against every path.
            let name = path.utf8.split(separator: UInt8(ascii: "/")).last.map {
                String(decoding: $0.prefix(32), as: UTF8.self)
            }
            if let key = CacheKey(hex: name ?? "") {
                if let slot = self.table.slot(of: key), self.table.path(slot) == path { continue }
            } else {
                if everyPath == nil { everyPath = Set((0..<self.table.count).map { self.table.path($0) }) }
                if everyPath?.contains(path) == true { continue }
            }
            try FileSystem.removeFile(layout.absolute(path))
        }
        garbage.removeAll()
    }
}

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
    private var journal: CacheJournal?
    /// Entries stored since `index.json` was written (they live in the journal until the next one).
    private var putsSinceSnapshot = 0
    private var dirtyAccesses: Set<CacheKey> = []
    private var lookupsSinceFlush = 0
    /// Audio files no entry names any more, deleted after the next index document is written.
    var garbage: [String] = []
    private var isClosed = false

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
        var lock: FileLock?
        var removedTemporary = 0
        if access == .readWrite {
            try FileSystem.makeFolder(layout.root)
            try FileSystem.makeFolder(layout.temporaryFolder)
            try FileSystem.makeFolder(layout.audioFolder)
            lock = try FileLock(path: layout.lockPath, purpose: "cache folder \(layout.root)")
            for name in try FileSystem.contents(of: layout.temporaryFolder) {
                try FileSystem.removeFile(layout.temporaryFolder + "/" + name)
                removedTemporary += 1
            }
        } else if FileSystem.inspect(layout.root).kind == .file {
            throw AudioCacheError(
                .usage,
                at: SourceLocation(file: layout.root),
                "is a file, but the cache must be a folder"
            )
        }
        let started = CacheTimestamp.truncated(now())
        var header = CacheIndexHeader(keyScheme: keyScheme, startingAt: started)
        var table = CacheTable()
        var usedTable = false
        if FileSystem.inspect(layout.indexPath).kind != .missing {
            (header, table, usedTable) = try Self.loadIndex(layout: layout, writable: access == .readWrite)
        }
        var replayed = 0
        var garbage: [String] = []
        var dropped: String?
        var puts = 0
        let journal = try CacheIndexReader.readJournal(at: layout.journalPath)
        if let journal, journal.generation == header.generation {
            for record in journal.records {
                switch record {
                case .put(let entry, let replaced):
                    table.put(entry)
                    puts += 1
                    if let replaced, replaced != entry.path { garbage.append(replaced) }
                case .touch(let key, let lastAccessed, let count):
                    table.touch(key, lastAccessed: CacheTimestamp.milliseconds(lastAccessed), accessCount: count)
                case .stats(let hits, let misses, let since):
                    header.hits = hits
                    header.misses = misses
                    header.statsSince = since
                }
                replayed += 1
            }
            dropped = journal.problem?.description
        }
        var journalHandle: CacheJournal?
        if access == .readWrite {
            do throws(AudioCacheError) {
                if FileSystem.inspect(layout.indexPath).kind == .missing {
                    // A new cache: an empty index.json from the start, for runtimes that read it.
                    try FileSystem.writeAtomically(layout.indexPath, through: layout.temporaryFolder) {
                        write throws(AudioCacheError) in
                        _ = try CacheIndexWriter.writeDocument(header: header, table: CacheTable(), to: write)
                    }
                }
                if let journal, journal.generation == header.generation {
                    // Go on appending after the last complete record; a torn one is cut off.
                    journalHandle = try CacheJournal.resume(
                        layout.journalPath,
                        truncatingTo: journal.validLength,
                        records: replayed
                    )
                } else {
                    // No journal, or one that index.json already holds: start an empty one.
                    journalHandle = try CacheJournal.start(layout: layout, generation: header.generation)
                }
            } catch {
                lock?.release()
                throw error
            }
        }
        self.header = header
        self.table = table
        self.keyScheme = header.keyScheme
        self.garbage = garbage
        self.putsSinceSnapshot = puts
        self.lock = lock
        self.journal = journalHandle
        self.openReport = OpenReport(
            removedTemporaryFiles: removedTemporary,
            replayedRecords: replayed,
            droppedRecord: dropped,
            usedTable: usedTable
        )
    }

    /// Reads `index.json`: from its table file when that describes it, else by parsing it (and,
    /// when writable, writing the table file for next time).
    private static func loadIndex(
        layout: CacheLayout,
        writable: Bool
    ) throws(AudioCacheError) -> (
        CacheIndexHeader, CacheTable, Bool
    ) {
        let documentSize = FileSystem.inspect(layout.indexPath).size
        guard let document = IndexDocument(path: layout.indexPath) else {
            throw AudioCacheError.system("cannot open", at: layout.indexPath)
        }
        if let header = CacheIndexReader.readHeader(at: layout.indexPath),
            var table = CacheTableFile.read(
                at: layout.tablePath,
                generation: header.generation,
                documentSize: documentSize
            )
        {
            table.setDocument(document)
            return (header, table, true)
        }
        var table = CacheTable()
        let header = try CacheIndexReader.readDocument(
            at: layout.indexPath,
            reserve: { table.reserveCapacity($0) },
            each: { entry, range in table.put(entry, documentRange: range) }
        )
        table.setDocument(document)
        if writable {
            let generation = header.generation
            try FileSystem.writeAtomically(layout.tablePath, through: layout.temporaryFolder) {
                write throws(AudioCacheError) in
                try CacheTableFile.write(table, generation: generation, documentSize: documentSize, to: write)
            }
        }
        return (header, table, false)
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

    private func noteLookup() {
        lookupsSinceFlush += 1
        if lookupsSinceFlush >= configuration.accessFlushInterval && access == .readWrite {
            try? flushAccesses()
        }
    }

    // MARK: Store

    /// What to store with an audio payload.
    public struct StoreRequest: Sendable {
        /// The original text (the key is computed from it).
        public var text: String
        /// The voice.
        public var voiceID: String
        /// The language.
        public var language: String
        /// What was rendered; its text is what was sent.
        public var rendering: RenderingDescription
        /// Where the audio came from.
        public var source: AudioSource
        /// Whether eviction and TTL leave the entry alone.
        public var isPinned: Bool
        /// What the provider said about the request.
        public var response: ProviderResponse?

        /// Creates a request.
        /// - Parameters:
        ///   - text: The original text.
        ///   - voiceID: The voice.
        ///   - language: The language.
        ///   - rendering: What was rendered.
        ///   - source: Synthesized or recorded.
        ///   - isPinned: `true` for pre-warmed and recorded audio.
        ///   - response: What the provider said about the request.
        public init(
            text: String,
            voiceID: String,
            language: String,
            rendering: RenderingDescription,
            source: AudioSource = .tts,
            isPinned: Bool = true,
            response: ProviderResponse? = nil
        ) {
            self.text = text
            self.voiceID = voiceID
            self.language = language
            self.rendering = rendering
            self.source = source
            self.isPinned = isPinned
            self.response = response
        }
    }

    /// Stores audio under the key of `request`'s text, voice and language, replacing what the key
    /// held (keeping the key's access history). The audio is on disk and journaled when this
    /// returns.
    ///
    /// When an unpinned store takes the cache past ``CacheConfiguration/maxSizeBytes``, the least
    /// recently used unpinned entries are evicted down to nine tenths of it (the new entry is the
    /// most recent, so it stays unless it alone is too big).
    /// - Parameters:
    ///   - audio: The audio payload; its first bytes must match its format.
    ///   - request: What to record with it.
    /// - Returns: The new entry.
    /// - Throws: ``AudioCacheError``: bad data for an empty or unrecognised payload or an unsafe
    ///   voice or language, usage for a read-only cache, I/O errors.
    @discardableResult
    public func store(_ audio: [UInt8], for request: StoreRequest) throws(AudioCacheError) -> CacheEntry {
        try requireWritable()
        guard FieldRules.isValidVoiceID(request.voiceID) else {
            throw AudioCacheError(
                .badData,
                "voice id \"\(request.voiceID)\" is not valid (1-64 of A-Z a-z 0-9 . _ + -)"
            )
        }
        guard FieldRules.isValidLanguage(request.language) else {
            throw AudioCacheError(.badData, "language \"\(request.language)\" is not valid (1-35 of A-Z a-z 0-9 - _)")
        }
        guard !request.text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) else {
            throw AudioCacheError(.badData, "the text is empty")
        }
        guard let container = AudioContainer.detect(audio, declaredAs: request.rendering.outputFormat) else {
            throw AudioCacheError(
                .badData,
                "the payload (\(audio.count) bytes) is not \(request.rendering.outputFormat) audio; nothing was stored"
            )
        }
        let key = keyScheme.key(text: request.text, voiceID: request.voiceID, language: request.language)
        let sha256 = SHA256Hash(of: audio)
        let path = CacheLayout.audioPath(key: key, sha256: sha256, container: container)
        let absolute = layout.absolute(path)
        let previous = table.slot(of: key).map { table.publicRecord($0) }
        var wroteFile = false
        if previous?.path != path || FileSystem.inspect(absolute).kind != .file {
            let folder = String(absolute[..<(absolute.lastIndex(of: "/") ?? absolute.endIndex)])
            try FileSystem.makeFolder(folder)
            try FileSystem.writeAtomically(absolute, through: layout.temporaryFolder, bytes: audio)
            wroteFile = previous?.path != path
        }
        let date = CacheTimestamp.truncated(now())
        let expiresAt: Date? =
            request.isPinned || configuration.ttlSeconds == 0
            ? nil : date.addingTimeInterval(TimeInterval(configuration.ttlSeconds))
        let entry = CacheEntry(
            key: key,
            path: path,
            size: audio.count,
            sha256: sha256,
            mimeType: container.mimeType,
            audioFormat: request.rendering.outputFormat,
            createdAt: date,
            lastAccessed: previous?.lastAccessed ?? date,
            accessCount: previous?.accessCount ?? 0,
            expiresAt: expiresAt,
            isPinned: request.isPinned,
            source: request.source,
            text: CacheEntry.displayText(request.text),
            voiceID: request.voiceID,
            language: request.language,
            rendering: request.rendering,
            response: request.response
        )
        let replaced = previous.flatMap { $0.path == path ? nil : $0.path }
        do {
            try appendToJournal(CacheIndexWriter.putRecord(entry, replacing: replaced), flush: true)
        } catch {
            // No entry names the new file (a full disk, say): it goes, so the folder verifies clean.
            if wroteFile { try? FileSystem.removeFile(absolute) }
            throw error
        }
        table.put(entry)
        putsSinceSnapshot += 1
        dirtyAccesses.remove(key)
        if let replaced { garbage.append(replaced) }
        if configuration.maxSizeBytes > 0 && totalSize > configuration.maxSizeBytes && !entry.isPinned {
            // The reference Python implementation's behaviour: a cache that outgrows its maximum
            // drops what is used least, here down to nine tenths of the maximum so that the next
            // stores do not each rewrite the index. Pinned entries stay, so a pre-warmed cache never shrinks itself.
            try evict(toFit: configuration.maxSizeBytes / 10 * 9)
        } else if putsSinceSnapshot > max(10_000, table.count / 2) {
            try writeSnapshotAndStartJournal()
        }
        return entry
    }

    // MARK: Flushing and closing

    /// Writes pending access statistics and counters to the journal.
    /// - Throws: ``AudioCacheError`` (I/O).
    public func flush() throws(AudioCacheError) {
        guard access == .readWrite, !isClosed else { return }
        try flushAccesses()
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
            journal = nil
            lock?.release()
        }
        guard access == .readWrite else { return }
        try flushAccesses()
        // Stored entries go into index.json, so runtimes that read only it see them; access
        // statistics alone stay in the journal (rewriting a large index for them is not worth it)
        // until the journal grows past a quarter of the index.
        if putsSinceSnapshot > 0 || !garbage.isEmpty
            || (journal?.records ?? 0) > max(10_000, table.count / 4)
        {
            try writeSnapshotAndStartJournal()
        }
    }

    /// Stops using the folder as a killed process would: releases the lock and writes nothing more
    /// (no pending accesses, no index document). For crash tests.
    func abandon() {
        isClosed = true
        journal?.close()
        journal = nil
        lock?.release()
    }

    func requireWritable() throws(AudioCacheError) {
        guard access == .readWrite, !isClosed else {
            throw AudioCacheError(.usage, "the cache \(layout.root) is \(isClosed ? "closed" : "open read-only")")
        }
    }

    private func flushAccesses() throws(AudioCacheError) {
        lookupsSinceFlush = 0
        var bytes: [UInt8] = []
        for key in dirtyAccesses.sorted() {
            guard let slot = table.slot(of: key) else { continue }
            let record = table.records[slot]
            bytes += CacheIndexWriter.touchRecord(
                key: key,
                lastAccessed: record.lastAccessed,
                accessCount: record.accessCount
            )
        }
        let countersChanged = !dirtyAccesses.isEmpty || header.hits + header.misses > 0
        dirtyAccesses.removeAll()
        if countersChanged { bytes += CacheIndexWriter.statsRecord(header) }
        guard !bytes.isEmpty else { return }
        try appendToJournal(bytes, flush: false)
    }

    private func appendToJournal(_ bytes: [UInt8], flush: Bool) throws(AudioCacheError) {
        guard let journal else {
            throw AudioCacheError(.io, at: SourceLocation(file: layout.journalPath), "is not open")
        }
        try journal.append(bytes, flush: flush)
    }

    /// Writes `index.json` and its table from memory (one generation on), starts an empty journal
    /// after it, then deletes the files that only older documents named.
    func writeSnapshotAndStartJournal() throws(AudioCacheError) {
        journal?.close()
        journal = nil
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
        journal = try CacheJournal.start(layout: layout, generation: header.generation)
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

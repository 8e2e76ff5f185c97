import Foundation

/// A cache folder opened by this process: the runtime cache of the seed's `AudioCacheService`
/// (lookup with TTL, access tracking, store, invalidation, eviction, statistics) over the
/// crash-safe layout of `docs/cache-format.md`.
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
    public nonisolated let layout: CacheLayout
    /// How the folder was opened.
    public nonisolated let access: Access
    /// The key scheme of the index.
    public nonisolated let keyScheme: KeyScheme
    /// What opening found and repaired.
    public nonisolated let openReport: OpenReport

    let now: @Sendable () -> Date
    var entries: [CacheKey: CacheEntry]
    var header: CacheIndexHeader
    var totalSize: Int
    private var lock: FileLock?
    private var journal: FileHandle?
    private var journalRecords = 0
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
        var header = CacheIndexHeader(
            generation: 0,
            keyScheme: keyScheme,
            statsSince: started,
            hits: 0,
            misses: 0,
            updatedAt: started
        )
        var entries: [CacheKey: CacheEntry] = [:]
        if FileSystem.inspect(layout.indexPath).kind != .missing {
            (header, entries) = try CacheIndexReader.readDocument(at: layout.indexPath)
        }
        var replayed = 0
        var garbage: [String] = []
        var dropped: String?
        let journal = try CacheIndexReader.readJournal(at: layout.journalPath)
        if let journal, journal.generation == header.generation {
            for record in journal.records {
                switch record {
                case .put(let entry, let replaced):
                    entries[entry.key] = entry
                    if let replaced, replaced != entry.path { garbage.append(replaced) }
                case .touch(let key, let lastAccessed, let count):
                    entries[key]?.lastAccessed = lastAccessed
                    entries[key]?.accessCount = count
                case .stats(let hits, let misses, let since):
                    header.hits = hits
                    header.misses = misses
                    header.statsSince = since
                }
                replayed += 1
            }
            dropped = journal.problem?.description
        }
        var journalHandle: FileHandle?
        if access == .readWrite {
            let needsSnapshot =
                journal == nil || replayed > 0 || dropped != nil || !garbage.isEmpty
                || journal?.generation != header.generation
            do throws(AudioCacheError) {
                if needsSnapshot {
                    journalHandle = try Self.writeSnapshot(
                        layout: layout,
                        header: &header,
                        entries: entries,
                        garbage: &garbage,
                        now: now
                    )
                } else {
                    journalHandle = try Self.openJournal(layout.journalPath)
                }
            } catch {
                lock?.release()
                throw error
            }
        }
        self.header = header
        self.entries = entries
        self.keyScheme = header.keyScheme
        self.totalSize = entries.values.reduce(0) { $0 + $1.size }
        self.garbage = garbage
        self.lock = lock
        self.journal = journalHandle
        self.openReport = OpenReport(
            removedTemporaryFiles: removedTemporary,
            replayedRecords: replayed,
            droppedRecord: dropped
        )
    }

    // MARK: Lookup

    /// What a lookup found.
    public struct Hit: Sendable, Hashable {
        /// The entry, with this access counted.
        public var entry: CacheEntry
        /// The audio file.
        public var fileURL: URL
    }

    /// Looks a phrase up, as the runtime does before calling a provider: counts a hit or a miss
    /// and, on a hit, records the access.
    /// - Parameters:
    ///   - text: The text as written; normalized for the key.
    ///   - voice: The voice id.
    ///   - language: The language.
    /// - Returns: The entry and its file, or `nil` when absent, expired or the cache is disabled.
    public func lookup(text: String, voice: String, language: String) -> Hit? {
        lookup(key: keyScheme.key(text: text, voiceID: voice, language: language))
    }

    /// Looks a key up; see ``lookup(text:voice:language:)``.
    /// - Parameter key: The key.
    /// - Returns: The entry and its file, or `nil`.
    public func lookup(key: CacheKey) -> Hit? {
        guard configuration.isEnabled, !isClosed else { return nil }
        let date = CacheTimestamp.truncated(now())
        guard var entry = entries[key], !entry.isExpired(at: date) else {
            header.misses += 1
            noteLookup()
            return nil
        }
        entry.lastAccessed = date
        entry.accessCount += 1
        entries[key] = entry
        header.hits += 1
        dirtyAccesses.insert(key)
        noteLookup()
        return Hit(entry: entry, fileURL: URL(fileURLWithPath: layout.absolute(entry.path)))
    }

    /// The entry for a key, without counting an access or a hit (for planning and reports).
    /// - Parameter key: The key.
    /// - Returns: The entry, expired or not, or `nil`.
    public func entry(for key: CacheKey) -> CacheEntry? {
        entries[key]
    }

    /// Every entry, in key order.
    public func allEntries() -> [CacheEntry] {
        entries.keys.sorted().compactMap { entries[$0] }
    }

    /// The number of entries.
    public var count: Int { entries.count }

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

        /// Creates a request.
        /// - Parameters:
        ///   - text: The original text.
        ///   - voiceID: The voice.
        ///   - language: The language.
        ///   - rendering: What was rendered.
        ///   - source: Synthesized or recorded.
        ///   - isPinned: `true` for pre-warmed and recorded audio.
        public init(
            text: String,
            voiceID: String,
            language: String,
            rendering: RenderingDescription,
            source: AudioSource = .tts,
            isPinned: Bool = true
        ) {
            self.text = text
            self.voiceID = voiceID
            self.language = language
            self.rendering = rendering
            self.source = source
            self.isPinned = isPinned
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
        let previous = entries[key]
        if previous?.path != path || FileSystem.inspect(absolute).kind != .file {
            let folder = String(absolute[..<(absolute.lastIndex(of: "/") ?? absolute.endIndex)])
            try FileSystem.makeFolder(folder)
            try FileSystem.writeAtomically(absolute, through: layout.temporaryFolder) { write throws(AudioCacheError) in
                var failure: AudioCacheError?
                audio.withUnsafeBytes { bytes in
                    do throws(AudioCacheError) { try write(bytes) } catch { failure = error }
                }
                if let failure { throw failure }
            }
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
            rendering: request.rendering
        )
        let replaced = previous.flatMap { $0.path == path ? nil : $0.path }
        try appendToJournal(CacheIndexWriter.putRecord(entry, replacing: replaced), flush: true)
        entries[key] = entry
        dirtyAccesses.remove(key)
        totalSize += entry.size - (previous?.size ?? 0)
        if let replaced { garbage.append(replaced) }
        if configuration.maxSizeBytes > 0 && totalSize > configuration.maxSizeBytes && !entry.isPinned {
            // The seed's runtime behaviour: a cache that outgrows its maximum drops what is used
            // least, here down to nine tenths of the maximum so that the next stores do not each
            // rewrite the index. Pinned entries stay, so a pre-warmed cache never shrinks itself.
            try evict(toFit: configuration.maxSizeBytes / 10 * 9)
        } else if journalRecords > max(10_000, entries.count / 2) {
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

    /// Writes a fresh `index.json` holding everything (so runtimes that read only the index see
    /// it all), deletes files no entry names any more, and releases the lock. Further calls on
    /// this instance find nothing and store nothing.
    /// - Throws: ``AudioCacheError`` (I/O); the lock is released anyway.
    public func close() throws(AudioCacheError) {
        guard !isClosed else { return }
        defer {
            isClosed = true
            try? journal?.close()
            journal = nil
            lock?.release()
        }
        guard access == .readWrite else { return }
        try flushAccesses()
        if journalRecords > 0 || !garbage.isEmpty {
            try writeSnapshotAndStartJournal()
        }
    }

    /// Stops using the folder as a killed process would: releases the lock and writes nothing more
    /// (no pending accesses, no index document). For crash tests.
    func abandon() {
        isClosed = true
        try? journal?.close()
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
            if let entry = entries[key] { bytes += CacheIndexWriter.touchRecord(entry) }
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
        do {
            try journal.write(contentsOf: bytes)
            if flush { try journal.synchronize() }
        } catch {
            throw AudioCacheError(.io, at: SourceLocation(file: layout.journalPath), "cannot append: \(error)")
        }
        journalRecords += 1
    }

    private static func openJournal(_ path: String) throws(AudioCacheError) -> FileHandle {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw AudioCacheError(.io, at: SourceLocation(file: path), "cannot open for appending")
        }
        do {
            try handle.seekToEnd()
        } catch {
            throw AudioCacheError(.io, at: SourceLocation(file: path), "cannot open for appending")
        }
        return handle
    }

    /// Writes `index.json` from memory (one generation on), starts an empty journal after it, then
    /// deletes the files that only older documents named.
    func writeSnapshotAndStartJournal() throws(AudioCacheError) {
        try? journal?.close()
        journal = nil
        journal = try Self.writeSnapshot(layout: layout, header: &header, entries: entries, garbage: &garbage, now: now)
        journalRecords = 0
    }

    private static func writeSnapshot(
        layout: CacheLayout,
        header: inout CacheIndexHeader,
        entries: [CacheKey: CacheEntry],
        garbage: inout [String],
        now: () -> Date
    ) throws(AudioCacheError) -> FileHandle {
        header.generation += 1
        header.updatedAt = CacheTimestamp.truncated(now())
        let written = header
        try FileSystem.writeAtomically(layout.indexPath, through: layout.temporaryFolder) {
            write throws(AudioCacheError) in
            try CacheIndexWriter.writeDocument(header: written, entries: entries, to: write)
        }
        let begin = CacheIndexWriter.beginRecord(generation: header.generation)
        try FileSystem.writeAtomically(layout.journalPath, through: layout.temporaryFolder) {
            write throws(AudioCacheError) in
            var failure: AudioCacheError?
            begin.withUnsafeBytes { bytes in
                do throws(AudioCacheError) { try write(bytes) } catch { failure = error }
            }
            if let failure { throw failure }
        }
        let journal = try openJournal(layout.journalPath)
        let referenced = Set(entries.values.map(\.path))
        for path in garbage where !referenced.contains(path) && CacheLayout.isSafeAudioPath(path) {
            try FileSystem.removeFile(layout.absolute(path))
        }
        garbage.removeAll()
        return journal
    }
}

import Foundation

/// `index.journal`: what changed since `index.json` was written, one JSON line per record after a
/// `begin` line naming the generation of the document it follows (docs/cache-format.md).
///
/// A cache opens as lock → load `index.json` → ``open(_:following:writable:)`` and ``replay(into:header:)``
/// what the journal adds; a stored entry is ``append(_:flush:)``ed and flushed before the store
/// returns; writing a new `index.json` ends with ``truncate(following:)``, which replaces the
/// journal by an empty one that follows it.
///
/// Written through the same file layer as everything else (``FileSystem``): a failed write is an
/// I/O error that names the file and the system's reason (a full disk among them). The records are
/// read and written by `CacheJournal+Records.swift`.
final class CacheJournal {
    /// One change recorded in the journal.
    enum Record: Sendable, Hashable {
        /// An entry stored, and the audio file it replaced.
        case put(CacheEntry, replaces: String?)
        /// An entry's access statistics.
        case touch(CacheKey, lastAccessed: Date, accessCount: Int)
        /// The hit and miss counters.
        case stats(hits: Int, misses: Int, since: Date)
    }

    /// What a journal file holds.
    struct Contents {
        /// The generation of the index document the records follow (`nil` when the first line is
        /// missing or torn).
        var generation: Int?
        /// The complete records, in order.
        var records: [Record]
        /// The bytes of complete records; anything after them is torn or bad and is dropped.
        var validLength: Int
        /// What was wrong at ``validLength``, when something was.
        var problem: AudioCacheError?
    }

    /// What replaying a journal changed.
    struct Replay {
        /// Records applied.
        var records = 0
        /// Entries stored (they are in no `index.json` yet).
        var puts = 0
        /// Audio files that stored entries replaced: no entry names them any more.
        var replacedFiles: [String] = []
        /// The torn or bad record that was dropped, when there was one.
        var dropped: AudioCacheError?
    }

    /// The journal's path.
    let path: String
    private let temporaryFolder: String
    /// The records after its `begin` line: those it held when opened, and those appended since.
    private(set) var records: Int
    /// The records to apply on top of `index.json`, until ``replay(into:header:)`` takes them.
    private var pending: Contents?
    private var descriptor: Int32?

    private init(layout: CacheLayout, pending: Contents?) {
        self.path = layout.journalPath
        self.temporaryFolder = layout.temporaryFolder
        self.pending = pending
        self.records = pending?.records.count ?? 0
    }

    /// Opens the journal of a cache folder whose `index.json` is of `generation`.
    ///
    /// Its records are kept for ``replay(into:header:)`` when it follows that generation; records
    /// that follow another one are already in `index.json` (a crash came between writing it and
    /// starting the new journal) and are ignored. Opened for writing, the journal goes on after its
    /// last whole record (a torn one, a write cut short by a crash, is cut off), or is started
    /// afresh when it is missing or follows another generation.
    /// - Parameters:
    ///   - layout: The cache folder.
    ///   - generation: The generation of the `index.json` just loaded.
    ///   - writable: Whether to open it for appending; a read-only cache only reads it.
    /// - Returns: The journal.
    /// - Throws: ``AudioCacheError``: I/O, or bad data when it is not a regular file.
    static func open(
        _ layout: CacheLayout,
        following generation: Int,
        writable: Bool
    ) throws(AudioCacheError) -> CacheJournal {
        let contents = try read(at: layout.journalPath)
        let follows = contents.map { $0.generation == generation } ?? false
        let journal = CacheJournal(layout: layout, pending: follows ? contents : nil)
        guard writable else { return journal }
        if follows, let contents {
            journal.descriptor = try FileSystem.openForAppending(journal.path, truncatingTo: contents.validLength)
        } else {
            try journal.truncate(following: generation)
        }
        return journal
    }

    /// Applies the records found when the journal was opened, in order, and forgets them.
    /// - Parameters:
    ///   - table: The entries loaded from `index.json`.
    ///   - header: Its header; the counters of the last `stats` record win.
    /// - Returns: What changed.
    func replay(into table: inout CacheTable, header: inout CacheIndexHeader) -> Replay {
        guard let contents = pending else { return Replay() }
        pending = nil
        var replay = Replay(records: contents.records.count, dropped: contents.problem)
        for record in contents.records {
            switch record {
            case .put(let entry, let replaced):
                table.put(entry)
                replay.puts += 1
                if let replaced, replaced != entry.path { replay.replacedFiles.append(replaced) }
            case .touch(let key, let lastAccessed, let count):
                table.touch(key, lastAccessed: CacheTimestamp.milliseconds(lastAccessed), accessCount: count)
            case .stats(let hits, let misses, let since):
                header.hits = hits
                header.misses = misses
                header.statsSince = since
            }
        }
        return replay
    }

    /// Appends records, and flushes them to disk when asked (a stored entry must survive a crash;
    /// access statistics may be lost with it).
    /// - Parameters:
    ///   - records: The records.
    ///   - flush: Whether to wait until they are on disk.
    /// - Throws: ``AudioCacheError`` (I/O). A record written in part is cut off when the journal is
    ///   next opened.
    func append(_ records: [Record], flush: Bool) throws(AudioCacheError) {
        guard !records.isEmpty else { return }
        guard let descriptor else { throw AudioCacheError(.io, at: SourceLocation(file: path), "is not open") }
        var bytes: [UInt8] = []
        for record in records { bytes += Self.line(record) }
        try FileSystem.pass(bytes) { buffer throws(AudioCacheError) in
            try FileSystem.writeAll(descriptor, buffer, path: path)
        }
        if flush { try FileSystem.flush(descriptor, path: path) }
        self.records += records.count
    }

    /// Empties the journal once a new `index.json` holds what it recorded: replaces it, atomically,
    /// by one that holds only a `begin` line naming `generation`, and appends to that one from now
    /// on (reopening it if it was closed).
    /// - Parameter generation: The generation of the `index.json` just written.
    /// - Throws: ``AudioCacheError`` (I/O); the journal is then closed.
    func truncate(following generation: Int) throws(AudioCacheError) {
        close()
        try FileSystem.writeAtomically(path, through: temporaryFolder, bytes: Self.beginLine(generation: generation))
        descriptor = try FileSystem.openForAppending(path)
        records = 0
    }

    /// Closes the journal; closing it again does nothing, and ``append(_:flush:)`` then fails until
    /// ``truncate(following:)`` opens a new one.
    func close() {
        guard let descriptor else { return }
        FileSystem.closeFile(descriptor)
        self.descriptor = nil
    }

    deinit {
        close()
    }
}

/// `index.journal` open for appending: what changed since `index.json` was written, one JSON line
/// per record after a `begin` line naming the generation it follows (docs/cache-format.md).
///
/// Written through the same file layer as everything else (``FileSystem``): a failed write is an
/// I/O error that names the file and the system's reason (a full disk among them), never a
/// Foundation exception. Reading it back is ``CacheIndexReader/readJournal(at:)``.
final class CacheJournal {
    /// The journal's path.
    let path: String
    /// The records it holds after its `begin` line: those it had when opened, and those appended.
    private(set) var records: Int
    private var descriptor: Int32?

    private init(path: String, descriptor: Int32, records: Int) {
        self.path = path
        self.descriptor = descriptor
        self.records = records
    }

    /// Replaces the journal with an empty one that follows `index.json` of `generation`, written
    /// atomically, and opens it.
    /// - Parameters:
    ///   - layout: The cache folder.
    ///   - generation: The generation of the `index.json` it follows.
    /// - Returns: The journal, open for appending.
    /// - Throws: ``AudioCacheError`` (I/O).
    static func start(layout: CacheLayout, generation: Int) throws(AudioCacheError) -> CacheJournal {
        let begin = CacheIndexWriter.beginRecord(generation: generation)
        try FileSystem.writeAtomically(layout.journalPath, through: layout.temporaryFolder, bytes: begin)
        return try resume(layout.journalPath, records: 0)
    }

    /// Opens an existing journal for appending, first cutting it to `length` bytes (the end of its
    /// last whole record, when a crash tore the one after).
    /// - Parameters:
    ///   - path: The journal.
    ///   - length: Where its valid records end, or `nil` to keep it whole.
    ///   - records: How many valid records it holds.
    /// - Returns: The journal.
    /// - Throws: ``AudioCacheError`` (I/O).
    static func resume(
        _ path: String,
        truncatingTo length: Int? = nil,
        records: Int
    ) throws(AudioCacheError) -> CacheJournal {
        CacheJournal(
            path: path,
            descriptor: try FileSystem.openForAppending(path, truncatingTo: length),
            records: records
        )
    }

    /// Appends records, and flushes them to disk when asked (a stored entry must survive a crash;
    /// access statistics may be lost with it).
    /// - Parameters:
    ///   - bytes: Whole records, each ending with a line feed.
    ///   - flush: Whether to wait until they are on disk.
    /// - Throws: ``AudioCacheError`` (I/O). A record written in part is cut off when the journal is
    ///   next opened.
    func append(_ bytes: [UInt8], flush: Bool) throws(AudioCacheError) {
        guard let descriptor else { throw AudioCacheError(.io, at: SourceLocation(file: path), "is not open") }
        try FileSystem.pass(bytes) { buffer throws(AudioCacheError) in
            try FileSystem.writeAll(descriptor, buffer, path: path)
        }
        if flush { try FileSystem.flush(descriptor, path: path) }
        records += 1
    }

    /// Closes the journal; closing it again does nothing.
    func close() {
        guard let descriptor else { return }
        FileSystem.closeFile(descriptor)
        self.descriptor = nil
    }

    deinit {
        close()
    }
}

import Foundation

// Opening a cache folder: lock (writers only), load index.json, replay the journal (in `init`).
extension CacheDirectory {
    /// Makes the folders of a cache to write, takes its lock, and removes the temporary files an
    /// earlier process left.
    /// - Returns: The lock, and how many files were removed.
    static func lockFolder(_ layout: CacheLayout) throws(AudioCacheError) -> (FileLock, Int) {
        try FileSystem.makeFolder(layout.root)
        try FileSystem.makeFolder(layout.temporaryFolder)
        try FileSystem.makeFolder(layout.audioFolder)
        let lock = try FileLock(path: layout.lockPath, purpose: "cache folder \(layout.root)")
        var removed = 0
        do throws(AudioCacheError) {
            for name in try FileSystem.contents(of: layout.temporaryFolder) {
                try FileSystem.removeFile(layout.temporaryFolder + "/" + name)
                removed += 1
            }
        } catch {
            lock.release()
            throw error
        }
        return (lock, removed)
    }

    /// Reads `index.json`: from its table file when that describes it, else by parsing it (and,
    /// when writable, writing the table file for next time).
    static func loadIndex(
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
}

/// Where things live in a cache folder.
///
/// ```
/// cache/
///   index.json        the index: every entry, one per line (see docs/cache-format.md)
///   index.journal     JSON Lines: entries stored and accesses since index.json was written
///   .lock             held by the one process that writes
///   audio/3f/a2/3fa2…c1-9b1e4c2d.mp3   audio, fanned out by the key's first four hex digits
///   tmp/              files being written; removed when the cache is next opened for writing
/// ```
///
/// An audio file's name is the key and the first eight hex digits of the audio's SHA-256, so a new
/// take of a key never overwrites the file an older index still names.
struct CacheLayout: Sendable, Hashable {
    /// The cache folder.
    var root: String

    /// Creates a layout.
    /// - Parameter root: The cache folder.
    init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// The index document's file name.
    static let indexName = "index.json"
    /// The file name of the index's compact table (derived from `index.json`; see `CacheTableFile`).
    static let tableName = "index.table"
    /// The journal's file name.
    static let journalName = "index.journal"
    /// The lock file's name.
    static let lockName = ".lock"
    /// The audio folder's name.
    static let audioFolderName = "audio"
    /// The temporary folder's name.
    static let temporaryFolderName = "tmp"

    /// The index document.
    var indexPath: String { absolute(Self.indexName) }
    /// The index's compact table.
    var tablePath: String { absolute(Self.tableName) }
    /// The journal.
    var journalPath: String { absolute(Self.journalName) }
    /// The lock file.
    var lockPath: String { absolute(Self.lockName) }
    /// The audio folder.
    var audioFolder: String { absolute(Self.audioFolderName) }
    /// The temporary folder.
    var temporaryFolder: String { absolute(Self.temporaryFolderName) }

    /// A path inside the cache folder.
    /// - Parameter relativePath: A path relative to the cache folder.
    /// - Returns: The path joined to ``root``.
    func absolute(_ relativePath: String) -> String {
        root + "/" + relativePath
    }

    /// The relative path of an audio file.
    /// - Parameters:
    ///   - key: The entry's key.
    ///   - sha256: The audio's SHA-256.
    ///   - container: The audio's container, which names the extension.
    /// - Returns: `audio/<2 hex>/<2 hex>/<key>-<8 hex>.<ext>`.
    static func audioPath(key: CacheKey, sha256: SHA256Hash, container: AudioContainer) -> String {
        let hex = key.description
        var path = audioFolderName
        path.reserveCapacity(64)
        path += "/"
        path += hex.utf8.prefix(2).map { Character(Unicode.Scalar($0)) }
        path += "/"
        path += hex.utf8.dropFirst(2).prefix(2).map { Character(Unicode.Scalar($0)) }
        path += "/"
        path += hex
        path += "-"
        path += sha256.hexPrefix(8)
        path += "."
        path += container.fileExtension
        return path
    }

    /// Whether `path` is a relative path that stays inside the audio folder: no `..`, no absolute
    /// path, no empty or hidden component. Paths read from an index are checked with this before
    /// anything is opened or deleted, so a tampered index cannot reach outside the cache.
    /// - Parameter path: The path from an index entry.
    /// - Returns: Whether it is safe to use.
    static func isSafeAudioPath(_ path: String) -> Bool {
        // On bytes, not characters: a bulk removal checks hundreds of thousands of paths.
        let components = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard components.count >= 2, components[0].elementsEqual(audioFolderName.utf8) else { return false }
        return components.dropFirst().allSatisfy { component in
            guard let first = component.first, first != UInt8(ascii: ".") else { return false }
            return !component.contains(0) && !component.contains(UInt8(ascii: "\\"))
        }
    }
}

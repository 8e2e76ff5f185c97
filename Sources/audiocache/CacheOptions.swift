import ArgumentParser
import AudioCache
import Foundation

/// Options for commands that use a cache folder: where it is and how it behaves.
///
/// Each setting is resolved by ``CacheConfiguration/resolve(flags:environment:configurationFile:)``:
/// a flag beats the environment (`AUDIO_CACHE_DIR`, `AUDIO_CACHE_TTL`, `AUDIO_CACHE_MAX_SIZE`),
/// which beats the configuration file, which beats the defaults.
struct CacheOptions: ParsableArguments {
    @Option(help: "The cache folder (default: $AUDIO_CACHE_DIR, else cache).")
    var cache: String?

    @Option(help: "How long runtime entries live: seconds, or 30m, 12h, 7d; 0 = forever (default: 1 day).")
    var ttl: String?

    @Option(help: "The cache's maximum size: bytes, or 500MB, 1GiB; 0 = no limit (default: 1GiB).")
    var maxSize: String?

    @Option(
        help:
            "A JSON configuration file: {enabled, dir, ttl, max_size} (default: $AUDIO_CACHE_CONFIG, else ./audiocache.json when present)."
    )
    var config: String?

    /// The folder as the flag or the environment name it, before the configuration file is read.
    var cacheFolder: String {
        cache ?? ProcessInfo.processInfo.environment["AUDIO_CACHE_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "cache"
    }

    func validate() throws {
        if let cache, cache.isEmpty { throw ValidationError("--cache needs a folder") }
        if let ttl, ByteCount.parseDuration(ttl) == nil {
            throw ValidationError("--ttl \"\(ttl)\" is not a duration (seconds, or 30m, 12h, 7d; 0 = forever)")
        }
        if let maxSize, ByteCount.parse(maxSize) == nil {
            throw ValidationError("--max-size \"\(maxSize)\" is not a size (bytes, or 500MB, 1GiB; 0 = no limit)")
        }
        try validateFolder()
    }

    /// Checks that the cache folder is a folder if it exists.
    func validateFolder() throws {
        if Self.isFile(cacheFolder) {
            throw ValidationError("--cache \(cacheFolder) is a file, but the cache must be a folder")
        }
    }

    /// The settings from the flags, the environment and the configuration file.
    /// - Throws: ``AudioCacheError``: usage for a bad environment variable or configuration file,
    ///   missing input for a configuration file that cannot be read.
    func configuration() throws(AudioCacheError) -> CacheConfiguration {
        let flags = CacheConfiguration.Overrides(
            directory: cache,
            ttlSeconds: ttl.flatMap(ByteCount.parseDuration),
            maxSizeBytes: maxSize.flatMap(ByteCount.parse)
        )
        let configuration = try CacheConfiguration.resolve(flags: flags, configurationFile: config)
        if Self.isFile(configuration.directory) {
            throw AudioCacheError(
                .usage,
                at: SourceLocation(file: configuration.directory),
                "is a file, but the cache must be a folder"
            )
        }
        return configuration
    }

    /// Whether the cache folder of `configuration` exists.
    static func folderExists(_ configuration: CacheConfiguration) -> Bool {
        FileManager.default.fileExists(atPath: configuration.directory)
    }

    private static func isFile(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
    }
}

/// Opens the cache of `configuration`, runs `body` on it and closes it, also when `body` throws.
/// - Parameters:
///   - configuration: The settings.
///   - access: Read-only (no lock) or read-write (takes the lock; another writer gives an error of
///     kind `.locked`, exit 75).
///   - body: What to do with the cache.
/// - Returns: What `body` returns.
/// - Throws: ``AudioCacheError`` from opening, `body` or closing.
func withCache<T: Sendable>(
    _ configuration: CacheConfiguration,
    access: CacheDirectory.Access,
    _ body: (CacheDirectory) async throws -> T
) async throws -> T {
    let cache = try CacheDirectory(configuration: configuration, access: access)
    let result: T
    do {
        result = try await body(cache)
    } catch {
        try? await cache.close()
        throw error
    }
    try await cache.close()
    return result
}

/// `N entries (X bytes)` for what a command removed.
func removedSummary(_ entries: [CacheRecord]) -> String {
    let bytes = entries.reduce(0) { $0 + $1.size }
    let noun = entries.count == 1 ? "entry" : "entries"
    return "\(entries.count) \(noun), \(ByteCount.describe(bytes)) (\(bytes) bytes)"
}

/// Refuses a folder that holds no cache, for commands that read an existing one (`merge`'s
/// inputs, `bundle`, `gc`, `export`, `diff`): exit 66 rather than an empty result.
/// - Parameter folder: The folder, as the user named it.
/// - Throws: ``AudioCacheError`` (missing input) when `folder/index.json` is not there.
func requireCacheIndex(in folder: String) throws(AudioCacheError) {
    guard CacheDirectory.hasIndex(in: folder) else {
        throw AudioCacheError(.missingInput, at: SourceLocation(file: folder), "no cache index (index.json) here")
    }
}

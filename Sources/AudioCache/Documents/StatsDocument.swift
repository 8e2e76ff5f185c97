import Foundation

/// The statistics document: what `audiocache stats --json` prints and
/// `GET /api/audio-cache/stats` returns (docs/cache-commands.md).
struct StatsDocument: Encodable {
    struct Group: Encodable {
        var name: String
        var entries: Int
        var bytes: Int
        var accesses: Int
        var approved: Int
        var flagged: Int
    }

    struct Reviews: Encodable {
        var approved: Int
        var flagged: Int
        var unreviewed: Int
    }

    struct Entry: Encodable {
        var key: CacheKey
        var voiceID: String
        var language: String
        var accessCount: Int
        var lastAccessed: Date
        var size: Int
        var pinned: Bool
        var source: AudioSource
        var text: String
        var path: String
    }

    var format = "audiocache-stats"
    var version = 1
    var cache: String
    var keyScheme: KeyScheme
    var entries: Int
    var totalBytes: Int
    var maxSizeBytes: Int
    var pinnedEntries: Int
    var expiredEntries: Int
    var hits: Int
    var misses: Int
    /// `null` before the first lookup.
    var hitRate: OrNull<Double>
    var since: Date
    var reviews: Reviews
    var voices: [Group]
    var languages: [Group]
    var mostAccessed: [Entry]

    init(_ stats: CacheStats) {
        cache = stats.directory
        keyScheme = stats.keyScheme
        entries = stats.entries
        totalBytes = stats.totalBytes
        maxSizeBytes = stats.maxSizeBytes
        pinnedEntries = stats.pinnedEntries
        expiredEntries = stats.expiredEntries
        hits = stats.hits
        misses = stats.misses
        hitRate = OrNull(stats.hitRate)
        since = stats.since
        reviews = Reviews(
            approved: stats.approvedEntries,
            flagged: stats.flaggedEntries,
            unreviewed: stats.entries - stats.approvedEntries - stats.flaggedEntries
        )
        func groups(_ groups: [CacheStats.Group]) -> [Group] {
            groups.map {
                Group(
                    name: $0.name,
                    entries: $0.entries,
                    bytes: $0.bytes,
                    accesses: $0.accesses,
                    approved: $0.approved,
                    flagged: $0.flagged
                )
            }
        }
        voices = groups(stats.voices)
        languages = groups(stats.languages)
        mostAccessed = stats.mostAccessed.map { entry in
            Entry(
                key: entry.key,
                voiceID: entry.voiceID,
                language: entry.language,
                accessCount: entry.accessCount,
                lastAccessed: entry.lastAccessed,
                size: entry.size,
                pinned: entry.isPinned,
                source: entry.source,
                text: entry.text,
                path: entry.path
            )
        }
    }
}

extension CacheStats {
    /// The statistics as one JSON document (docs/cache-commands.md): what `audiocache stats --json`
    /// prints and the management API returns.
    /// - Returns: The UTF-8 bytes, keys sorted, ending with a line feed.
    /// - Throws: `EncodingError` only for a number JSON cannot carry, which statistics never hold.
    public func jsonData() throws -> Data {
        try DocumentEncoding.data(StatsDocument(self))
    }
}

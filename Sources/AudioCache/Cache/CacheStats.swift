import Foundation

/// A cache's statistics, as `audiocache stats` prints them and the management API returns them.
public struct CacheStats: Sendable, Hashable {
    /// Entries, bytes and accesses of one voice or language.
    public struct Group: Sendable, Hashable {
        /// The voice id or language.
        public var name: String
        /// Entries.
        public var entries = 0
        /// Bytes of audio.
        public var bytes = 0
        /// Accesses recorded.
        public var accesses = 0
        /// Entries a reviewer approved.
        public var approved = 0
        /// Entries a reviewer flagged for re-rendering.
        public var flagged = 0

        mutating func add(_ record: StoredRecord) {
            entries += 1
            bytes += record.size
            accesses += record.accessCount
            switch record.verdict {
            case .approved: approved += 1
            case .flagged: flagged += 1
            case .unreviewed: break
            }
        }
    }

    /// The cache folder.
    public var directory: String
    /// The key scheme.
    public var keyScheme: KeyScheme
    /// Entries.
    public var entries: Int
    /// Bytes of audio.
    public var totalBytes: Int
    /// The configured maximum size; `0` for no limit.
    public var maxSizeBytes: Int
    /// Pinned entries.
    public var pinnedEntries: Int
    /// Entries past their expiry, not yet removed.
    public var expiredEntries: Int
    /// Lookups that found an entry since ``since``.
    public var hits: Int
    /// Lookups that found none since ``since``.
    public var misses: Int
    /// When counting started.
    public var since: Date
    /// Per voice, by name.
    public var voices: [Group]
    /// Per language, by name.
    public var languages: [Group]
    /// The most accessed entries, most first.
    public var mostAccessed: [CacheEntry]

    /// Entries approved by a reviewer.
    public var approvedEntries: Int {
        voices.reduce(0) { $0 + $1.approved }
    }
    /// Entries flagged for re-rendering by a reviewer.
    public var flaggedEntries: Int {
        voices.reduce(0) { $0 + $1.flagged }
    }

    /// Hits over lookups, or `nil` before the first lookup.
    public var hitRate: Double? {
        hits + misses == 0 ? nil : Double(hits) / Double(hits + misses)
    }
}

/// What `verify` found.
public struct VerifyReport: Sendable, Hashable {
    /// One broken entry.
    public struct Problem: Sendable, Hashable {
        /// What is wrong.
        public enum Kind: String, Sendable, Hashable {
            case missing
            case notAFile = "not_a_file"
            case wrongSize = "wrong_size"
            case wrongContent = "wrong_content"
            case unreadable
        }
        /// The entry's key.
        public var key: CacheKey
        /// The entry's path.
        public var path: String
        /// What is wrong.
        public var kind: Kind
        /// Details for people.
        public var detail: String
    }

    /// Entries checked.
    public var checkedEntries: Int
    /// Bytes the index records for them.
    public var checkedBytes: Int
    /// Broken entries, by key.
    public var problems: [Problem]
    /// Files under `audio/` that no entry names, relative to the cache folder.
    public var orphanFiles: [String]
    /// Files under `tmp/`.
    public var temporaryFiles: [String]
    /// Whether the problems were repaired.
    public var repaired: Bool

    /// Whether nothing was found.
    public var isClean: Bool { problems.isEmpty && orphanFiles.isEmpty && temporaryFiles.isEmpty }
}

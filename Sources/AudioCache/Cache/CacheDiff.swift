import Foundation

/// What changed between two caches: for release notes and CI review of a new bundle.
public struct CacheDiff: Sendable {
    /// One entry on one side, as the diff names it.
    public struct Item: Sendable, Hashable {
        /// The key.
        public var key: CacheKey
        /// The voice.
        public var voiceID: String
        /// The language.
        public var language: String
        /// The text (as the index shows it).
        public var text: String
        /// The audio's SHA-256 before (in the first cache), or `nil` for an added entry.
        public var before: SHA256Hash?
        /// The audio's SHA-256 after (in the second cache), or `nil` for a removed entry.
        public var after: SHA256Hash?
        /// For a re-rendered entry, whether what was asked of the provider changed (the rendering
        /// fingerprint: another model, settings or text), rather than only the audio it returned.
        public var renderingChanged: Bool
    }

    /// Keys only the second cache holds, in key order.
    public var added: [Item] = []
    /// Keys only the first cache holds, in key order.
    public var removed: [Item] = []
    /// Keys both hold with different audio, in key order.
    public var rerendered: [Item] = []
    /// Keys both hold with the same audio.
    public var unchanged = 0

    /// Whether the two caches hold the same audio under the same keys.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && rerendered.isEmpty }

    /// Compares the entries of two caches by key and audio (SHA-256); dates, access counts and
    /// file names are not compared. Entries are compared by their records; only those that differ
    /// are read back whole (for their texts and rendering fingerprints).
    /// - Parameters:
    ///   - before: The first cache (the older one, say).
    ///   - after: The second cache.
    /// - Returns: What was added, removed and re-rendered from `before` to `after`.
    public static func between(_ before: CacheDirectory, _ after: CacheDirectory) async -> CacheDiff {
        let old = await before.allRecords()
        let new = await after.allRecords()
        var diff = CacheDiff()
        func item(_ entry: CacheEntry?, _ record: CacheRecord, before: SHA256Hash?, after: SHA256Hash?) -> Item {
            Item(
                key: record.key,
                voiceID: record.voiceID,
                language: record.language,
                text: entry?.text ?? "",
                before: before,
                after: after,
                renderingChanged: false
            )
        }
        // Both lists are in key order: walk them together.
        var (i, j) = (0, 0)
        while i < old.count || j < new.count {
            if j == new.count || (i < old.count && old[i].key < new[j].key) {
                let entry = await before.entry(for: old[i].key)
                diff.removed.append(item(entry, old[i], before: old[i].sha256, after: nil))
                i += 1
            } else if i == old.count || new[j].key < old[i].key {
                let entry = await after.entry(for: new[j].key)
                diff.added.append(item(entry, new[j], before: nil, after: new[j].sha256))
                j += 1
            } else {
                if old[i].sha256 == new[j].sha256 {
                    diff.unchanged += 1
                } else {
                    let (was, now) = (await before.entry(for: old[i].key), await after.entry(for: new[j].key))
                    var changed = item(now, new[j], before: old[i].sha256, after: new[j].sha256)
                    changed.renderingChanged = was?.rendering.fingerprint != now?.rendering.fingerprint
                    diff.rerendered.append(changed)
                }
                i += 1
                j += 1
            }
        }
        return diff
    }
}

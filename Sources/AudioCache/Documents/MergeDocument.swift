import Foundation

/// The merge document: what `audiocache merge --json` prints (docs/sharding.md).
struct MergeDocument: Encodable {
    struct Side: Encodable {
        var cache: String
        var sha256: String
        var createdAt: Date
        var fingerprint: String
        var source: String
    }

    struct Conflict: Encodable {
        var key: CacheKey
        var kept: Side
        var dropped: Side
        var rule: String
    }

    var format = "audiocache-merge"
    var version = 1
    var cache: String
    var inputs: [String]
    var entriesRead: Int
    var added: Int
    var unchanged: Int
    var conflicts: [Conflict]
    var linkedFiles: Int
    var copiedFiles: Int
    var entries: Int
    var totalBytes: Int

    init(cache: String, report: CacheDirectory.MergeReport) {
        func side(_ side: CacheDirectory.MergeReport.Side) -> Side {
            Side(
                cache: side.cache,
                sha256: side.sha256.description,
                createdAt: side.createdAt,
                fingerprint: side.fingerprint.description,
                source: side.source.rawValue
            )
        }
        self.cache = cache
        inputs = report.inputs
        entriesRead = report.entriesRead
        added = report.added
        unchanged = report.unchanged
        conflicts = report.conflicts.map {
            Conflict(key: $0.key, kept: side($0.kept), dropped: side($0.dropped), rule: $0.rule)
        }
        linkedFiles = report.linkedFiles
        copiedFiles = report.copiedFiles
        entries = report.entries
        totalBytes = report.totalBytes
    }
}

extension CacheDirectory.MergeReport {
    /// The report as one JSON document (docs/sharding.md), as `audiocache merge --json` prints it.
    /// - Parameter cache: The merged cache folder, as the user named it.
    /// - Returns: The UTF-8 bytes, keys sorted, ending with a line feed.
    /// - Throws: `EncodingError` only for a number JSON cannot carry, which the report never holds.
    public func jsonData(cache: String) throws -> Data {
        try DocumentEncoding.data(MergeDocument(cache: cache, report: self))
    }

    /// The report for people: what was read, added and kept, and each conflict.
    /// - Parameter cache: The merged cache folder, as the user named it.
    /// - Returns: Lines of text ending in a newline.
    public func summaryText(cache: String) -> String {
        let inputWord = inputs.count == 1 ? "cache" : "caches"
        var out = "Merged \(inputs.count) \(inputWord) into \(cache): \(entriesRead) entries read, \(added) added, "
        out += "\(unchanged) already there with the same audio, \(conflicts.count) with different audio\n"
        out += "Files: \(linkedFiles) hard-linked, \(copiedFiles) copied\n"
        out += "\(cache) now holds \(entries) entries, \(totalBytes) bytes\n"
        for conflict in conflicts {
            out += "conflict \(conflict.key): kept \(conflict.kept.cache) (\(conflict.kept.sha256.hexPrefix(8))), "
            out +=
                "dropped \(conflict.dropped.cache) (\(conflict.dropped.sha256.hexPrefix(8))) by rule \(conflict.rule)\n"
        }
        return out
    }
}

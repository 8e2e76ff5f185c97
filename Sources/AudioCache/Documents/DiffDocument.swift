import Foundation

/// The diff document: what `audiocache diff --json` prints (docs/bundles.md).
struct DiffDocument: Encodable {
    struct Item: Encodable {
        var key: CacheKey
        var voiceID: String
        var language: String
        var text: String
        var sha256Before: OrNull<String>
        var sha256After: OrNull<String>
        var renderingChanged: Bool
    }

    var format = "audiocache-diff"
    var version = 1
    var before: String
    var after: String
    var added: [Item]
    var removed: [Item]
    var rerendered: [Item]
    var unchanged: Int

    init(before: String, after: String, diff: CacheDiff) {
        func item(_ item: CacheDiff.Item) -> Item {
            Item(
                key: item.key,
                voiceID: item.voiceID,
                language: item.language,
                text: item.text,
                sha256Before: OrNull(item.before?.description),
                sha256After: OrNull(item.after?.description),
                renderingChanged: item.renderingChanged
            )
        }
        self.before = before
        self.after = after
        added = diff.added.map(item)
        removed = diff.removed.map(item)
        rerendered = diff.rerendered.map(item)
        unchanged = diff.unchanged
    }
}

extension CacheDiff {
    /// The diff as one JSON document, as `audiocache diff --json` prints it.
    /// - Parameters:
    ///   - before: The first cache or bundle, as the user named it.
    ///   - after: The second.
    /// - Returns: The UTF-8 bytes, keys sorted, ending with a line feed.
    /// - Throws: `EncodingError` only for a number JSON cannot carry, which the diff never holds.
    public func jsonData(before: String, after: String) throws -> Data {
        try DocumentEncoding.data(DiffDocument(before: before, after: after, diff: self))
    }

    /// The diff for people: one line per change (`+` added, `-` removed, `~` re-rendered), then
    /// the counts.
    /// - Parameters:
    ///   - before: The first cache or bundle, as the user named it.
    ///   - after: The second.
    /// - Returns: Lines of text ending in a newline.
    public func summaryText(before: String, after: String) -> String {
        var out = ""
        func line(_ mark: String, _ item: Item, _ note: String = "") {
            out += "\(mark) \(item.key) \(item.voiceID)/\(item.language) \(quoted(item.text))\(note)\n"
        }
        for item in added { line("+", item) }
        for item in removed { line("-", item) }
        for item in rerendered {
            let what = item.renderingChanged ? "re-rendered with another model, settings or text" : "new audio"
            line("~", item, " (\(what))")
        }
        out += "\(before) → \(after): \(added.count) added, \(removed.count) removed, "
        out += "\(rerendered.count) re-rendered, \(unchanged) unchanged\n"
        return out
    }
}

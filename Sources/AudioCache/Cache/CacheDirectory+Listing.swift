import Foundation

/// Which entries a listing shows (``CacheDirectory/entries(matching:offset:limit:)``).
public struct EntryQuery: Sendable, Hashable {
    /// Words the text contains, ignoring case (`nil` or blank for any text).
    public var text: String?
    /// Only this voice.
    public var voiceID: String?
    /// Only this language.
    public var language: String?
    /// Only entries with this verdict.
    public var verdict: ReviewVerdict?

    /// Creates a query; `nil` fields match everything.
    public init(text: String? = nil, voiceID: String? = nil, language: String? = nil, verdict: ReviewVerdict? = nil) {
        self.text = text
        self.voiceID = voiceID
        self.language = language
        self.verdict = verdict
    }
}

/// One page of a listing.
public struct EntryPage: Sendable {
    /// Entries matching the query, in all.
    public var total: Int
    /// The entries of the page, in listing order.
    public var entries: [CacheEntry]
}

extension CacheDirectory {
    /// A page of the entries matching `query`, ordered by voice, language, text and key: what the
    /// review page lists. Counts no access.
    ///
    /// The first call reads every entry's text once (the key never changes its text, so texts are
    /// kept by key afterwards); later calls filter the entries in memory and read only the page's
    /// entries back.
    /// - Parameters:
    ///   - query: Which entries.
    ///   - offset: How many matching entries to skip.
    ///   - limit: The most entries to return.
    /// - Returns: The page, and how many entries match.
    public func entries(matching query: EntryQuery, offset: Int = 0, limit: Int = 100) -> EntryPage {
        listing.update(from: table)
        let strings = table.strings
        // A voice or language the cache has never seen matches nothing.
        let voice = query.voiceID.map { strings.existingNumber($0) }
        let language = query.language.map { strings.existingNumber($0) }
        if voice == .some(nil) || language == .some(nil) { return EntryPage(total: 0, entries: []) }
        let words = (query.text ?? "").lowercased().split(whereSeparator: \.isWhitespace).map { Array($0.utf8) }
        var total = 0
        var page: [Int] = []
        let wanted = offset..<offset + max(0, limit)
        for slot in listing.order {
            let record = table.records[slot]
            if let voice, record.voice != voice { continue }
            if let language, record.language != language { continue }
            if let verdict = query.verdict, record.verdict != verdict { continue }
            if !words.isEmpty, let text = listing.texts[record.key],
                !words.allSatisfy({ EntryListing.contains(text, $0) })
            {
                continue
            }
            if wanted.contains(total) { page.append(slot) }
            total += 1
        }
        return EntryPage(total: total, entries: page.compactMap { table.entry($0) })
    }
}

/// The texts of a cache's entries, lowercased, by key, and the order of its slots for listings.
struct EntryListing: Sendable {
    /// Each key's text, lowercased, as UTF-8.
    private(set) var texts: [CacheKey: [UInt8]] = [:]
    /// Every slot, by voice, language, text and key.
    private(set) var order: [Int] = []
    private var revision = -1

    /// Catches up with `table`: reads the texts of keys not seen yet and sorts the slots again
    /// when slots were added or removed.
    mutating func update(from table: CacheTable) {
        guard revision != table.slotRevision || order.count != table.count else { return }
        let missing = table.records.indices.filter { texts[table.records[$0].key] == nil }
        for slot in missing {
            texts[table.records[slot].key] = Array((table.entry(slot)?.text ?? "").lowercased().utf8)
        }
        // Keys removed long ago go once they are half of what is kept.
        if texts.count > 2 * table.count + 1_024 {
            let keys = Set(table.records.map(\.key))
            texts = texts.filter { keys.contains($0.key) }
        }
        let strings = table.strings
        let names = Set(table.records.flatMap { [$0.voice, $0.language] })
        var rank: [UInt32: Int] = [:]
        for (position, number) in names.sorted(by: {
            Array(strings[$0].utf8).lexicographicallyPrecedes(Array(strings[$1].utf8))
        }).enumerated() {
            rank[number] = position
        }
        let records = table.records
        order = records.indices.sorted { a, b in
            let (left, right) = (records[a], records[b])
            if left.voice != right.voice { return rank[left.voice, default: 0] < rank[right.voice, default: 0] }
            if left.language != right.language {
                return rank[left.language, default: 0] < rank[right.language, default: 0]
            }
            let (leftText, rightText) = (texts[left.key] ?? [], texts[right.key] ?? [])
            if leftText != rightText { return leftText.lexicographicallyPrecedes(rightText) }
            return left.key < right.key
        }
        revision = table.slotRevision
    }

    /// Whether `text` contains `word`, byte for byte.
    static func contains(_ text: [UInt8], _ word: [UInt8]) -> Bool {
        word.isEmpty || text.firstRange(of: word) != nil
    }
}

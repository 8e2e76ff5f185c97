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
    /// Reads what listings need (every entry's text) ahead of the first listing, so that it is as
    /// quick as the next ones: what `audiocache serve` does once the index is loaded. The reading
    /// runs off the cache's actor, so lookups are answered meanwhile; what changed in between is
    /// caught up with by the next listing.
    public func prepareListing() async {
        if listingPreparation == nil {
            let (table, listing) = (self.table, self.listing)
            listingPreparation = Task.detached {
                var prepared = listing
                prepared.update(from: table)
                return prepared
            }
        }
        await takePreparedListing()
    }

    /// Waits for the listing being prepared, if one is, and keeps it.
    private func takePreparedListing() async {
        guard let preparation = listingPreparation else { return }
        let prepared = await preparation.value
        guard listingPreparation == preparation else { return }
        listing = prepared
        listingPreparation = nil
    }

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
    public func entries(matching query: EntryQuery, offset: Int = 0, limit: Int = 100) async -> EntryPage {
        await takePreparedListing()
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
        for (position, slot) in listing.order.enumerated() {
            let record = table.records[slot]
            if let voice, record.voice != voice { continue }
            if let language, record.language != language { continue }
            if let verdict = query.verdict, record.verdict != verdict { continue }
            if !words.isEmpty {
                let text = listing.orderedTexts[position]
                guard words.allSatisfy({ EntryListing.contains(text, $0) }) else { continue }
            }
            if wanted.contains(total) { page.append(slot) }
            total += 1
        }
        return EntryPage(total: total, entries: page.compactMap { table.entry($0) })
    }
}

/// The texts of a cache's entries, lowercased, by key, and the order of its slots for listings.
///
/// Searching a listing of 100,000 entries reads each text once per query: the texts are kept in
/// listing order beside the slots, and compared byte for byte (Benchmarks/README.md, the review
/// page: `firstRange(of:)` and a dictionary look-up per entry took 0.7 s a search).
struct EntryListing: Sendable {
    /// Each key's text, lowercased, as UTF-8.
    private var texts: [CacheKey: [UInt8]] = [:]
    /// Every slot, by voice, language, text and key.
    private(set) var order: [Int] = []
    /// The text of each slot of ``order``, at the same position.
    private(set) var orderedTexts: [[UInt8]] = []
    private var revision = -1

    /// Catches up with `table`: reads the texts of keys not seen yet and sorts the slots again
    /// when slots were added or removed.
    mutating func update(from table: CacheTable) {
        guard revision != table.slotRevision else { return }
        readTexts(missingFrom: table)
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
        let voices = records.map { rank[$0.voice, default: 0] }
        let languages = records.map { rank[$0.language, default: 0] }
        let slotTexts = records.map { texts[$0.key] ?? [] }
        order = records.indices.sorted { a, b in
            if voices[a] != voices[b] { return voices[a] < voices[b] }
            if languages[a] != languages[b] { return languages[a] < languages[b] }
            if slotTexts[a] != slotTexts[b] { return slotTexts[a].lexicographicallyPrecedes(slotTexts[b]) }
            return records[a].key < records[b].key
        }
        orderedTexts = order.map { slotTexts[$0] }
        revision = table.slotRevision
    }

    /// Reads the texts of the keys not seen yet: from the mapped `index.json` in one pass where
    /// the entries are there, one by one for those held in memory.
    private mutating func readTexts(missingFrom table: CacheTable) {
        let missing = table.records.indices.filter { texts[table.records[$0].key] == nil }
        guard !missing.isEmpty else { return }
        var rest: [Int] = []
        if let document = table.document {
            let path = document.path
            let found = try? document.withBytes { bytes throws(AudioCacheError) in
                var found: [(CacheKey, [UInt8])] = []
                found.reserveCapacity(missing.count)
                for slot in missing {
                    let record = table.records[slot]
                    let end = record.documentOffset + Int(record.documentLength)
                    guard record.flags.document == 0, record.documentOffset >= 0, !table.needsOverlay(slot),
                        end <= bytes.count,
                        let text = CacheIndexReader.readText(
                            UnsafeRawBufferPointer(rebasing: bytes[record.documentOffset..<end]),
                            path: path
                        )
                    else {
                        rest.append(slot)
                        continue
                    }
                    found.append((record.key, Array(text.lowercased().utf8)))
                }
                return found
            }
            for (key, text) in found ?? [] { texts[key] = text }
            if found == nil { rest = missing }
        } else {
            rest = missing
        }
        for slot in rest {
            texts[table.records[slot].key] = Array((table.entry(slot)?.text ?? "").lowercased().utf8)
        }
    }

    /// Whether `text` contains `word`, byte for byte (UTF-8 is self-synchronizing, so a match of
    /// bytes is a match of characters).
    static func contains(_ text: [UInt8], _ word: [UInt8]) -> Bool {
        guard let first = word.first else { return true }
        guard text.count >= word.count else { return false }
        return text.withUnsafeBufferPointer { text in
            word.withUnsafeBufferPointer { word in
                guard let start = text.baseAddress, let wanted = word.baseAddress else { return false }
                var index = 0
                let last = text.count - word.count
                while index <= last {
                    if text[index] == first && memcmp(start + index, wanted, word.count) == 0 { return true }
                    index += 1
                }
                return false
            }
        }
    }
}

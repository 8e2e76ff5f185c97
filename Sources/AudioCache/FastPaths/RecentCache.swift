/// A small cache of recently used entries, found by a 64-bit hash of their key: 256 slots, each
/// entry in one of the four slots after its home slot, the oldest of them replaced when all four
/// are taken.
///
/// For the handful of values that repeat on every line of a manifest (voices, languages, models):
/// a look-up compares hashes and then one key, however many such values a file interleaves.
struct RecentCache<Entry: Sendable>: Sendable {
    private struct Slot: Sendable {
        var hash: UInt64
        var entry: Entry
    }

    private static var size: Int { 256 }
    private static var ways: Int { 4 }
    private var slots = [Slot?](repeating: nil, count: Self.size)
    /// Which of the four slots of a home slot to replace next.
    private var nextReplaced = [UInt8](repeating: 0, count: Self.size)

    /// An empty cache.
    init() {}

    /// The entry with hash `hash` that `matches` accepts, if the cache holds one.
    @inline(__always)
    func entry(hash: UInt64, matching matches: (Entry) -> Bool) -> Entry? {
        let home = Self.home(hash)
        for way in 0..<Self.ways {
            guard let slot = slots[(home + way) & (Self.size - 1)] else { return nil }
            if slot.hash == hash && matches(slot.entry) { return slot.entry }
        }
        return nil
    }

    /// Remembers `entry` under `hash`.
    mutating func insert(_ entry: Entry, hash: UInt64) {
        let home = Self.home(hash)
        for way in 0..<Self.ways where slots[(home + way) & (Self.size - 1)] == nil {
            slots[(home + way) & (Self.size - 1)] = Slot(hash: hash, entry: entry)
            return
        }
        let way = Int(nextReplaced[home])
        nextReplaced[home] = UInt8((way + 1) % Self.ways)
        slots[(home + way) & (Self.size - 1)] = Slot(hash: hash, entry: entry)
    }

    private static func home(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 56)
    }
}

/// A key for ``OpenHashTable``: equatable, and carrying its own well-mixed hash bits.
protocol OpenHashKey: Equatable, Sendable {
    /// Bits the table derives a slot from (it mixes them again, so they need not be uniform).
    var hashBits: UInt64 { get }
    /// Any value, to fill empty slots with.
    static var placeholder: Self { get }
}

extension CacheKey: OpenHashKey {
    /// The first half of the digest: already uniform under MD5.
    var hashBits: UInt64 { high }
    static var placeholder: CacheKey { CacheKey(high: 0, low: 0) }
}

extension UInt64: OpenHashKey {
    /// The value itself: callers store hashes of longer values.
    var hashBits: UInt64 { self }
    static var placeholder: UInt64 { 0 }
}

/// A hash table from keys to non-negative `Int32` values, open addressing with linear probing in
/// one flat array of slots: one memory access per lookup in the common case, no per-entry object
/// and no `Hasher` (keys bring their hash bits).
///
/// It does what a plan needs and nothing more: insert-if-absent, and find. Values are indexes into
/// the caller's arrays. Entries are never removed.
struct OpenHashTable<Key: OpenHashKey>: Sendable {
    private struct Slot: Sendable {
        var key: Key
        /// -1 for an empty slot.
        var value: Int32
    }

    private var slots: [Slot] = []
    private var shift = 64
    /// The number of entries.
    private(set) var count = 0

    /// An empty table; it allocates on the first insertion.
    init() {}

    /// Makes room for `capacity` entries in all, so that the table does not grow before then.
    mutating func reserveCapacity(_ capacity: Int) {
        if capacity * 4 > slots.count * 3 { resize(toHold: capacity) }
    }

    /// The value stored for `key`, after storing `value` when there was none.
    /// - Parameters:
    ///   - key: The key.
    ///   - value: A non-negative value, stored only when `key` is absent.
    /// - Returns: The stored value: `value` exactly when `key` was absent.
    @inline(__always)
    mutating func insert(_ key: Key, _ value: Int32) -> Int32 {
        insert(key, value) { _ in true }
    }

    /// The value stored for `key` that `matches` accepts, after storing `value` when there was
    /// none: for keys that are hashes of longer values, where equal hashes need a closer look.
    /// - Parameters:
    ///   - key: The key.
    ///   - value: A non-negative value, stored only when no match is found.
    ///   - matches: Whether a stored value with an equal key stands for the same thing.
    /// - Returns: The matching stored value, or `value` when there was none.
    @inline(__always)
    mutating func insert(_ key: Key, _ value: Int32, matching matches: (Int32) -> Bool) -> Int32 {
        if (count + 1) * 4 > slots.count * 3 { resize(toHold: max(12, count * 2)) }
        let mask = slots.count - 1
        var index = slot(of: key)
        return slots.withUnsafeMutableBufferPointer { slots in
            while true {
                let stored = slots[index].value
                if stored < 0 {
                    slots[index] = Slot(key: key, value: value)
                    count += 1
                    return value
                }
                if slots[index].key == key && matches(stored) { return stored }
                index = (index &+ 1) & mask
            }
        }
    }

    /// The value stored for `key`, or `nil`.
    func value(for key: Key) -> Int32? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var index = slot(of: key)
        while true {
            let stored = slots[index].value
            if stored < 0 { return nil }
            if slots[index].key == key { return stored }
            index = (index &+ 1) & mask
        }
    }

    /// The home slot of a key: Fibonacci hashing, the top bits of a multiplication.
    @inline(__always)
    private func slot(of key: Key) -> Int {
        Int(truncatingIfNeeded: (key.hashBits &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    /// Makes room for `capacity` entries at most three quarters full (uniform hashes keep linear
    /// probes short at that load).
    private mutating func resize(toHold capacity: Int) {
        var size = 16
        while size * 3 < capacity * 4 { size *= 2 }
        let old = slots
        slots = [Slot](repeating: Slot(key: .placeholder, value: -1), count: size)
        shift = 64 - size.trailingZeroBitCount
        let mask = size - 1
        for slot in old where slot.value >= 0 {
            var index = self.slot(of: slot.key)
            while slots[index].value >= 0 { index = (index &+ 1) & mask }
            slots[index] = slot
        }
    }
}

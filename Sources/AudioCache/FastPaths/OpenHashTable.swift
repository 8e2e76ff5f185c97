/// A hash table from 64-bit hashes to non-negative `Int32` values (indexes into the caller's
/// arrays), open addressing with linear probing in one flat array of 8-byte slots.
///
/// The table keeps no keys: a slot holds 32 bits of the hash and the value, and the caller says
/// whether a value stands for the key looked up (``insert(hash:value:matching:)``). Eight bytes a
/// slot keep a table of a million entries small enough to stay mostly in the processor's cache,
/// which is what a lookup costs: one memory access in the common case, no per-entry object and no
/// `Hasher`. Entries are never removed.
struct OpenHashTable: Sendable {
    private struct Slot: Sendable {
        /// The top 32 bits of the entry's mixed hash: its home slot is their top bits.
        var tag: UInt32
        /// -1 for an empty slot.
        var value: Int32
    }

    private var slots: [Slot] = []
    /// `32 - log2(slots.count)`: a tag shifted right by this is its home slot.
    private var shift: UInt32 = 32
    /// The number of entries.
    private(set) var count = 0

    /// An empty table; it allocates on the first insertion.
    init() {}

    /// Makes room for `capacity` entries in all, so that the table does not grow before then.
    mutating func reserveCapacity(_ capacity: Int) {
        if capacity * 4 > slots.count * 3 { resize(toHold: capacity) }
    }

    /// The value stored for `hash` that `matches` accepts, after storing `value` when there was
    /// none.
    /// - Parameters:
    ///   - hash: The key's hash: any 64 bits; the table mixes them.
    ///   - value: A non-negative value, stored only when no match is found.
    ///   - matches: Whether a stored value, whose hash shares 32 bits with `hash`, stands for the
    ///     same key.
    /// - Returns: The matching stored value, or `value` when there was none.
    @inline(__always)
    mutating func insert(hash: UInt64, value: Int32, matching matches: (Int32) -> Bool) -> Int32 {
        if (count + 1) * 4 > slots.count * 3 { resize(toHold: max(12, count * 2)) }
        let tag = Self.tag(hash)
        let mask = slots.count - 1
        var index = Int(tag >> shift)
        return slots.withUnsafeMutableBufferPointer { slots in
            while true {
                let slot = slots[index]
                if slot.value < 0 {
                    slots[index] = Slot(tag: tag, value: value)
                    count += 1
                    return value
                }
                if slot.tag == tag && matches(slot.value) { return slot.value }
                index = (index &+ 1) & mask
            }
        }
    }

    /// Reads the home slot of `hash`, so that a look-up of it soon finds the slot in the cache.
    ///
    /// Reading the home slots of several hashes one after another, before looking any of them up,
    /// lets the processor wait for their cache misses at once rather than one by one: a merge of
    /// a million phrases spends most of its time waiting for slots of a table larger than the cache.
    /// - Returns: Part of the slot, for the caller to fold into something it keeps, so that the
    ///   read is not optimized away.
    @inline(__always)
    func warm(hash: UInt64) -> UInt32 {
        guard !slots.isEmpty else { return 0 }
        return slots.withUnsafeBufferPointer { $0[Int(Self.tag(hash) >> shift)].tag }
    }

    /// The value in the home slot of `hash` when the slot's tag is that of `hash`: most likely what
    /// a look-up will find, to read what goes with it ahead of the look-up.
    @inline(__always)
    func homeValue(hash: UInt64) -> Int32? {
        guard !slots.isEmpty else { return nil }
        let tag = Self.tag(hash)
        let slot = slots.withUnsafeBufferPointer { $0[Int(tag >> shift)] }
        return slot.value >= 0 && slot.tag == tag ? slot.value : nil
    }

    /// The tag of a hash. Fibonacci hashing: the top bits of the product depend on all bits of
    /// the hash.
    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }

    /// Makes room for `capacity` entries at most three quarters full (mixed hashes keep linear
    /// probes short at that load) and puts every entry back, each at the home slot its tag names.
    private mutating func resize(toHold capacity: Int) {
        var size = 16
        while size * 3 < capacity * 4 { size *= 2 }
        precondition(size <= 1 << 32, "a plan holds fewer than 2^31 phrases")
        let old = slots
        slots = []
        slots.reserveCapacity(size)
        slots.adviseHugePages()
        slots.append(contentsOf: repeatElement(Slot(tag: 0, value: -1), count: size))
        shift = 32 - UInt32(size.trailingZeroBitCount)
        let mask = size - 1
        for slot in old where slot.value >= 0 {
            var index = Int(slot.tag >> shift)
            while slots[index].value >= 0 { index = (index &+ 1) & mask }
            slots[index] = slot
        }
    }
}

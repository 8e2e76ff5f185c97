/// Eight bytes at a time (SWAR): which bytes of a word are a given byte, or below a bound, flagged
/// in the high bit of each.
///
/// ``equal(_:_:)`` and ``below(_:_:)`` are right about the lowest flagged byte, but a borrow out of
/// it may flag later bytes wrongly: use them to find the first such byte, or whether there is one.
/// ``equalExactly(_:_:)`` costs a little more and flags exactly, for counting.
enum ByteWords {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes at `pointer`, the first in the lowest bits whatever the platform's order.
    @inline(__always)
    static func load(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    }

    /// Flags the bytes equal to `byte` (the lowest flag exactly).
    @inline(__always)
    static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let matched = word ^ (ones &* UInt64(byte))
        return (matched &- ones) & ~matched & highs
    }

    /// Flags exactly the bytes equal to `byte`: a zero byte after the exclusive-or, found without
    /// carries from one byte into the next.
    @inline(__always)
    static func equalExactly(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let low = ~highs
        let matched = word ^ (ones &* UInt64(byte))
        return ~(((matched & low) &+ low) | matched | low)
    }

    /// Flags the bytes below `bound`, at most 0x80 (the lowest flag exactly).
    @inline(__always)
    static func below(_ word: UInt64, _ bound: UInt8) -> UInt64 {
        (word &- ones &* UInt64(bound)) & ~word & highs
    }

    /// Flags the bytes a JSON string cannot hold as they are: quotes, backslashes and control
    /// characters (the lowest flag exactly).
    @inline(__always)
    static func jsonSpecial(_ word: UInt64) -> UInt64 {
        equal(word, UInt8(ascii: "\"")) | equal(word, UInt8(ascii: "\\")) | below(word, 0x20)
    }

    /// Where in its word the byte of the lowest flag is, from 0, for a word from ``load(_:)``.
    @inline(__always)
    static func firstFlagged(_ flags: UInt64) -> Int {
        flags.trailingZeroBitCount >> 3
    }
}

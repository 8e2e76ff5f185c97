/// FNV-1a, 64 bits: a cheap, well-spread hash of short byte strings (ids, voices, languages) for
/// the plan's in-memory tables. Not for anything stored or compared across runs.
enum FNV1a {
    /// The hash of no bytes.
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    /// `hash` with one more value folded in.
    @inline(__always)
    static func mix(_ hash: UInt64, _ value: UInt64) -> UInt64 {
        (hash ^ value) &* 0x100_0000_01b3
    }

    /// The hash of `bytes`, continuing from `hash`.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, from hash: UInt64 = offsetBasis) -> UInt64 {
        var hash = hash
        for byte in bytes { hash = mix(hash, UInt64(byte)) }
        return hash
    }

    /// The hash of the UTF-8 of `text`, continuing from `hash`.
    @inline(__always)
    static func hash(_ text: String, from hash: UInt64 = offsetBasis) -> UInt64 {
        if let result = text.utf8.withContiguousStorageIfAvailable({ Self.hash($0, from: hash) }) { return result }
        var text = text
        return text.withUTF8 { Self.hash($0, from: hash) }
    }
}

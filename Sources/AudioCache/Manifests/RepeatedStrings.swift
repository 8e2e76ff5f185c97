#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recent values of one field, so that a value repeated on every line (a voice, a language, a
/// model) becomes a `String` once per file instead of once per line.
///
/// A direct-mapped cache of 64 slots indexed by a hash of the value's bytes: one comparison per
/// look-up however many voices a manifest interleaves. Values are remembered by their place in the
/// file and compared byte for byte, which costs less than decoding, checking and allocating a new
/// string. The buffer the offsets point into must outlive the cache (readers keep one per file
/// read).
struct RepeatedStrings {
    private struct Entry {
        var start: Int
        var count: Int
        var text: String
    }

    private var entries = [Entry?](repeating: nil, count: 64)

    /// The text of `count` bytes at `start` in `base`, or `nil` when they are not UTF-8.
    mutating func string(_ base: UnsafePointer<UInt8>, start: Int, count: Int) -> String? {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for offset in start..<(start + count) { hash = (hash ^ UInt64(base[offset])) &* 0x100_0000_01b3 }
        let index = Int(truncatingIfNeeded: hash >> 58)
        if let entry = entries[index], entry.count == count,
            entry.start == start || memcmp(base + entry.start, base + start, count) == 0
        {
            return entry.text
        }
        guard let text = ManifestBytes.string(base + start, count: count) else { return nil }
        entries[index] = Entry(start: start, count: count, text: text)
        return text
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recent values of one field, so that a value repeated on every line (a voice, a language, a
/// model) becomes a `String` once per file instead of once per line.
///
/// Values are remembered by their place in the file and compared byte for byte, which costs less
/// than decoding, checking and allocating a new string. The buffer the offsets point into must
/// outlive the cache (readers keep one per file read).
struct RepeatedStrings {
    private struct Entry {
        var start: Int
        var count: Int
        var text: String
    }

    private var cache = RecentCache<Entry>()

    /// The text of `count` bytes at `start` in `base`, or `nil` when they are not UTF-8.
    mutating func string(_ base: UnsafePointer<UInt8>, start: Int, count: Int) -> String? {
        let hash = FNV1a.hash(UnsafeBufferPointer(start: base + start, count: count))
        let found = cache.entry(hash: hash) { entry in
            entry.count == count && (entry.start == start || memcmp(base + entry.start, base + start, count) == 0)
        }
        if let found { return found.text }
        guard let text = UTF8Bytes.string(base + start, count: count) else { return nil }
        cache.insert(Entry(start: start, count: count, text: text), hash: hash)
        return text
    }
}

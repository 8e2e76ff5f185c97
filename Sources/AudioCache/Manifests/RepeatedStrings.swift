#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A few recent values of one field, so that a value repeated on every line (a voice, a
/// language, a model) becomes a `String` once per file instead of once per line.
///
/// Values are remembered by their place in the file and compared byte for byte, which costs
/// less than decoding, checking and allocating a new string. The buffer the offsets point into
/// must outlive the cache (readers keep one per file read).
struct RepeatedStrings {
    private struct Entry {
        var start: Int
        var count: Int
        var text: String
    }

    private static let capacity = 8
    private var entries: [Entry] = []
    private var nextReplaced = 0

    /// The text of `count` bytes at `start` in `base`, or `nil` when they are not UTF-8.
    mutating func string(_ base: UnsafePointer<UInt8>, start: Int, count: Int) -> String? {
        for index in entries.indices where entries[index].count == count {
            let cached = entries[index].start
            if cached == start || memcmp(base + cached, base + start, count) == 0 { return entries[index].text }
        }
        guard let text = ManifestBytes.string(base + start, count: count) else { return nil }
        let entry = Entry(start: start, count: count, text: text)
        if entries.count < Self.capacity {
            entries.append(entry)
        } else {
            entries[nextReplaced] = entry
            nextReplaced = (nextReplaced + 1) % Self.capacity
        }
        return text
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a large CSV or JSON Lines file can be cut into parts that are read at once and merged
/// in order as if the file had been read whole.
///
/// Every part but the first starts right after a line feed that ends a line (JSON Lines, whose
/// strings hold no raw line feed) or, usually, a record (CSV). In CSV a line feed ends a record
/// when an even number of quotes comes before it in the file: RFC 4180 quotes come in pairs around
/// a field and in pairs for a quote inside one, so an odd count means the line feed is inside a
/// quoted field. A quote inside an unquoted field (`6'2"`) is taken literally and breaks that
/// count, and a malformed file breaks it too: a cut may then land inside a quoted field. The part
/// before such a cut ends inside the field, which its reader reports, and the ``Planner`` reads the
/// rest of the file from that part's start as one part, so that what a user sees never depends on
/// the cuts.
enum ManifestPartition {
    private static let lineFeed: UInt8 = 0x0A

    /// The parts of a file, each but the last at least `partSize` bytes long.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - format: Its format.
    ///   - partSize: The least length of a part; at least 1.
    /// - Returns: Consecutive ranges that cover `bytes`; one range for formats other than CSV and
    ///   JSON Lines, for UTF-16 files (decoded before they are read), for files not longer than
    ///   `partSize` and where no line feed can end a part.
    static func parts(of bytes: UnsafeRawBufferPointer, format: ManifestFormat, partSize: Int) -> [Range<Int>] {
        let count = bytes.count
        let partSize = max(1, partSize)
        guard format.isReadInParts, count > partSize, let raw = bytes.baseAddress, !startsWithUTF16Mark(bytes) else {
            return [0..<count]
        }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        var starts = [0]
        // For CSV: the quotes in `0..<counted`, and whether there is an odd number of them.
        var counted = 0
        var insideQuotes = false
        var target = partSize
        while target < count {
            var search = target - 1
            var cut: Int?
            while search < count, let found = memchr(base + search, Int32(lineFeed), count - search) {
                let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                if format != .jsonLines {
                    insideQuotes = insideQuotes != hasOddQuotes(base, from: counted, to: newline)
                    counted = newline
                    if insideQuotes {
                        search = newline + 1
                        continue
                    }
                }
                cut = newline + 1
                break
            }
            guard let cut, cut < count else { break }
            starts.append(cut)
            target = cut + partSize
        }
        return starts.indices.map { index in starts[index]..<(index + 1 < starts.count ? starts[index + 1] : count) }
    }

    /// Whether a file starts with a UTF-16 byte order mark.
    private static func startsWithUTF16Mark(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && (bytes[0] == 0xFF && bytes[1] == 0xFE || bytes[0] == 0xFE && bytes[1] == 0xFF)
    }

    /// Whether `start..<end` holds an odd number of `"`, counted 32 bytes at a time.
    static func hasOddQuotes(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var found = 0
        var offset = start
        while offset + 32 <= end {
            // Each word flags its quotes in the high bit of their bytes; shifted to four different
            // bits, the flags of four words count in one go.
            let flags =
                quoteFlags(base + offset) >> 7 | quoteFlags(base + offset + 8) >> 6
                | quoteFlags(base + offset + 16) >> 5 | quoteFlags(base + offset + 24) >> 4
            found &+= flags.nonzeroBitCount
            offset += 32
        }
        while offset + 8 <= end {
            found &+= quoteFlags(base + offset).nonzeroBitCount
            offset += 8
        }
        while offset < end {
            if base[offset] == UInt8(ascii: "\"") { found &+= 1 }
            offset += 1
        }
        return found & 1 == 1
    }

    /// The high bit of each of the eight bytes at `pointer` that is a `"`, exactly.
    @inline(__always)
    private static func quoteFlags(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        ByteWords.equalExactly(ByteWords.load(pointer), UInt8(ascii: "\""))
    }
}

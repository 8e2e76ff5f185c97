import Crypto
import Foundation

/// A SHA-256 digest, printed as 64 lower-case hex digits; kept in four words rather than a
/// `String` so that a million index entries stay small.
public struct SHA256Hash: Sendable, Hashable, CustomStringConvertible {
    /// Bytes 0–7, big-endian.
    var high: UInt64
    /// Bytes 8–15, big-endian.
    var middleHigh: UInt64
    /// Bytes 16–23, big-endian.
    var middleLow: UInt64
    /// Bytes 24–31, big-endian.
    var low: UInt64

    /// Creates a digest from its four words.
    /// - Parameters:
    ///   - high: Bytes 0–7.
    ///   - middleHigh: Bytes 8–15.
    ///   - middleLow: Bytes 16–23.
    ///   - low: Bytes 24–31.
    init(high: UInt64, middleHigh: UInt64, middleLow: UInt64, low: UInt64) {
        self.high = high
        self.middleHigh = middleHigh
        self.middleLow = middleLow
        self.low = low
    }

    /// Creates a digest from 32 bytes, most significant first.
    /// - Parameter digest: The bytes; bytes past the 32nd are ignored.
    init(digest: some Sequence<UInt8>) {
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in digest.enumerated() where index < 32 {
            words[index / 8] = words[index / 8] << 8 | UInt64(byte)
        }
        self.init(high: words[0], middleHigh: words[1], middleLow: words[2], low: words[3])
    }

    /// The SHA-256 of `bytes`.
    /// - Parameter bytes: The bytes to hash.
    public init(of bytes: some DataProtocol) {
        self.init(digest: SHA256.hash(data: bytes))
    }

    /// Parses 64 hex digits (either case).
    /// - Parameter hex: The digits.
    public init?(hex: String) {
        // Four locals, not an array: an index holds two hashes per entry, read a million times.
        var (high, middleHigh, middleLow, low): (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var count = 0
        for byte in hex.utf8 {
            guard count < 64, let nibble = Self.nibble(byte) else { return nil }
            switch count / 16 {
            case 0: high = high << 4 | UInt64(nibble)
            case 1: middleHigh = middleHigh << 4 | UInt64(nibble)
            case 2: middleLow = middleLow << 4 | UInt64(nibble)
            default: low = low << 4 | UInt64(nibble)
            }
            count += 1
        }
        guard count == 64 else { return nil }
        self.init(high: high, middleHigh: middleHigh, middleLow: middleLow, low: low)
    }

    /// The 32 bytes, most significant first.
    public var bytes: [UInt8] {
        [high, middleHigh, middleLow, low].flatMap { word in
            (0..<8).map { UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * $0)) }
        }
    }

    /// The digest as 64 lower-case hex digits.
    public var description: String {
        hexPrefix(64)
    }

    /// The first `count` (at most 64) lower-case hex digits.
    func hexPrefix(_ count: Int) -> String {
        let count = min(max(count, 0), 64)
        return String(unsafeUninitializedCapacity: count) { buffer in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { digits in
                for index in 0..<count {
                    let word: UInt64
                    switch index / 16 {
                    case 0: word = high
                    case 1: word = middleHigh
                    case 2: word = middleLow
                    default: word = low
                    }
                    let shift = UInt64(60 - 4 * (index % 16))
                    buffer[index] = digits[Int(word >> shift & 0xF)]
                }
            }
            return count
        }
    }

    static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

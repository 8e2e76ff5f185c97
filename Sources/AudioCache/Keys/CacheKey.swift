/// A 128-bit cache key, printed as 32 lower-case hex digits.
///
/// Under `KeyScheme.md5TextVoiceLanguageV1` it is the MD5 digest the reference Python implementation computes, and
/// `description` equals Python's `hexdigest()`. It encodes to and decodes from that hex string.
public struct CacheKey: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The first eight bytes of the digest, big-endian.
    var high: UInt64
    /// The last eight bytes of the digest, big-endian.
    var low: UInt64

    /// Creates a key from its two halves.
    /// - Parameters:
    ///   - high: The first eight bytes of the digest, big-endian.
    ///   - low: The last eight bytes of the digest, big-endian.
    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Creates a key from 16 digest bytes.
    ///
    /// - Parameter digest: The bytes, most significant first; bytes past the 16th are ignored.
    init<Bytes: Sequence<UInt8>>(digest: Bytes) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in digest.enumerated() {
            if index < 8 {
                high = high << 8 | UInt64(byte)
            } else if index < 16 {
                low = low << 8 | UInt64(byte)
            }
        }
        self.init(high: high, low: low)
    }

    /// Parses 32 hex digits, as printed by `description` or Python's `hexdigest()`.
    ///
    /// Upper-case digits are accepted; anything else (other lengths, signs, spaces) is not.
    /// - Parameter hex: The hex string.
    public init?(hex: String) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var count = 0
        for byte in hex.utf8 {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if count < 16 {
                high = high << 4 | UInt64(nibble)
            } else if count < 32 {
                low = low << 4 | UInt64(nibble)
            } else {
                return nil
            }
            count += 1
        }
        guard count == 32 else { return nil }
        self.init(high: high, low: low)
    }

    /// Decodes a key from its hex string.
    /// - Parameter decoder: The decoder to read from.
    /// - Throws: `DecodingError.dataCorrupted` when the string is not 32 hex digits.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let key = CacheKey(hex: string) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "expected a cache key of 32 hex digits, found \"\(string)\""
            )
        }
        self = key
    }

    /// Encodes the key as its hex string.
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: What the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The key as 32 lower-case hex digits.
    public var description: String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { digits in
                for index in 0..<16 {
                    let shift = UInt64(60 - 4 * index)
                    buffer[index] = digits[Int(high >> shift & 0xF)]
                    buffer[16 + index] = digits[Int(low >> shift & 0xF)]
                }
            }
            return 32
        }
    }

    /// Orders keys by their digest bytes.
    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
}

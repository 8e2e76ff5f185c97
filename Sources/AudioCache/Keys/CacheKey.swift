import Crypto

// PLACEHOLDER shape; the keys helper finalises this file.
/// A 128-bit cache key, printed as 32 lower-case hex digits.
public struct CacheKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first eight bytes of the digest, big-endian.
    public var high: UInt64
    /// The last eight bytes of the digest, big-endian.
    public var low: UInt64

    /// Creates a key from 16 digest bytes.
    public init<Bytes: Sequence<UInt8>>(digest: Bytes) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in digest.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    /// The key as 32 lower-case hex digits.
    public var description: String {
        let h = String(high, radix: 16)
        let l = String(low, radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h + String(repeating: "0", count: 16 - l.count) + l
    }

    /// Orders keys by their digest bytes.
    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
}

/// A named, versioned way to derive a cache key from a phrase.
public enum KeyScheme: String, Sendable, Hashable, CaseIterable, Codable {
    /// `md5(normalized + "|" + voice_id + "|" + language)`, normalized as Python's
    /// `" ".join(text.lower().split())`: the key of the existing runtime.
    case md5TextVoiceLanguageV1 = "md5-text-voice-language-v1"

    /// The key of a phrase under this scheme.
    public func key(text: String, voiceID: String, language: String) -> CacheKey {
        var hasher = KeyHasher(scheme: self)
        return hasher.key(text: text, voiceID: voiceID, language: language)
    }
}

/// Computes keys for many phrases, reusing its buffers between calls.
public struct KeyHasher: Sendable {
    /// The scheme in use.
    public let scheme: KeyScheme
    /// Creates a hasher.
    public init(scheme: KeyScheme = .md5TextVoiceLanguageV1) { self.scheme = scheme }
    /// The key of one phrase.
    public mutating func key(text: String, voiceID: String, language: String) -> CacheKey {
        let input = PythonText.normalize(text) + "|" + voiceID + "|" + language
        return CacheKey(digest: Insecure.MD5.hash(data: Array(input.utf8)))
    }
}

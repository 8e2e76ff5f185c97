/// BLAKE2s (RFC 7693) without a key, for the 5-byte option hash in Home Assistant's TTS cache
/// file names (`hashlib.blake2s(digest_size=5)`). Written by hand: swift-crypto has no BLAKE2,
/// and no other package here does. Checked against Python's `hashlib` by the tests.
struct BLAKE2s {
    private static let iv: [UInt32] = [
        0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A, 0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19,
    ]
    private static let sigma: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ]

    private var state: [UInt32]
    private var buffer: [UInt8] = []
    private var counter: UInt64 = 0
    private let digestLength: Int

    /// A hash of `digestLength` bytes (1 to 32).
    init(digestLength: Int = 32) {
        precondition((1...32).contains(digestLength))
        self.digestLength = digestLength
        state = Self.iv
        // Parameter block: digest length, key length 0, fanout 1, depth 1.
        state[0] ^= 0x0101_0000 ^ UInt32(digestLength)
    }

    mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            // The last block is compressed only at the end, with the final flag.
            if buffer.count == 64 {
                counter += 64
                compress(buffer, isLast: false)
                buffer.removeAll(keepingCapacity: true)
            }
            buffer.append(byte)
        }
    }

    consuming func finalize() -> [UInt8] {
        counter += UInt64(buffer.count)
        let block = buffer + [UInt8](repeating: 0, count: 64 - buffer.count)
        compress(block, isLast: true)
        var digest: [UInt8] = []
        for word in state {
            for shift in stride(from: 0, to: 32, by: 8) { digest.append(UInt8(truncatingIfNeeded: word >> shift)) }
        }
        return Array(digest.prefix(digestLength))
    }

    /// The hex digest of `bytes`.
    static func hexDigest(of bytes: some Sequence<UInt8>, length: Int) -> String {
        var hash = BLAKE2s(digestLength: length)
        hash.update(bytes)
        return hash.finalize().lowercaseHex
    }

    private mutating func compress(_ block: [UInt8], isLast: Bool) {
        var m = [UInt32](repeating: 0, count: 16)
        for index in 0..<16 {
            m[index] = (0..<4).reduce(0) { $0 | UInt32(block[index * 4 + $1]) << (8 * $1) }
        }
        var v = state + Self.iv
        v[12] ^= UInt32(truncatingIfNeeded: counter)
        v[13] ^= UInt32(truncatingIfNeeded: counter >> 32)
        if isLast { v[14] = ~v[14] }
        func mix(_ a: Int, _ b: Int, _ c: Int, _ d: Int, _ x: UInt32, _ y: UInt32) {
            v[a] = v[a] &+ v[b] &+ x
            v[d] = (v[d] ^ v[a]).rotatedRight(by: 16)
            v[c] = v[c] &+ v[d]
            v[b] = (v[b] ^ v[c]).rotatedRight(by: 12)
            v[a] = v[a] &+ v[b] &+ y
            v[d] = (v[d] ^ v[a]).rotatedRight(by: 8)
            v[c] = v[c] &+ v[d]
            v[b] = (v[b] ^ v[c]).rotatedRight(by: 7)
        }
        for round in 0..<10 {
            let s = Self.sigma[round]
            mix(0, 4, 8, 12, m[s[0]], m[s[1]])
            mix(1, 5, 9, 13, m[s[2]], m[s[3]])
            mix(2, 6, 10, 14, m[s[4]], m[s[5]])
            mix(3, 7, 11, 15, m[s[6]], m[s[7]])
            mix(0, 5, 10, 15, m[s[8]], m[s[9]])
            mix(1, 6, 11, 12, m[s[10]], m[s[11]])
            mix(2, 7, 8, 13, m[s[12]], m[s[13]])
            mix(3, 4, 9, 14, m[s[14]], m[s[15]])
        }
        for index in 0..<8 { state[index] ^= v[index] ^ v[index + 8] }
    }
}

extension UInt32 {
    fileprivate func rotatedRight(by count: UInt32) -> UInt32 {
        (self >> count) | (self << (32 - count))
    }
}

extension Sequence<UInt8> {
    /// The bytes as lower-case hex digits, two per byte: how digests are written in file names,
    /// checksum files and documents.
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

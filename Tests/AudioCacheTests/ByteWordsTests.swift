import AudioCacheTestSupport
import Testing

@testable import AudioCache

/// The eight-bytes-at-a-time flags the scanners and the writer rely on, against a byte-by-byte look.
@Suite struct ByteWordsTests {
    /// Bytes around every value the scanners look for, and bytes that differ from them in one bit.
    private static let alphabet: [UInt8] = [
        0x00, 0x01, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x2C, 0x5C, 0x7F, 0x80, 0x81, 0xA2, 0xAC, 0xDC, 0xFF,
    ]

    /// The index of the lowest flagged byte, or nil.
    private static func first(_ flags: UInt64) -> Int? {
        flags == 0 ? nil : ByteWords.firstFlagged(flags)
    }

    @Test func theLowestFlagIsTheFirstMatchingByte() {
        var generator = SplitMix64(seed: 11)
        var wrong: [[UInt8]] = []
        for _ in 0..<20_000 {
            let bytes = (0..<8).map { _ in Self.alphabet[Int(generator.next() % UInt64(Self.alphabet.count))] }
            let word = bytes.withUnsafeBufferPointer { buffer in buffer.baseAddress.map(ByteWords.load) ?? 0 }
            for target in [UInt8(0x22), 0x2C, 0x0A, 0x5C] {
                if Self.first(ByteWords.equal(word, target)) != bytes.firstIndex(of: target) { wrong.append(bytes) }
                let exact = ByteWords.equalExactly(word, target)
                if (0..<8).map({ exact >> (8 * $0 + 7) & 1 == 1 }) != bytes.map({ $0 == target }) {
                    wrong.append(bytes)
                }
            }
            if Self.first(ByteWords.below(word, 0x20)) != bytes.firstIndex(where: { $0 < 0x20 }) { wrong.append(bytes) }
            let special = bytes.firstIndex { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
            if Self.first(ByteWords.jsonSpecial(word)) != special { wrong.append(bytes) }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(3))")
    }
}

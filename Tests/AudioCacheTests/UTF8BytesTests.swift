import AudioCacheTestSupport
import Testing

@testable import AudioCache

@Suite struct UTF8BytesTests {
    /// The first bad sequence, found one sequence at a time with `sequenceLength`.
    private static func reference(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            var offset = 0
            while offset < bytes.count {
                let length = UTF8Bytes.sequenceLength(base, at: offset, end: bytes.count)
                if length == 0 { return offset }
                offset += length
            }
            return nil
        }
    }

    /// The scan with its ASCII shortcut against the sequence-by-sequence judge and the standard
    /// library, on bytes around every boundary of table 3-7, at every alignment.
    @Test func invalidUTF8IsFoundWhereTheStandardLibraryFindsIt() {
        let edges: [UInt8] = [
            0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
            0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ]
        var generator = SplitMix64(seed: 3_007)
        var disagreements: [[UInt8]] = []
        var invalid = 0
        for round in 0..<30_000 {
            // Mostly valid text with an edge byte or two, so that long ASCII runs come before them.
            var bytes = Array("añ€😀bc".utf8).shuffled(using: &generator)
            bytes += [UInt8](repeating: 0x61, count: Int(generator.next() % 12))
            for _ in 0..<(round % 3) {
                bytes.insert(
                    edges[Int(generator.next() % UInt64(edges.count))],
                    at: Int(generator.next() % UInt64(bytes.count + 1))
                )
            }
            let found = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.flatMap { UTF8Bytes.firstInvalidUTF8($0, from: 0, to: bytes.count) }
            }
            let isValid = String(validating: bytes, as: UTF8.self) != nil
            if found != Self.reference(bytes) || (found == nil) != isValid { disagreements.append(bytes) }
            if found != nil { invalid += 1 }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(3))")
        #expect(invalid > 5_000)
    }
}

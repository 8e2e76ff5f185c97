import AudioCacheTestSupport
import Testing

@testable import AudioCache

/// `OpenHashTable` and `ByteStore`, the plan's hand-written storage, against the standard library.
@Suite struct OpenHashTableTests {
    /// Inserts `keys` (with duplicates) and checks every answer against a `Dictionary`.
    private static func check(keys: [UInt64], hash: (UInt64) -> UInt64) {
        var table = OpenHashTable()
        var reference: [UInt64: Int32] = [:]
        var stored: [UInt64] = []
        for key in keys {
            let candidate = Int32(stored.count)
            let value = table.insert(hash: hash(key), value: candidate) { stored[Int($0)] == key }
            let expected = reference[key, default: candidate]
            reference[key] = expected
            #expect(value == expected, "key \(key)")
            if value == candidate { stored.append(key) }
        }
        #expect(table.count == reference.count)
    }

    @Test(arguments: [0, 1, 1_000, 50_000])
    func answersAsADictionaryDoes(count: Int) {
        var generator = SplitMix64(seed: UInt64(count))
        // About a third repeats an earlier key; the table grows from empty many times.
        var keys: [UInt64] = []
        for _ in 0..<count {
            if !keys.isEmpty && generator.next() % 3 == 0 {
                keys.append(keys[Int(generator.next() % UInt64(keys.count))])
            } else {
                keys.append(generator.next())
            }
        }
        Self.check(keys: keys) { $0 }
    }

    /// What the merge reads ahead of its look-ups: the home slot of a hash, and its value when
    /// the slot holds that hash's entry.
    @Test func theHomeSlotOfAHashCanBeReadAhead() {
        var table = OpenHashTable()
        #expect(table.homeValue(hash: 42) == nil)
        #expect(table.warm(hash: 42) == 0)
        _ = table.insert(hash: 42, value: 7) { _ in false }
        #expect(table.homeValue(hash: 42) == 7)
        #expect(table.warm(hash: 42) != 0)
        _ = table.insert(hash: 43, value: 8) { _ in false }
        #expect(table.homeValue(hash: 43) == 8)
        // A hash with no entry gets nothing, though its home slot may hold another hash's entry.
        var other: UInt64 = 44
        while table.homeValue(hash: other) == nil && other < 10_000 { other += 1 }
        #expect(other == 10_000)
    }

    @Test func equalHashesAreToldApartByTheCaller() {
        // Every key hashes alike: one long probe chain, resolved by `matching` alone.
        Self.check(keys: (0..<500).map { UInt64($0 % 200) }) { _ in 42 }
        // Hashes equal in their low bits only, and in their high bits only.
        Self.check(keys: (0..<2_000).map { UInt64($0 % 700) }) { $0 << 40 }
        Self.check(keys: (0..<2_000).map { UInt64($0 % 700) }) { $0 & 0xF }
    }

    @Test func reservedRoomKeepsEntries() {
        var table = OpenHashTable()
        for key in 0..<100 { _ = table.insert(hash: UInt64(key), value: Int32(key)) { _ in true } }
        table.reserveCapacity(10_000)
        for key in 0..<100 {
            #expect(table.insert(hash: UInt64(key), value: -2) { $0 == Int32(key) } == Int32(key))
        }
        #expect(table.count == 100)
    }

    @Test func byteStoreKeepsBytesApartFromCanonicalEquivalence() {
        var store = ByteStore()
        let nfc = store.append("caf\u{E9}")
        let nfd = store.append("cafe\u{301}")
        let empty = store.append("")
        #expect(store.string(nfc) == "caf\u{E9}")
        #expect(store.string(empty) == "")
        #expect(store.string(.none) == nil)
        #expect(!store.equals(nfc, nfd))
        let again = store.append("caf\u{E9}")
        #expect(store.equals(nfc, again))
        #expect(store.equals(empty, ByteSpan(start: 3, count: 0)))
        #expect(Array(store.string(nfd)?.utf8 ?? "".utf8) == Array("cafe\u{301}".utf8))
    }
}

extension ByteStore {
    /// Stores the UTF-8 of `text`.
    /// - Returns: Where the bytes lie.
    mutating func append(_ text: String) -> ByteSpan {
        var text = text
        return text.withUTF8 { append($0) }
    }

    /// Whether the bytes at two spans of this store are equal.
    func equals(_ span: ByteSpan, _ other: ByteSpan) -> Bool {
        guard span.count == other.count else { return false }
        return withBytes(other) { equals(span, $0) }
    }
}

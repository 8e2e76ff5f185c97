import Testing

@testable import AudioCache

/// `VariantTable` against a naive grouping of the same sources.
@Suite struct VariantTableTests {
    /// Entry by entry, variant by variant in order of first appearance: the text and its sources.
    static func naive(_ added: [(entry: Int, text: String, source: Int32)], entries: Int) -> [[(String, [Int32])]] {
        var result = [[(String, [Int32])]](repeating: [], count: entries)
        for (entry, text, source) in added {
            if let index = result[entry].firstIndex(where: { sameBytes($0.0, text) }) {
                result[entry][index].1.append(source)
            } else {
                result[entry].append((text, [source]))
            }
        }
        return result
    }

    static func grouped(_ table: VariantTable<Variant>) -> [[(String, [Int32])]] {
        (0..<table.count).map { entry in
            table.variants(of: entry).map { (table.variants[$0].text, Array(table.sources(of: $0))) }
        }
    }

    static func expectSame(_ lhs: [[(String, [Int32])]], _ rhs: [[(String, [Int32])]]) {
        #expect(lhs.map { $0.map { Array($0.0.utf8) } } == rhs.map { $0.map { Array($0.0.utf8) } })
        #expect(lhs.map { $0.map(\.1) } == rhs.map { $0.map(\.1) })
    }

    @Test func emptyTables() {
        #expect(VariantTable<Variant>.Builder(count: 0).finish().count == 0)
        let table = VariantTable<Variant>.Builder(count: 3).finish()
        #expect(table.count == 3)
        #expect(table.variants(of: 1).isEmpty)
    }

    @Test(arguments: [1, 5, 16, 17, 18, 40])
    func interleavedEntriesKeepFirstAppearanceAndFileOrder(variantsPerEntry: Int) {
        var added: [(entry: Int, text: String, source: Int32)] = []
        var source: Int32 = 0
        for round in 0..<3 {
            for step in 0..<variantsPerEntry {
                for entry in 0..<4 {
                    // Entry 2 gets nothing; NFC and NFD texts are different variants.
                    guard entry != 2 else { continue }
                    let text = (step + round + entry).isMultiple(of: 2) ? "caf\u{E9} \(step)" : "cafe\u{301} \(step)"
                    added.append((entry, text, source))
                    source += 1
                }
            }
        }
        var builder = VariantTable<Variant>.Builder(count: 4)
        for (entry, text, source) in added { builder.add(Variant(text: text, modelID: nil), to: entry, source: source) }
        Self.expectSame(Self.grouped(builder.finish()), Self.naive(added, entries: 4))
    }

    @Test func firstVariantsNeedNoLookup() {
        var builder = VariantTable<Variant>.Builder(firsts: [
            Variant(text: "US", modelID: nil), Variant(text: "a", modelID: "m"),
        ])
        builder.add(nil, to: 0, source: 0)
        builder.add(Variant(text: "us", modelID: nil), to: 0, source: 1)
        builder.add(nil, to: 1, source: 2)
        builder.add(Variant(text: "a", modelID: nil), to: 1, source: 3)
        builder.add(nil, to: 0, source: 4)
        builder.add(Variant(text: "us", modelID: nil), to: 0, source: 5)
        let table = builder.finish()
        Self.expectSame(Self.grouped(table), [[("US", [0, 4]), ("us", [1, 5])], [("a", [2]), ("a", [3])]])
        #expect(table.variants(of: 1).map { table.variants[$0].modelID } == ["m", nil])
    }
}

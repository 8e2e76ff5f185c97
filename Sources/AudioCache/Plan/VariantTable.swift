/// The variants of several entries (collisions or id conflicts) with the indexes of their sources,
/// stored flat: a handful of arrays however many entries there are, rather than arrays per entry.
///
/// Entry `e` has the variants `variants(of: e)`, in order of first appearance; variant `v` has the
/// sources `sources(of: v)`, in the order they were added (file order).
struct VariantTable<Variant: Hashable> {
    /// The variants, entry by entry.
    private(set) var variants: [Variant] = []
    /// Where each entry's variants start in ``variants``, and where the last one ends.
    private var variantStarts: [Int32] = [0]
    /// Where each variant's sources start in ``sourceIndexes``, and where the last one ends.
    private var sourceStarts: [Int32] = [0]
    /// The source indexes, variant by variant.
    private var sourceIndexes: [Int32] = []

    /// The number of entries.
    var count: Int { variantStarts.count - 1 }

    /// The positions in ``variants`` of entry `entry`'s variants.
    func variants(of entry: Int) -> Range<Int> {
        Int(variantStarts[entry])..<Int(variantStarts[entry + 1])
    }

    /// The source indexes of the variant at `position` in ``variants``, in file order.
    func sources(of position: Int) -> ArraySlice<Int32> {
        sourceIndexes[Int(sourceStarts[position])..<Int(sourceStarts[position + 1])]
    }

    /// Collects sources in file order and numbers each entry's variants as they first appear.
    struct Builder {
        private struct Found {
            var entry: Int32
            var number: Int32
            var variant: Variant
            /// The index in `found` of the entry's previous variant, or -1.
            var previous: Int32
        }

        private struct Occurrence {
            var entry: Int32
            var variant: Int32
            var source: Int32
        }

        private struct EntryVariant: Hashable {
            var entry: Int32
            var variant: Variant
        }

        /// Up to this many variants an entry's are searched one by one (most collisions have two or
        /// three), beyond it by hash, so that a key written in thousands of ways stays linear.
        private static var linearLimit: Int32 { 16 }

        /// Every variant, in order of first appearance.
        private var found: [Found] = []
        /// The index in `found` of each entry's latest variant, or -1.
        private var latest: [Int32]
        /// How many variants each entry has.
        private var variantCounts: [Int32]
        /// The numbers of the variants of entries with more than `linearLimit` of them.
        private var numbers: [EntryVariant: Int32] = [:]
        private var occurrences: [Occurrence] = []

        /// A builder for `count` entries that start with no variants.
        init(count: Int) {
            latest = [Int32](repeating: -1, count: count)
            variantCounts = [Int32](repeating: 0, count: count)
        }

        /// A builder whose entry `e` starts with the variant `firsts[e]`, numbered 0.
        init(firsts: [Variant]) {
            self.init(count: firsts.count)
            found.reserveCapacity(firsts.count * 2)
            for (entry, variant) in firsts.enumerated() { insert(variant, in: Int32(entry)) }
        }

        /// Adds a source of entry `entry`.
        /// - Parameters:
        ///   - variant: The source's variant; `nil` for the entry's first one (see ``init(firsts:)``).
        ///   - entry: The entry.
        ///   - source: The source index.
        mutating func add(_ variant: Variant?, to entry: Int, source: Int32) {
            let numbered = variant.map { number(of: $0, in: Int32(entry)) } ?? 0
            occurrences.append(Occurrence(entry: Int32(entry), variant: numbered, source: source))
        }

        private mutating func number(of variant: Variant, in entry: Int32) -> Int32 {
            if variantCounts[Int(entry)] > Self.linearLimit {
                if let number = numbers[EntryVariant(entry: entry, variant: variant)] { return number }
            } else {
                var index = latest[Int(entry)]
                while index >= 0 {
                    if found[Int(index)].variant == variant { return found[Int(index)].number }
                    index = found[Int(index)].previous
                }
            }
            return insert(variant, in: entry)
        }

        @discardableResult
        private mutating func insert(_ variant: Variant, in entry: Int32) -> Int32 {
            let number = variantCounts[Int(entry)]
            found.append(Found(entry: entry, number: number, variant: variant, previous: latest[Int(entry)]))
            latest[Int(entry)] = Int32(found.count - 1)
            variantCounts[Int(entry)] = number + 1
            if number + 1 == Self.linearLimit + 1 {
                // Too many to search one by one from now on: index them all.
                var index = latest[Int(entry)]
                while index >= 0 {
                    numbers[EntryVariant(entry: entry, variant: found[Int(index)].variant)] = found[Int(index)].number
                    index = found[Int(index)].previous
                }
            } else if number + 1 > Self.linearLimit {
                numbers[EntryVariant(entry: entry, variant: variant)] = number
            }
            return number
        }

        /// The table: variants grouped by entry, sources grouped by variant (a counting sort,
        /// stable, so sources stay in the order they were added).
        consuming func finish() -> VariantTable<Variant> {
            var table = VariantTable()
            table.variantStarts.reserveCapacity(variantCounts.count + 1)
            var start: Int32 = 0
            for count in variantCounts {
                start += count
                table.variantStarts.append(start)
            }
            let variantCount = Int(start)
            var slots = [Variant?](repeating: nil, count: variantCount)
            for variant in found {
                slots[Int(table.variantStarts[Int(variant.entry)] + variant.number)] = variant.variant
            }
            table.variants = slots.compactMap { $0 }

            var nextSource = [Int32](repeating: 0, count: variantCount + 1)
            for occurrence in occurrences {
                nextSource[Int(table.variantStarts[Int(occurrence.entry)] + occurrence.variant) + 1] += 1
            }
            for slot in 0..<variantCount { nextSource[slot + 1] += nextSource[slot] }
            table.sourceStarts = nextSource
            table.sourceIndexes = [Int32](repeating: 0, count: occurrences.count)
            for occurrence in occurrences {
                let slot = Int(table.variantStarts[Int(occurrence.entry)] + occurrence.variant)
                table.sourceIndexes[Int(nextSource[slot])] = occurrence.source
                nextSource[slot] += 1
            }
            return table
        }
    }
}

extension VariantTable: Sendable where Variant: Sendable {}

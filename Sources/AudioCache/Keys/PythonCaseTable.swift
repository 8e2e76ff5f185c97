/// O(1) look-ups into Python's lowercase and whitespace data, built once from `PythonUnicodeTables`.
///
/// Every code point has a 32-bit entry in a two-level table: a page index of `0x110000 >> 8`
/// entries points at 256-entry leaves, and all pages without data share leaf 0. An entry is:
/// - `0`: the scalar is neither whitespace nor changed by `str.lower()`;
/// - below `0x110000`: the one scalar it lowers to;
/// - `space`: `str.isspace()` holds (no whitespace changes case);
/// - `sigma`: U+03A3, whose lowercase depends on its context (Final_Sigma);
/// - `expansionFlag | offset << 8 | count`: it lowers to `count` scalars at `expansions[offset...]`.
///
/// The Final_Sigma predicates are sorted range lists searched in O(log n): they are only consulted
/// around a capital sigma.
final class PythonCaseTable: Sendable {
    /// The table, built on first use.
    static let shared = PythonCaseTable()

    static let space: UInt32 = 0x4000_0000
    static let sigma: UInt32 = 0x2000_0000
    static let expansionFlag: UInt32 = 0x8000_0000

    /// For each ASCII byte: its lowercase byte.
    let asciiLower: [UInt8]
    /// For each ASCII byte: its lowercase byte, or a space (0x20) when `str.isspace()` holds.
    let asciiNormalize: [UInt8]

    let pageIndex: [UInt16]
    let leaves: [UInt32]
    let expansions: [UInt32]
    /// The entries of U+0000–U+07FF, every scalar of one or two UTF-8 bytes, in one flat table.
    let twoByteEntries: [UInt32]

    private init() {
        var asciiLower = (0..<128).map { UInt8($0) }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { asciiLower[Int(byte)] = byte | 0x20 }
        var asciiNormalize = asciiLower

        var pageIndex = [UInt16](repeating: 0, count: 0x110000 >> 8)
        var leaves = [UInt32](repeating: 0, count: 256)
        func set(_ scalar: UInt32, _ entry: UInt32) {
            let page = Int(scalar >> 8)
            if pageIndex[page] == 0 {
                pageIndex[page] = UInt16(leaves.count >> 8)
                leaves.append(contentsOf: repeatElement(0, count: 256))
            }
            leaves[Self.position(of: scalar, in: pageIndex)] = entry
        }

        let runs = PythonUnicodeTables.lowercaseRuns
        for base in stride(from: 0, to: runs.count - 3, by: 4) {
            let first = runs[base]
            for scalar in stride(from: first, through: runs[base + 1], by: Int(runs[base + 2])) {
                set(scalar, runs[base + 3] + (scalar - first))
            }
        }

        var expansions: [UInt32] = []
        let records = PythonUnicodeTables.lowercaseExpansions
        var position = 0
        while position + 1 < records.count {
            let count = Int(records[position + 1])
            let offset = UInt32(expansions.count)
            expansions.append(contentsOf: records[(position + 2)..<(position + 2 + count)])
            set(records[position], Self.expansionFlag | offset << 8 | UInt32(count))
            position += 2 + count
        }

        let spaces = PythonUnicodeTables.spaceRanges
        for base in stride(from: 0, to: spaces.count - 1, by: 2) {
            for scalar in spaces[base]...spaces[base + 1] {
                if scalar < 0x80 { asciiNormalize[Int(scalar)] = 0x20 }
                set(scalar, Self.space)
            }
        }
        set(0x03A3, Self.sigma)

        self.asciiLower = asciiLower
        self.asciiNormalize = asciiNormalize
        self.pageIndex = pageIndex
        self.leaves = leaves
        self.expansions = expansions
        self.twoByteEntries = (0..<UInt32(0x800)).map { leaves[Self.position(of: $0, in: pageIndex)] }
    }

    /// The entry of a code point (see the type's documentation).
    @inline(__always)
    func entry(_ scalar: UInt32) -> UInt32 {
        leaves[Self.position(of: scalar, in: pageIndex)]
    }

    /// Where a code point's entry is in the leaves: its page's leaf, then its low byte.
    @inline(__always)
    private static func position(of scalar: UInt32, in pageIndex: [UInt16]) -> Int {
        Int(pageIndex[Int(scalar >> 8)]) << 8 | Int(scalar & 0xFF)
    }

    /// Whether the Final_Sigma scan skips this code point (Unicode Case_Ignorable).
    func isCaseIgnorable(_ scalar: UInt32) -> Bool {
        Self.contains(PythonUnicodeTables.caseIgnorableRanges, scalar)
    }

    /// Whether this code point is cased and not case-ignorable: the ones that decide Final_Sigma.
    func isCased(_ scalar: UInt32) -> Bool {
        Self.contains(PythonUnicodeTables.casedRanges, scalar)
    }

    /// Binary search in sorted, inclusive `(first, last)` pairs.
    static func contains(_ ranges: [UInt32], _ scalar: UInt32) -> Bool {
        var low = 0
        var high = ranges.count / 2
        while low < high {
            let middle = (low + high) / 2
            if scalar < ranges[2 * middle] {
                high = middle
            } else if scalar > ranges[2 * middle + 1] {
                low = middle + 1
            } else {
                return true
            }
        }
        return false
    }
}

/// The byte-level engine behind `PythonText` and `KeyHasher`: Python's `str.lower()`, optionally
/// followed by `" ".join(....split())`, from UTF-8 to UTF-8 in one pass.
///
/// Runs of eight plain ASCII bytes are lowercased at once (SWAR); other ASCII bytes go through a
/// 128-entry table; other scalars are decoded by hand and looked up in `PythonCaseTable`'s page
/// table. Scalars that do not change are copied as their input bytes.
///
/// When splitting, every whitespace scalar is written as a space unless the previous output byte
/// is a space (or there is no output yet), and a final trailing space is dropped: the same as
/// joining the words of `str.split()` with single spaces.
enum PythonTextTransform {
    /// How many output bytes `transform` may write for an input of `count` bytes.
    @inline(__always)
    static func capacity(forInputCount count: Int) -> Int {
        count * PythonUnicodeTables.maxUTF8GrowthFactor
    }

    /// Writes the lowercase of `input`, split and joined on single spaces when `splitting`.
    ///
    /// - Parameters:
    ///   - input: Well-formed UTF-8 (the contents of a Swift `String`).
    ///   - splitting: `true` for `" ".join(text.lower().split())`, `false` for `text.lower()`.
    ///   - output: Room for at least `capacity(forInputCount: input.count)` bytes.
    ///   - table: The look-up tables.
    /// - Returns: The number of bytes written.
    @inline(__always)
    static func transform(
        _ input: UnsafeBufferPointer<UInt8>,
        splitting: Bool,
        into output: UnsafeMutablePointer<UInt8>,
        table: PythonCaseTable
    ) -> Int {
        var facts = TextFacts()
        return transform(input, splitting: splitting, into: output, table: table, facts: &facts)
    }

    /// ``transform(_:splitting:into:table:)`` that also counts the scalars of the input and
    /// notes its first control character (other than tab, line feed and carriage return).
    @inline(__always)
    static func transform(
        _ input: UnsafeBufferPointer<UInt8>,
        splitting: Bool,
        into output: UnsafeMutablePointer<UInt8>,
        table: PythonCaseTable,
        facts: inout TextFacts
    ) -> Int {
        guard let bytes = input.baseAddress else { return 0 }
        return transform(bytes, count: input.count, splitting: splitting, into: output, table: table, facts: &facts)
    }

    @inline(__always)
    private static func transform(
        _ bytes: UnsafePointer<UInt8>,
        count: Int,
        splitting: Bool,
        into output: UnsafeMutablePointer<UInt8>,
        table: PythonCaseTable,
        facts: inout TextFacts
    ) -> Int {
        let asciiMap = splitting ? table.asciiNormalize : table.asciiLower
        // Counted in locals and stored once: stores through `output` could alias `facts`, which
        // would keep the counts in memory rather than in registers.
        var scalars = 0
        var control: UInt8?
        defer {
            facts.scalars &+= scalars
            facts.control = facts.control ?? control
        }
        return asciiMap.withUnsafeBufferPointer { ascii in
            table.twoByteEntries.withUnsafeBufferPointer { twoByte in
                var read = 0
                var written = 0
                // Splitting: the output is empty or ends with a space, so whitespace adds nothing.
                var afterSpace = true
                while read < count {
                    // Eight bytes at a time, as far as they are plain ASCII. Output never outgrows
                    // `capacity` here: `written` is at most `read` times the growth factor (>= 1).
                    if read &+ 8 <= count {
                        let word = UInt64(littleEndian: UnsafeRawPointer(bytes + read).loadUnaligned(as: UInt64.self))
                        let (lowered, plain) = lowercasedASCIIPrefix(word, splitting: splitting, afterSpace: afterSpace)
                        if plain > 0 {
                            UnsafeMutableRawPointer(output + written).storeBytes(
                                of: lowered.littleEndian,
                                as: UInt64.self
                            )
                            read &+= plain
                            written &+= plain
                            scalars &+= plain
                            afterSpace = word >> UInt64(8 &* (plain &- 1)) & 0xFF == 0x20
                            if plain == 8 { continue }
                        }
                    }
                    let byte = bytes[read]
                    scalars &+= 1
                    if byte < 0x80 {
                        if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D || byte == 0x7F {
                            control = control ?? byte
                        }
                        let lowered = ascii[Int(byte)]
                        output[written] = lowered
                        read &+= 1
                        if splitting {
                            let isSpace = lowered == 0x20
                            written &+= isSpace && afterSpace ? 0 : 1
                            afterSpace = isSpace
                        } else {
                            written &+= 1
                        }
                        continue
                    }

                    let (scalar, length) = decode(bytes, at: read)
                    // Scalars of up to two bytes (most letters of most scripts): one look-up.
                    let entry = scalar < 0x800 ? twoByte[Int(scalar)] : table.entry(scalar)
                    if entry == PythonCaseTable.space {
                        if !splitting {
                            copy(bytes + read, length, to: output + written)
                            written &+= length
                        } else if !afterSpace {
                            output[written] = 0x20
                            written &+= 1
                            afterSpace = true
                        }
                        read &+= length
                        continue
                    }
                    afterSpace = false
                    if entry == 0 {
                        copy(bytes + read, length, to: output + written)
                        written &+= length
                    } else if entry < 0x11_0000 {
                        written &+= encode(entry, into: output + written)
                    } else if entry == PythonCaseTable.sigma {
                        let final = isFinalSigma(bytes, count: count, at: read, length: length, table: table)
                        output[written] = 0xCF
                        output[written + 1] = final ? 0x82 : 0x83
                        written &+= 2
                    } else {
                        let offset = Int((entry & ~PythonCaseTable.expansionFlag) >> 8)
                        for index in offset..<(offset + Int(entry & 0xFF)) {
                            written &+= encode(table.expansions[index], into: output + written)
                        }
                    }
                    read &+= length
                }
                if splitting && afterSpace && written > 0 { written -= 1 }
                return written
            }
        }
    }

    /// Lowercases eight bytes at once (SWAR), and says how many of them, from the first, are plain:
    /// ASCII and, when splitting, not whitespace other than a single space after a non-space.
    ///
    /// Only the plain prefix of the result is meaningful; the byte path takes the next byte.
    /// - Returns: The lowercased word and the length of its plain prefix, 0 to 8.
    @inline(__always)
    static func lowercasedASCIIPrefix(_ word: UInt64, splitting: Bool, afterSpace: Bool) -> (UInt64, Int) {
        let high: UInt64 = 0x8080_8080_8080_8080
        // For a byte x < 0x80, x + c sets the byte's high bit exactly when x >= 0x80 - c, and
        // carries into the next byte never happen. Bytes >= 0x80 may carry, but only into later
        // bytes, so every flag before the first non-ASCII byte is right.
        var special = word & high
        if splitting {
            let atLeast21 = (word &+ 0x5F5F_5F5F_5F5F_5F5F) & high
            let notSpace = ((word ^ 0x2020_2020_2020_2020) &+ 0x7F7F_7F7F_7F7F_7F7F) & high
            let space = ~notSpace & high
            special |= ~atLeast21 & notSpace & high  // control bytes, some of them whitespace
            special |= space & (space << 8)  // the second of two spaces
            if afterSpace { special |= space & 0x80 }  // a space after a space or at the start
            let delete = word ^ 0x7F7F_7F7F_7F7F_7F7F
            special |= (delete &- 0x0101_0101_0101_0101) & ~delete & high  // U+007F, a control character
        }
        let upper = (word &+ 0x3F3F_3F3F_3F3F_3F3F) & ~(word &+ 0x2525_2525_2525_2525) & high
        return (word | upper >> 2, special == 0 ? 8 : special.trailingZeroBitCount >> 3)
    }

    /// Whether the U+03A3 at `position` lowers to final sigma, as CPython's `handle_capital_sigma`:
    /// skipping case-ignorable scalars, the previous scalar must be cased and the next one must not
    /// exist or not be cased.
    static func isFinalSigma(
        _ bytes: UnsafePointer<UInt8>,
        count: Int,
        at position: Int,
        length: Int,
        table: PythonCaseTable
    ) -> Bool {
        var index = position
        var precededByCased = false
        while index > 0 {
            index -= 1
            while index > 0 && bytes[index] & 0xC0 == 0x80 { index -= 1 }
            let (scalar, _) = decode(bytes, at: index)
            if !table.isCaseIgnorable(scalar) {
                precededByCased = table.isCased(scalar)
                break
            }
        }
        guard precededByCased else { return false }
        index = position + length
        while index < count {
            let (scalar, scalarLength) = decode(bytes, at: index)
            if !table.isCaseIgnorable(scalar) { return !table.isCased(scalar) }
            index += scalarLength
        }
        return true
    }

    /// Decodes the scalar starting at `index` in well-formed UTF-8.
    @inline(__always)
    static func decode(_ bytes: UnsafePointer<UInt8>, at index: Int) -> (scalar: UInt32, length: Int) {
        let lead = UInt32(bytes[index])
        if lead < 0x80 { return (lead, 1) }
        if lead < 0xE0 {
            return ((lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F), 2)
        }
        if lead < 0xF0 {
            let value = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
            return (value, 3)
        }
        let value =
            (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12 | UInt32(bytes[index + 2] & 0x3F) << 6
            | UInt32(bytes[index + 3] & 0x3F)
        return (value, 4)
    }

    /// Writes `scalar` as UTF-8 and returns its length.
    @inline(__always)
    static func encode(_ scalar: UInt32, into output: UnsafeMutablePointer<UInt8>) -> Int {
        if scalar < 0x80 {
            output[0] = UInt8(truncatingIfNeeded: scalar)
            return 1
        }
        if scalar < 0x800 {
            output[0] = UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6)
            output[1] = UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F)
            return 2
        }
        if scalar < 0x1_0000 {
            output[0] = UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12)
            output[1] = UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F)
            output[2] = UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F)
            return 3
        }
        output[0] = UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18)
        output[1] = UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F)
        output[2] = UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F)
        output[3] = UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F)
        return 4
    }

    @inline(__always)
    private static func copy(_ source: UnsafePointer<UInt8>, _ count: Int, to target: UnsafeMutablePointer<UInt8>) {
        for offset in 0..<count { target[offset] = source[offset] }
    }

    /// Calls `body` with the UTF-8 of `string`, without copying when it is stored contiguously.
    @inline(__always)
    static func withUTF8<Result>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = string
        return copy.withUTF8(body)
    }
}

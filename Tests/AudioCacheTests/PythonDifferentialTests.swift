import Foundation
import Testing

@testable import AudioCache

/// Compares keys and normalization with a real `python3`, the runtime the keys must match.
@Suite(.timeLimit(.minutes(1))) struct PythonDifferentialTests {
    static let keyScript = #"""
        import hashlib, sys
        out = []
        with open(sys.argv[1], encoding="ascii") as f:
            for line in f:
                t, v, l = (bytes.fromhex(x).decode("utf-8") for x in line.rstrip("\n").split(" "))
                key = hashlib.md5(f"{' '.join(t.lower().split())}|{v}|{l}".encode()).hexdigest()
                out.append(key + " " + " ".join(t.lower().split()).encode().hex() + " " + t.lower().encode().hex() + "\n")
        with open(sys.argv[2], "w", encoding="ascii") as f:
            f.write("".join(out))
        """#

    @Test func keysMatchPythonOnTrickyText() throws {
        let structured = (TrickyText.sigmaContexts() + TrickyText.equivalentPhrases()).map { ($0, "es", "es") }
        let phrases = structured + TrickyText.random(count: 10_000, seed: 0x5EED_CAFE)
        let input = phrases.map {
            "\(PythonReference.hex($0.0)) \(PythonReference.hex($0.1)) \(PythonReference.hex($0.2))\n"
        }
        let lines = try PythonReference.run(script: Self.keyScript, input: input.joined()).split(separator: "\n")
        try #require(lines.count == phrases.count)

        var hasher = KeyHasher()
        var failures: [String] = []
        for (phrase, line) in zip(phrases, lines) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            let key = hasher.key(text: phrase.0, voiceID: phrase.1, language: phrase.2).description
            let normalized = PythonReference.hex(PythonText.normalize(phrase.0))
            let lowered = PythonReference.hex(PythonText.lowercased(phrase.0))
            if fields.count != 3 || key != fields[0] || normalized != fields[1] || lowered != fields[2] {
                failures.append("[\(PythonReference.codePoints(phrase.0))] | \(phrase.1) | \(phrase.2): python \(line)")
            }
        }
        #expect(
            failures.isEmpty,
            "\(failures.count) of \(phrases.count) differ, first:\n\(failures.prefix(5).joined(separator: "\n"))"
        )
    }

    @Test func unicodeVersionMatchesPython() throws {
        let script = """
            import sys, unicodedata
            open(sys.argv[2], "w").write(unicodedata.unidata_version)
            """
        let version = try PythonReference.run(script: script)
        #expect(
            version == PythonText.unicodeVersion,
            "python3 has Unicode \(version), the tables \(PythonText.unicodeVersion): run python3 scripts/generate-unicode-tables.py with the runtime's Python"
        )
    }

    /// Every code point but the surrogates, one by one: the lowercase, `isspace`, and what the
    /// sigma rule sees (`c+"Σ"`, `"A"+c+"Σ"`, `"AΣ"+c`). Python lists only what is not the default.
    @Test func everyCodePointMatchesPython() throws {
        let script = """
            import sys
            S, F = "\\u03a3", "\\u03c2"
            out = []
            for c in range(0x110000):
                if 0xD800 <= c <= 0xDFFF: continue
                ch = chr(c); lo = ch.lower()
                if lo != ch: out.append("L %x %s" % (c, " ".join("%x" % ord(x) for x in lo)))
                if ch.isspace(): out.append("S %x" % c)
                b = ((ch + S).lower()[-1] == F, ("A" + ch + S).lower()[-1] == F, ("A" + S + ch).lower()[1] == F)
                if b != (False, False, True): out.append("G %x %d%d%d" % ((c,) + b))
            open(sys.argv[2], "w").write("\\n".join(out))
            """
        var lower: [UInt32: [UInt32]] = [:]
        var spaces: Set<UInt32> = []
        var sigma: [UInt32: String] = [:]
        for line in try PythonReference.run(script: script).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let scalar = UInt32(fields[1], radix: 16) else { continue }
            switch fields[0] {
            case "L": lower[scalar] = fields.dropFirst(2).compactMap { UInt32($0, radix: 16) }
            case "S": spaces.insert(scalar)
            default: sigma[scalar] = fields.count > 2 ? String(fields[2]) : ""
            }
        }
        try #require(lower.count > 1000 && spaces.count > 20 && sigma.count > 5000)

        let table = PythonCaseTable.shared
        var failures: [String] = []
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)
        defer {
            input.deallocate()
            output.deallocate()
        }
        /// Python's `str.lower()` of a few scalars, through the same engine as the keys.
        func run(_ scalars: UInt32...) -> [UInt32] {
            var count = 0
            for scalar in scalars { count += PythonTextTransform.encode(scalar, into: input + count) }
            let written = PythonTextTransform.transform(
                UnsafeBufferPointer(start: input, count: count),
                splitting: false,
                into: output,
                table: table
            )
            var result: [UInt32] = []
            var index = 0
            while index < written {
                let (scalar, length) = PythonTextTransform.decode(output, at: index)
                result.append(scalar)
                index += length
            }
            return result
        }
        for value in UInt32(0)...0x10_FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let expected = value == 0x3A3 ? [0x3C3] : lower[value] ?? [value]
            if run(value) != expected { failures.append("lower U+\(String(value, radix: 16))") }
            if PythonText.isSpace(scalar) != spaces.contains(value) {
                failures.append("isspace U+\(String(value, radix: 16))")
            }
            let before = run(value, 0x3A3).last == 0x3C2
            let between = run(0x41, value, 0x3A3).last == 0x3C2
            let after = run(0x41, 0x3A3, value).dropFirst().first == 0x3C2
            let observed = [before, between, after].map { $0 ? "1" : "0" }.joined()
            if observed != (sigma[value] ?? "001") {
                failures.append("sigma U+\(String(value, radix: 16)) \(observed)")
            }
            if failures.count > 20 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: ", "))")
    }
}

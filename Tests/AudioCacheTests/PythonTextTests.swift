import Testing

@testable import AudioCache

/// Known cases of Python's `str.lower()`, `str.isspace()` and `" ".join(text.lower().split())`,
/// with the expected values taken from python3 (Unicode 14.0.0).
@Suite struct PythonTextTests {
    @Test func asciiLowercasesAndCollapsesWhitespace() {
        #expect(PythonText.normalize("  Hello   World\t\n") == "hello world")
        #expect(PythonText.normalize("A\u{1C}B\u{1F}C\u{0B}D\u{0C}E") == "a b c d e")
        #expect(PythonText.lowercased("  Hello\tWORLD ") == "  hello\tworld ")
    }

    @Test func dottedCapitalILowersToTwoScalars() {
        #expect(
            PythonText.lowercased("İstanbul").unicodeScalars.map(\.value) == [
                0x69, 0x307, 0x73, 0x74, 0x61, 0x6E, 0x62, 0x75, 0x6C,
            ]
        )
        #expect(PythonText.lowercased("ı I") == "ı i")
    }

    @Test(arguments: [
        ("ΣΑΣ ΑΣ.", "σας ας."),
        ("ΑΣ'Σ", "ασ'ς"),
        ("ΑΣ\u{345}", "ας\u{345}"),
        ("Α\u{AD}Σ", "α\u{AD}ς"),
        ("Σ", "σ"),
        ("ΣΣ", "σς"),
        ("ΑΣΑ", "ασα"),
        ("'Σ", "'σ"),
        ("ΟΔΥΣΣΕΥΣ", "οδυσσευς"),
        ("Α\u{A0}Σ", "α\u{A0}σ"),
    ])
    func finalSigmaFollowsCPython(_ text: String, _ expected: String) {
        #expect(Array(PythonText.lowercased(text).utf8) == Array(expected.utf8), "\(PythonReference.codePoints(text))")
    }

    @Test func splitsOnPythonWhitespaceOnly() {
        #expect(PythonText.normalize("a\u{A0}b\u{3000}c") == "a b c")
        #expect(PythonText.normalize("x\u{85}y\u{1C}z\u{180E}w") == "x y z\u{180E}w")
        #expect(PythonText.normalize("a\u{200B}b") == "a\u{200B}b")
        #expect(PythonText.normalize("\u{2028}a\u{2029}\u{202F}\u{205F}b\u{1680}") == "a b")
    }

    @Test func isSpaceMatchesPython() {
        for text in TrickyText.pythonSpaces {
            for scalar in text.unicodeScalars {
                #expect(PythonText.isSpace(scalar), "U+\(String(scalar.value, radix: 16))")
            }
        }
        for text in TrickyText.notSpaces + ["a", "\u{1C89}", "Σ"] {
            for scalar in text.unicodeScalars {
                #expect(!PythonText.isSpace(scalar), "U+\(String(scalar.value, radix: 16))")
            }
        }
    }

    @Test func emptyAndBlankTextsNormalizeToEmpty() {
        #expect(PythonText.normalize("") == "")
        #expect(PythonText.normalize(" \t\u{3000}\u{2028} ") == "")
        #expect(PythonText.lowercased("") == "")
    }

    @Test(arguments: [
        ("STRASSE Straße ẞ", "strasse straße ß"),
        ("ᏣᎳᎩ ꭰ", "ꮳꮃꭹ ꭰ"),
        ("ᲛᲐᲠᲗᲚᲘ", "მართლი"),
        ("𐐀𐐁 𐐨", "𐐨𐐩 𐐨"),
        ("ǄǅǆȺ", "ǆǆǆⱥ"),
        ("K Å Ⅻ Ⓐ", "k å ⅻ ⓐ"),
        ("\u{1C89}\u{A7DC}", "\u{1C89}\u{A7DC}"),  // Unicode 16 capitals: unknown to Python's Unicode 14.
        ("Café Cafe\u{301}", "café cafe\u{301}"),
    ])
    func lowercasesLikePython(_ text: String, _ expected: String) {
        #expect(Array(PythonText.normalize(text).utf8) == Array(expected.utf8), "\(PythonReference.codePoints(text))")
    }

    /// Swift's `==` on strings is canonical equivalence, so these compare scalars.
    @Test func noUnicodeNormalization() {
        #expect(PythonText.normalize("Caf\u{E9}").unicodeScalars.map(\.value) == [0x63, 0x61, 0x66, 0xE9])
        #expect(PythonText.normalize("Cafe\u{301}").unicodeScalars.map(\.value) == [0x63, 0x61, 0x66, 0x65, 0x301])
        #expect(PythonText.lowercased("\u{212B}").unicodeScalars.map(\.value) == [0xE5])
    }

    @Test func unicodeVersionIsPythons() {
        #expect(PythonText.unicodeVersion == "14.0.0")
    }
}

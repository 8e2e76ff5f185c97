import AudioCacheTestSupport

/// Deterministic inputs that stress Python compatibility: whitespace of every kind, sigma contexts,
/// full case mappings, cased letters from many scripts (astral ones too), NFC/NFD pairs and random
/// code points from the whole range.
enum TrickyText {
    /// Every scalar where Python's `str.isspace()` holds.
    static let pythonSpaces: [String] = [
        "\t", "\n", "\u{0B}", "\u{0C}", "\r", "\u{1C}", "\u{1D}", "\u{1E}", "\u{1F}", " ", "\u{85}", "\u{A0}",
        "\u{1680}", "\u{2000}", "\u{2001}", "\u{2002}", "\u{2003}", "\u{2004}", "\u{2005}", "\u{2006}",
        "\u{2007}", "\u{2008}", "\u{2009}", "\u{200A}", "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}",
    ]

    /// Space-like scalars that Python does not split on.
    static let notSpaces: [String] = ["\u{200B}", "\u{180E}", "\u{FEFF}", "\u{2060}", "\u{200C}", "\u{0}", "\u{7F}"]

    /// Case-ignorable scalars: skipped when deciding between σ and ς.
    static let caseIgnorables: [String] = [
        "'", "\u{2019}", "\u{AD}", "\u{345}", "\u{301}", ".", ":", "\u{B7}", "\u{387}", "\u{2B0}", "\u{200D}",
        "\u{1F3FB}", "\u{E0041}", "\u{308}", "^", "`", "\u{A8}", "\u{FE0F}", "\u{10780}",
    ]

    /// Greek letters around the sigma rule.
    static let greek: [String] = [
        "Σ", "Σ", "Σ", "σ", "ς", "Α", "α", "ά", "Ά", "ΐ", "Ϊ", "Ω", "\u{2126}", "ϴ", "ϲ", "Ϲ", "ᾈ", "ᾼ", "ͅ", "ϒ",
    ]

    /// Turkish dotted and dotless i, and their combining forms.
    static let turkish: [String] = ["İ", "ı", "I", "i", "i\u{307}", "I\u{307}", "İ\u{301}"]

    /// Cased letters from many scripts, including mappings Swift's newer Unicode data disagrees on.
    static let cased: [String] = [
        "A", "Z", "ß", "ẞ", "Ⱥ", "Ⱦ", "ǅ", "ǈ", "Ǳ", "ª", "º", "ʰ", "µ", "Ÿ", "Ĳ", "ﬀ", "K", "Å", "Ⅻ", "ⅻ", "Ⓐ", "ⓐ",
        "Ａ", "Ж", "ж", "Ѐ", "\u{1C89}", "\u{1C8A}", "Ա", "ա", "Ⴀ", "ⴀ", "Ა", "ა", "Ꭰ", "ꭰ", "Ᏸ", "ᏸ", "Ⰰ",
        "\u{2C2F}", "Ⲁ", "Ꙁ", "Ꜣ", "\u{A7C0}", "\u{A7D0}", "\u{A7DC}", "𐐀", "𐐨", "𐒰", "𐓘", "𐕰", "𐖗", "𐲀",
        "𐳀", "𑢠", "𑣀", "𖹀", "𖹠", "𞤀", "𞤢", "𝐀", "🄰", "🅐", "ǰ", "ŉ", "Ꞌ", "Ɐ", "\u{1E921}",
    ]

    /// Canonically equivalent spellings that must still key differently (no normalization).
    ///
    /// Not `("\u{130}", "I\u{307}")`: both lowercase to `"i\u{307}"`, in Python too.
    static let equivalentPairs: [(nfc: String, nfd: String)] = [
        ("\u{C9}", "E\u{301}"), ("\u{386}", "\u{391}\u{301}"), ("\u{1FA}", "A\u{30A}\u{301}"),
        ("\u{1FFC}", "\u{3A9}\u{345}"), ("\u{C5}", "A\u{30A}"), ("\u{212B}", "A\u{30A}"),
        ("\u{AC00}", "\u{1100}\u{1161}"), ("\u{1E9B}\u{323}", "\u{17F}\u{323}\u{307}"),
        ("\u{3AB}", "\u{3A5}\u{308}"), ("\u{1F8F}", "\u{391}\u{314}\u{342}\u{345}"),
    ]

    /// Plain words, so most pieces look like phrases.
    static let words: [String] = [
        "Hola", "HELLO", "world", "¿Qué", "tal?", "Straße", "ΟΔΥΣΣΕΥΣ", "İSTANBUL", "Ελληνικά", "日本語", "😀", "👍🏽",
        "a", "-", "1,5", "ÀÉÎÕÜ", "Ǆǅǆ",
    ]

    static let voices = ["es", "en-us", "21m00Tcm4TlvDq8ikWAM", "", "voz|ñ", "Σ", "v\u{A0}x"]
    static let languages = ["es", "en", "", "el-GR", "tr", "ΣΑΣ"]

    /// A random scalar: from the whole range, the BMP, or the areas where case mappings live.
    static func randomScalar(using rng: inout SplitMix64) -> String {
        let range: ClosedRange<UInt32>
        switch rng.next(upperBound: 4 as UInt32) {
        case 0: range = 0...0x10_FFFF
        case 1: range = 0...0xFFFF
        case 2: range = 0x80...0x2FFF
        default: range = 0x1_0400...0x1_E9FF
        }
        while true {
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &rng)) {
                return String(Character(scalar))
            }
        }
    }

    static func piece(using rng: inout SplitMix64) -> String {
        func pick(_ list: [String]) -> String { list[Int(rng.next(upperBound: UInt64(list.count)))] }
        switch rng.next(upperBound: 20 as UInt64) {
        case 0...3: return pick(words)
        case 4...5: return String(Character(Unicode.Scalar(UInt8(rng.next(upperBound: 128 as UInt64)))))
        case 6...7: return pick(pythonSpaces)
        case 8: return pick(notSpaces)
        case 9...10: return pick(caseIgnorables)
        case 11...12: return pick(greek)
        case 13: return pick(turkish)
        case 14...15: return pick(cased)
        case 16: return rng.next() & 1 == 0 ? pick(equivalentPairs.map(\.nfc)) : pick(equivalentPairs.map(\.nfd))
        default: return randomScalar(using: &rng)
        }
    }

    /// `count` random phrases, the same ones for the same seed.
    static func random(count: Int, seed: UInt64) -> [(text: String, voice: String, language: String)] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let pieces = Int(rng.next(upperBound: 24 as UInt64))
            var text = ""
            for _ in 0..<pieces { text += piece(using: &rng) }
            let voice =
                rng.next(upperBound: 4 as UInt64) == 0 ? voices[Int(rng.next(upperBound: UInt64(voices.count)))] : "es"
            let language =
                rng.next(upperBound: 4 as UInt64) == 0
                ? languages[Int(rng.next(upperBound: UInt64(languages.count)))] : "es"
            return (text, voice, language)
        }
    }

    /// Every `before + ignorable + "Σ" + ignorable + after` combination of the sigma rule.
    static func sigmaContexts() -> [String] {
        let around = [
            "", "A", "a", "Σ", "ς", "1", " ", "\u{A0}", "İ", "ǅ", "\u{1C90}", "\u{10400}", "Ⓐ", "ª", "ʰ", "\u{345}",
            "中", "\u{1C89}",
        ]
        let ignorable = ["", "'", "\u{AD}", "\u{345}", "\u{301}", "'\u{345}"]
        var out: [String] = []
        for before in around {
            for left in ignorable {
                for right in ignorable {
                    for after in around { out.append(before + left + "Σ" + right + after) }
                }
            }
        }
        return out
    }

    /// Each NFC/NFD pair in a phrase, both spellings.
    static func equivalentPhrases() -> [String] {
        equivalentPairs.flatMap { ["Sí \($0.nfc) Ok", "Sí \($0.nfd) Ok"] }
    }
}

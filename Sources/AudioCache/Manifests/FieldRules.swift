/// The rules every phrase field must follow, shared by all manifest formats.
///
/// Voice ids, languages and models end up near file names and URLs, so they are held to a small
/// safe set of characters: nothing that could form a path (`/`, `..` segments), a query, a header
/// or a line break ever passes.
package enum FieldRules {
    /// A field that names something, with its rule worded once for every place that checks it
    /// (manifests, `import`, ``CacheDirectory/store(_:for:)``, the command-line defaults).
    package enum Field: Sendable {
        case voiceID
        case language
        case modelID
        case phraseID

        /// The field's name in manifests and the index.
        package var name: String {
            switch self {
            case .voiceID: "voice_id"
            case .language: "language"
            case .modelID: "model_id"
            case .phraseID: "id"
            }
        }

        /// What a valid value is.
        package var rule: String {
            switch self {
            case .voiceID: "1-64 of A-Z a-z 0-9 . _ + - starting with a letter or digit"
            case .language: "1-35 of A-Z a-z 0-9 - _ starting with a letter or digit"
            case .modelID: "1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit"
            case .phraseID: "1-256 characters and no control characters"
            }
        }

        /// Whether `value` follows the rule.
        package func accepts(_ value: String) -> Bool {
            switch self {
            case .voiceID: isValidVoiceID(value)
            case .language: isValidLanguage(value)
            case .modelID: isValidModelID(value)
            case .phraseID: isValidPhraseID(value)
            }
        }

        /// What is wrong with `value`: `voice_id "a/b" is not allowed; use 1-64 of …`.
        package func refusal(of value: String) -> String {
            "\(name) \(quoted(value)) is not allowed; use \(rule)"
        }

        /// ``refusal(of:)`` when `value` breaks the rule, else `nil`.
        package func problem(with value: String) -> String? {
            accepts(value) ? nil : refusal(of: value)
        }
    }

    /// Voice ids: 1–64 of `A–Z a–z 0–9 . _ + -`, starting with a letter or digit.
    package static func isValidVoiceID(_ value: String) -> Bool {
        isSafe(
            value,
            maxLength: 64,
            extra: [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-")]
        )
    }

    /// Languages: 1–35 of `A–Z a–z 0–9 - _`, starting with a letter or digit (BCP 47 tags fit).
    package static func isValidLanguage(_ value: String) -> Bool {
        isSafe(value, maxLength: 35, extra: [UInt8(ascii: "-"), UInt8(ascii: "_")])
    }

    /// Models: 1–64 of `A–Z a–z 0–9 . _ -`, starting with a letter or digit.
    package static func isValidModelID(_ value: String) -> Bool {
        isSafe(value, maxLength: 64, extra: [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-")])
    }

    /// Phrase ids: 1–256 Unicode scalars, none of them a control character.
    package static func isValidPhraseID(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { isValidPhraseID(utf8: $0) }
    }

    /// ``isValidPhraseID(_:)`` on well-formed UTF-8.
    static func isValidPhraseID(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // The control characters (general category Cc) are exactly U+0000–U+001F and
        // U+007F–U+009F, a set Unicode promises never to change: in UTF-8 the bytes below 0x20,
        // 0x7F, and 0xC2 followed by 0x80–0x9F. A scalar is counted at its lead byte.
        var count = 0
        var previous: UInt8 = 0
        for byte in bytes {
            if byte & 0xC0 != 0x80 { count += 1 }
            if count > 256 || byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte <= 0x9F && byte >= 0x80) {
                return false
            }
            previous = byte
        }
        return count > 0
    }

    /// The first problem with a text, or `nil` when it is acceptable.
    ///
    /// A text must hold at least one character that is not whitespace (by Python's `str.isspace`),
    /// at most `maxCharacters` Unicode scalars, and no control character other than tab, line feed
    /// and carriage return.
    /// - Parameters:
    ///   - text: The text as written.
    ///   - maxCharacters: The limit in Unicode scalars.
    /// - Returns: What is wrong, or `nil`.
    package static func problem(withText text: String, maxCharacters: Int) -> String? {
        var text = text
        var hasher = KeyHasher()
        return problem(withText: text.withUTF8 { hasher.normalize(utf8: $0) }, maxCharacters: maxCharacters)
    }

    /// The first problem with a text, from what normalizing it noticed (see
    /// ``KeyHasher/normalize(utf8:)``, which checks and keys a phrase's text in one pass).
    static func problem(withText facts: TextFacts, maxCharacters: Int) -> String? {
        if let control = facts.control {
            return "text contains the control character U+\(hex4(UInt32(control))); remove it"
        }
        if facts.scalars == 0 { return "text is empty" }
        // Normalizing drops whitespace, and only whitespace.
        if facts.normalizedCount == 0 { return "text holds only whitespace" }
        if facts.scalars > maxCharacters {
            return "text is \(facts.scalars) characters long; the limit is \(maxCharacters) (see --max-text-length)"
        }
        return nil
    }

    private static func isSafe(_ value: String, maxLength: Int, extra: [UInt8]) -> Bool {
        var count = 0
        for byte in value.utf8 {
            count += 1
            guard count <= maxLength else { return false }
            let alnum = (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
            if count == 1 && !alnum { return false }
            if !alnum && !extra.contains(byte) { return false }
        }
        return count > 0
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

import Crypto

/// Computes keys for many phrases, reusing its buffer between calls.
///
/// The hot path of planning: the text is lowercased, split and joined straight from its UTF-8
/// bytes into a scratch buffer (see `PythonText`), the voice and language are appended after `|`
/// separators, and the buffer is hashed; no intermediate `String` is built.
struct KeyHasher: Sendable {
    /// The scheme in use.
    let scheme: KeyScheme
    private let table: PythonCaseTable
    private var scratch: [UInt8]
    /// The length of the normalized text at the start of `scratch`.
    private var normalizedCount = 0

    /// Creates a hasher.
    /// - Parameter scheme: The key scheme.
    init(scheme: KeyScheme = .md5TextVoiceLanguageV1) {
        self.scheme = scheme
        self.table = PythonCaseTable.shared
        self.scratch = [UInt8](repeating: 0, count: 256)
    }

    /// The key of one phrase.
    ///
    /// Equals `scheme.key(text:voiceID:language:)`.
    /// - Parameters:
    ///   - text: The text as written.
    ///   - voiceID: The voice id, used as is.
    ///   - language: The language, used as is.
    /// - Returns: The key.
    mutating func key(text: String, voiceID: String, language: String) -> CacheKey {
        _ = PythonTextTransform.withUTF8(text) { normalize(utf8: $0) }
        return key(voiceID: voiceID, language: language)
    }

    /// The first half of keying a phrase: normalizes its text into the hasher's buffer and tells
    /// what was noticed on the way (length, control characters, whether only whitespace), so that
    /// the text is checked and keyed in one pass. Finish with ``key(voiceID:language:)``.
    /// - Parameter text: The UTF-8 of the text as written, well-formed.
    /// - Returns: What the text holds.
    mutating func normalize(utf8 text: UnsafeBufferPointer<UInt8>) -> TextFacts {
        let needed = PythonTextTransform.capacity(forInputCount: text.count)
        if scratch.count < needed { scratch = [UInt8](repeating: 0, count: max(needed, 2 * scratch.count)) }
        let table = self.table
        var facts = TextFacts()
        normalizedCount = scratch.withUnsafeMutableBufferPointer { buffer in
            guard let output = buffer.baseAddress else { preconditionFailure("the scratch buffer is never empty") }
            return PythonTextTransform.transform(text, splitting: true, into: output, table: table, facts: &facts)
        }
        facts.normalizedCount = normalizedCount
        return facts
    }

    /// The second half of keying a phrase: the key of the text ``normalize(utf8:)`` took last,
    /// spoken by `voiceID` in `language`.
    /// - Parameters:
    ///   - voiceID: The voice id, used as is.
    ///   - language: The language, used as is.
    /// - Returns: The key.
    mutating func key(voiceID: String, language: String) -> CacheKey {
        groupSuffix(voiceID: voiceID, language: language).withUnsafeBufferPointer { key(groupSuffix: $0) }
    }

    /// What the scheme hashes after the normalized text for a voice and language: for
    /// ``KeyScheme/md5TextVoiceLanguageV1``, `|voice|language`. Worked out once per voice and
    /// language, it saves ``key(groupSuffix:)`` going through their `String`s phrase after phrase.
    func groupSuffix(voiceID: String, language: String) -> [UInt8] {
        switch scheme {
        case .md5TextVoiceLanguageV1:
            return Array("|\(voiceID)|\(language)".utf8)
        }
    }

    /// The second half of keying a phrase, with the voice and language given as their
    /// ``groupSuffix(voiceID:language:)``.
    /// - Parameter suffix: The bytes of the voice and language.
    /// - Returns: The key.
    mutating func key(groupSuffix suffix: UnsafeBufferPointer<UInt8>) -> CacheKey {
        switch scheme {
        case .md5TextVoiceLanguageV1:
            let textCount = normalizedCount
            let length = textCount + suffix.count
            if scratch.count < length { scratch += [UInt8](repeating: 0, count: length - scratch.count) }
            return scratch.withUnsafeMutableBufferPointer { buffer in
                guard let output = buffer.baseAddress else { preconditionFailure("the scratch buffer is never empty") }
                if let source = suffix.baseAddress { (output + textCount).update(from: source, count: suffix.count) }
                var md5 = Insecure.MD5()
                md5.update(bufferPointer: UnsafeRawBufferPointer(start: output, count: length))
                return md5.finalize().withUnsafeBytes { digest in
                    CacheKey(
                        high: UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                        low: UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                    )
                }
            }
        }
    }
}

/// What normalizing a text noticed about it, for the text rules (``FieldRules``).
struct TextFacts: Sendable {
    /// The length of the text in Unicode scalars.
    var scalars = 0
    /// The first control character other than tab, line feed and carriage return, if any.
    var control: UInt8?
    /// The length of the normalized text in bytes: 0 exactly when the text is only whitespace.
    var normalizedCount = 0
}

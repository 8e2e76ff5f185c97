/// A named, versioned way to derive a cache key from a phrase.
public enum KeyScheme: String, Sendable, Hashable, CaseIterable, Codable {
    /// `md5(normalized + "|" + voice_id + "|" + language)`, normalized as Python's
    /// `" ".join(text.lower().split())`: the key of the reference Python implementation
    /// (docs/cache-keys.md).
    case md5TextVoiceLanguageV1 = "md5-text-voice-language-v1"

    /// The key of a phrase under this scheme.
    ///
    /// The planner keys whole manifests without a `String` per phrase; this is for one phrase at
    /// a time (a runtime lookup, a single import).
    /// - Parameters:
    ///   - text: The text as written.
    ///   - voiceID: The voice id, used as is.
    ///   - language: The language, used as is.
    /// - Returns: The key.
    public func key(text: String, voiceID: String, language: String) -> CacheKey {
        var hasher = KeyHasher(scheme: self)
        return hasher.key(text: text, voiceID: voiceID, language: language)
    }
}

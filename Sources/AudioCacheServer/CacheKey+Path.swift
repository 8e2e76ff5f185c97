import AudioCache

extension CacheKey {
    /// The key a request names in its path: exactly 32 lowercase hexadecimal digits, as the index
    /// and the audio file names write keys (`^[0-9a-f]{32}$`).
    /// - Parameter text: The path parameter.
    /// - Throws: ``APIError/badKey(_:)`` for anything else.
    init(pathParameter text: String?) throws {
        let text = text ?? ""
        let isKey =
            text.utf8.count == 32
            && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        guard isKey, let key = CacheKey(hex: text) else { throw APIError.badKey(text) }
        self = key
    }
}

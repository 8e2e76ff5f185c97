import AudioCache
import AudioCacheTestSupport
import Foundation

/// Small real audio and library-made entries for the cache command tests.
enum CacheFixtures {
    /// A valid 16-bit mono 8 kHz RIFF/WAVE file: a 44-byte header and `samples` samples whose
    /// values start at `seed`, so different seeds give different bytes.
    static func wav(samples: Int = 100, seed: UInt16 = 1) -> [UInt8] {
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func le16(_ value: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        let data = (0..<samples).flatMap { le16(Int(seed &+ UInt16(truncatingIfNeeded: $0))) }
        var bytes = Array("RIFF".utf8) + le32(36 + data.count) + Array("WAVE".utf8)
        bytes += Array("fmt ".utf8) + le32(16) + le16(1) + le16(1) + le32(8000) + le32(16_000) + le16(2) + le16(16)
        bytes += Array("data".utf8) + le32(data.count) + data
        return bytes
    }

    /// Stores unpinned (runtime) entries through the library, as a service would, then closes the
    /// cache so the binary can open it.
    /// - Parameters:
    ///   - phrases: Text, voice and language of each entry.
    ///   - folder: The cache folder.
    ///   - ttlSeconds: The time to live the entries get.
    ///   - storedAt: The clock at storing time (in the past to make entries that have expired).
    /// - Throws: What the library throws.
    static func storeRuntimeEntries(
        _ phrases: [(text: String, voice: String, language: String)],
        in folder: String,
        ttlSeconds: Int = 86_400,
        storedAt: Date = Date()
    ) async throws {
        let cache = try CacheDirectory(
            configuration: CacheConfiguration(directory: folder, ttlSeconds: ttlSeconds),
            access: .readWrite,
            now: { storedAt }
        )
        for (index, phrase) in phrases.enumerated() {
            try await cache.store(
                wav(seed: UInt16(index + 7)),
                for: CacheDirectory.StoreRequest(
                    text: phrase.text,
                    voiceID: phrase.voice,
                    language: phrase.language,
                    rendering: RenderingDescription(provider: "espeak-ng", outputFormat: "wav", text: phrase.text),
                    isPinned: false
                )
            )
        }
        try await cache.close()
    }

    /// Parses a JSON object printed by a command.
    /// - Parameter text: The command's output.
    /// - Returns: The object, or an empty one when the output is another JSON value.
    /// - Throws: When the output is not JSON.
    static func object(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }
}

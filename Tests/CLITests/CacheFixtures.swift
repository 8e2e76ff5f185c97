import AudioCache
import AudioCacheTestSupport
import Foundation

/// Small real audio and library-made entries for the cache command tests.
enum CacheFixtures {
    /// A small valid WAV file (see `AudioFixtures.wav`).
    static func wav(seed: Int = 1) -> [UInt8] {
        AudioFixtures.wav(samples: 100, seed: seed)
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
                wav(seed: index + 7),
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

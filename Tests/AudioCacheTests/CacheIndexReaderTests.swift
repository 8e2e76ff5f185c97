import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

/// `CacheIndexReader`: what it refuses, with which message, and that what the writer writes reads
/// back equal.
@Suite(.timeLimit(.minutes(2))) struct CacheIndexReaderTests {
    static let header =
        #"{"format":"audiocache-index","format_version":1,"generation":3,"key_scheme":"md5-text-voice-language-v1","stats":{"hits":0,"misses":0,"since":"2026-01-01T00:00:00.000Z"},"updated_at":"2026-01-01T00:00:00.000Z","entries":{"#

    /// One entry's JSON as the writer writes it.
    static func entryJSON(text: String = "Hola", path: String? = nil) -> (key: CacheKey, json: String) {
        let key = KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: "es", language: "es")
        let audio = Array("ID3 audio".utf8)
        let sha256 = SHA256Hash(of: audio)
        let date = CacheTimestamp.date(milliseconds: 1_767_225_600_000)
        let entry = CacheEntry(
            key: key,
            path: path ?? CacheLayout.audioPath(key: key, sha256: sha256, container: .mp3),
            size: audio.count,
            sha256: sha256,
            mimeType: "audio/mpeg",
            audioFormat: "mp3_44100_128",
            createdAt: date,
            lastAccessed: date,
            accessCount: 0,
            expiresAt: nil,
            isPinned: true,
            source: .tts,
            text: text,
            voiceID: "es",
            language: "es",
            rendering: RenderingDescription(provider: "elevenlabs", outputFormat: "mp3_44100_128", text: text)
        )
        var writer = JSONWriter(compact: true)
        CacheIndexWriter.writeEntry(entry, to: &writer)
        return (key, String(decoding: writer.bytes, as: UTF8.self))
    }

    static func readError(_ document: String) throws -> (path: String, error: AudioCacheError) {
        let folder = try TemporaryFolder()
        let path = try folder.write("index.json", document)
        do {
            _ = try CacheIndexReader.readDocument(at: path)
        } catch {
            return (path, error)
        }
        throw PythonReference.Failure(description: "the document was accepted:\n\(document)")
    }

    @Test func badJSONIsReportedByLineAndColumn() throws {
        let (key, entry) = Self.entryJSON()
        let document = Self.header + "\n\"\(key)\":" + entry + ",\n\"\(key)\" " + entry + "\n}}\n"
        let (path, error) = try Self.readError(document)
        #expect(error.kind == .badData)
        let prefix = "\(path):3:"
        #expect(error.description.hasPrefix(prefix), "\(error)")
        let column = error.description.dropFirst(prefix.count).prefix { $0 != ":" }
        #expect(Int(column) == 36, "\(error)")  // where ':' should follow the quoted key
    }

    @Test func aNewerFormatVersionIsRefused() throws {
        let document =
            Self.header.replacingOccurrences(of: #""format_version":1"#, with: #""format_version":2"#) + "\n}}\n"
        let (path, error) = try Self.readError(document)
        #expect(error.kind == .badData)
        #expect(error.description.hasPrefix("\(path):1:"))
        #expect(
            error.description.contains(
                "index format version 2 is newer than this audiocache reads (1); upgrade audiocache"
            )
        )
    }

    @Test(arguments: [
        "audio/../x", "audio/../../etc/passwd", "/etc/passwd", "audio/ab/.hidden.mp3", "audio//x.mp3", "x/ab/cd.mp3",
    ])
    func anUnsafePathIsRefused(path: String) throws {
        let (key, entry) = Self.entryJSON(path: path)
        let (_, error) = try Self.readError(Self.header + "\n\"\(key)\":" + entry + "\n}}\n")
        #expect(
            error.description.contains("path \"\(path)\" is not a relative path inside the audio folder"),
            "\(error)"
        )
    }

    @Test func anEntryMustSitUnderItsOwnKey() throws {
        let (key, entry) = Self.entryJSON()
        let other = Self.entryJSON(text: "Adiós").key
        let (path, error) = try Self.readError(Self.header + "\n\"\(other)\":" + entry + "\n}}\n")
        #expect(error.description == "\(path):2:1: entry \"\(other)\" holds key \(key); they must be equal")
    }

    @Test func aDocumentThatIsNotAnIndexIsRefused() throws {
        let (_, error) = try Self.readError(#"{"format":"audiocache-plan","version":1}"#)
        #expect(error.description.hasSuffix("is not an audiocache index (no \"format\": \"audiocache-index\")"))
        let (_, missingVersion) = try Self.readError(#"{"format":"audiocache-index","entries":{}}"#)
        #expect(missingVersion.description.hasSuffix("has no \"format_version\""))
    }

    @Test func theDocumentedExampleReadsAndItsFingerprintHolds() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("index.json", try CacheFormatSchemaTests.documentedExample())
        let (header, entries) = try CacheIndexReader.readDocument(at: path)
        #expect(header.generation == 7 && header.hits == 1204 && header.misses == 37)
        let entry = try #require(entries.values.first)
        #expect(entries.count == 1)
        #expect(
            entry.key == KeyScheme.md5TextVoiceLanguageV1.key(text: "¡Hola mundo!", voiceID: "es-voice", language: "es")
        )
        let rendering = entry.rendering
        let recomputed = RenderingDescription(
            provider: rendering.provider,
            modelID: rendering.modelID,
            outputFormat: rendering.outputFormat,
            voiceSettings: rendering.voiceSettings,
            text: rendering.text
        )
        #expect(recomputed.fingerprint == rendering.fingerprint)
        #expect(entry.path == CacheLayout.audioPath(key: entry.key, sha256: entry.sha256, container: .mp3))
    }

    @Test func theWriterReadsBackEqualAndRewritesTheSameBytes() async throws {
        let fixture = try await CacheFixture()
        let written = await fixture.cache.allEntries()
        let stats = await fixture.cache.stats()
        try await fixture.cache.close()
        let indexPath = fixture.directory + "/index.json"
        let (header, entries) = try CacheIndexReader.readDocument(at: indexPath)
        #expect(entries.keys.sorted().compactMap { entries[$0] } == written)
        #expect(header.hits == stats.hits && header.misses == stats.misses)
        for entry in written {
            let recomputed = RenderingDescription(
                provider: entry.rendering.provider,
                modelID: entry.rendering.modelID,
                outputFormat: entry.rendering.outputFormat,
                voiceSettings: entry.rendering.voiceSettings,
                text: entry.rendering.text
            )
            #expect(recomputed.fingerprint == entry.rendering.fingerprint, "\(entry.text)")
        }

        // Reopening and closing again writes the same entries, byte for byte (timestamps included).
        let before = try String(contentsOfFile: indexPath, encoding: .utf8)
        for _ in 0..<3 {
            let cache = try CacheDirectory(configuration: CacheConfiguration(directory: fixture.directory))
            _ = await cache.lookup(text: "not there", voice: "es", language: "es")
            try await cache.compact()
            try await cache.close()
        }
        let after = try String(contentsOfFile: indexPath, encoding: .utf8)
        #expect(before.split(separator: "\n").dropFirst() == after.split(separator: "\n").dropFirst())
        #expect(before != after, "the header moved on (generation, misses)")
    }
}

import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

/// The cache folder as a contract with other runtimes: a cache written by the Swift library, read
/// by `examples/python/audio_cache.py` in a real `python3`.
@Suite(.timeLimit(.minutes(2))) struct CacheFormatTests {
    /// What the Python loader sees, printed by `viewScript`.
    struct LoaderView: Decodable {
        struct Stats: Decodable {
            var hits: Int
            var misses: Int
            var since: String
        }
        var generation: Int
        var replayed: Int
        var keys: [String]
        var stats: Stats
        var access: [String: Int]
        var fingerprintMismatches: [String]
    }

    static let viewScript = """
        import json, sys
        sys.path.insert(0, sys.argv[1])
        from audio_cache import AudioCache, rendering_fingerprint
        c = AudioCache(sys.argv[2])
        print(json.dumps({
            "generation": c.generation, "replayed": c.replayed_records, "keys": sorted(c.entries),
            "stats": c.stats, "access": {k: e["access_count"] for k, e in c.entries.items()},
            "fingerprint_mismatches": [k for k, e in c.entries.items()
                                       if rendering_fingerprint(e["rendering"]) != e["rendering_fingerprint"]],
        }))
        """

    static func loaderView(_ directory: String) throws -> LoaderView {
        let result = try PythonProcess.run(["-c", viewScript, "examples/python", directory])
        guard result.status == 0 else {
            throw PythonReference.Failure(description: "python3 exited with \(result.status): \(result.standardError)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LoaderView.self, from: Data(result.standardOutput.utf8))
    }

    /// Asks the Python loader for every phrase and compares with what `cache` looks up.
    static func expectLoaderAgrees(with cache: CacheDirectory, directory: String) async throws {
        for phrase in CacheFixture.everyPhrase {
            let hit = await cache.lookup(text: phrase.lookup, voice: phrase.voice, language: phrase.language)
            let result = try CacheFixture.runLoader(directory, phrase)
            let printed = result.standardOutput.trimmingCharacters(in: .newlines)
            if let hit {
                #expect(result.status == 0, "\(phrase.name): exit \(result.status) \(result.standardError)")
                #expect(printed == hit.fileURL.path, "\(phrase.name)")
            } else {
                #expect(result.status == 1, "\(phrase.name): exit \(result.status) \(result.standardError)")
                #expect(printed.isEmpty, "\(phrase.name)")
            }
        }
    }

    @Test func pythonFindsEveryPhraseOfAClosedCacheWhereSwiftDoes() async throws {
        let fixture = try await CacheFixture()
        try await fixture.cache.close()
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/" + fixture.replacedPath))

        let reader = try CacheDirectory(
            configuration: CacheConfiguration(directory: fixture.directory),
            access: .readOnly,
            now: fixture.clock.now
        )
        #expect(await reader.count == CacheFixture.phrases.count + 2)
        try await Self.expectLoaderAgrees(with: reader, directory: fixture.directory)
        for phrase in CacheFixture.phrases + [CacheFixture.replaced] {
            let hit = await reader.lookup(text: phrase.lookup, voice: phrase.voice, language: phrase.language)
            #expect(hit != nil, "\(phrase.name) must be cached")
        }
        let expired = CacheFixture.expired
        #expect(await reader.lookup(text: expired.lookup, voice: expired.voice, language: expired.language) == nil)

        let view = try Self.loaderView(fixture.directory)
        #expect(view.replayed == 0, "a closed cache has everything in index.json")
        #expect(view.fingerprintMismatches.isEmpty)
        #expect(view.keys == (await reader.allEntries()).map(\.key.description))
    }

    @Test func pythonHonoursExpiresAtToTheMillisecond() async throws {
        let fixture = try await CacheFixture()
        try await fixture.cache.close()
        let expired = CacheFixture.expired
        let before = try CacheFixture.runLoader(fixture.directory, expired, ["--now", "2020-01-01T00:00:59.999Z"])
        let at = try CacheFixture.runLoader(fixture.directory, expired, ["--now", CacheFixture.expiresAt])
        #expect(before.status == 0, "\(before.standardError)")
        #expect(at.status == 1)

        // Swift agrees at the same instants.
        for (time, isHit) in [("2020-01-01T00:00:59.999Z", true), (CacheFixture.expiresAt, false)] {
            let clock = ManualClock(try #require(CacheTimestamp.parse(time)))
            let reader = try CacheDirectory(
                configuration: CacheConfiguration(directory: fixture.directory),
                access: .readOnly,
                now: clock.now
            )
            let hit = await reader.lookup(text: expired.lookup, voice: expired.voice, language: expired.language)
            #expect((hit != nil) == isHit, "at \(time)")
            let key = KeyScheme.md5TextVoiceLanguageV1.key(
                text: expired.stored,
                voiceID: expired.voice,
                language: expired.language
            )
            let expiresAt = try #require(await reader.entry(for: key)?.expiresAt)
            #expect(CacheTimestamp.string(expiresAt) == CacheFixture.expiresAt)
        }
    }

    @Test func pythonSeesTheJournalWhileTheWriterIsOpen() async throws {
        let fixture = try await CacheFixture()
        let (_, fromIndex) = try CacheIndexReader.readDocument(at: fixture.directory + "/index.json")
        #expect(fromIndex.count == 2, "index.json holds only what was stored before the writer reopened")

        let view = try Self.loaderView(fixture.directory)
        let entries = await fixture.cache.allEntries()
        #expect(view.keys == entries.map(\.key.description))
        #expect(view.replayed >= CacheFixture.phrases.count + 1)
        #expect(view.fingerprintMismatches.isEmpty)
        let stats = await fixture.cache.stats()
        #expect(view.stats.hits == stats.hits && view.stats.misses == stats.misses)
        #expect(stats.hits == 1 && stats.misses == 1)
        for entry in entries {
            #expect(view.access[entry.key.description] == entry.accessCount, "\(entry.text)")
        }
        try await Self.expectLoaderAgrees(with: fixture.cache, directory: fixture.directory)
        try await fixture.cache.close()
    }

    @Test func indexJSONAloneNeverNamesAMissingFileWhileTheWriterWorks() async throws {
        let fixture = try await CacheFixture()
        // The first take of the replaced entry waits for the next index.json; a repair must not
        // take it for an orphan while the current index.json still names it.
        let report = try await fixture.cache.verify(repair: true)
        #expect(report.problems.isEmpty && report.orphanFiles.isEmpty)
        for check in 0..<2 {
            let (_, entries) = try CacheIndexReader.readDocument(at: fixture.directory + "/index.json")
            #expect(entries.values.contains { $0.path == fixture.replacedPath } == (check == 0))
            for entry in entries.values {
                #expect(FileManager.default.fileExists(atPath: fixture.directory + "/" + entry.path), "\(entry.path)")
            }
            try await fixture.cache.close()
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/" + fixture.replacedPath))
    }

    @Test func jsonOutputIsTheIndexEntry() async throws {
        let fixture = try await CacheFixture()
        try await fixture.cache.close()
        let phrase = CacheFixture.phrases[4]  // escapes, a long text, no model, WAV
        let result = try CacheFixture.runLoader(fixture.directory, phrase, ["--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let key = KeyScheme.md5TextVoiceLanguageV1.key(
            text: phrase.stored,
            voiceID: phrase.voice,
            language: phrase.language
        )
        let reader = try CacheDirectory(
            configuration: CacheConfiguration(directory: fixture.directory),
            access: .readOnly
        )
        let entry = try #require(await reader.entry(for: key))
        #expect(object["key"] as? String == key.description)
        #expect(object["sha256"] as? String == entry.sha256.description)
        #expect(object["mime_type"] as? String == "audio/wav")
        #expect(object["text"] as? String == CacheEntry.displayText(phrase.stored))
        #expect((object["text"] as? String)?.hasSuffix("…") == true)
        let rendering = try #require(object["rendering"] as? [String: Any])
        #expect(rendering["text"] as? String == phrase.stored)
        #expect(rendering["model_id"] is NSNull)
        #expect(object["rendering_fingerprint"] as? String == phrase.rendering.fingerprint.description)
    }

    @Test func pythonRefusesANewerFormatVersion() throws {
        let folder = try TemporaryFolder()
        try folder.write(
            "cache/index.json",
            #"{"format":"audiocache-index","format_version":2,"generation":1,"key_scheme":"md5-text-voice-language-v1","entries":{}}"#
        )
        let result = try CacheFixture.runLoader(folder.path + "/cache", CacheFixture.absent)
        #expect(result.status == 2)
        #expect(result.standardError.contains("index format version 2 is newer than this reader understands (1)"))
    }

    @Test func pythonIgnoresAStaleJournalAndATornLine() async throws {
        let fixture = try await CacheFixture()
        try await fixture.cache.close()
        let journal = fixture.directory + "/index.journal"
        let begin = try String(contentsOfFile: journal, encoding: .utf8)
        let phrase = CacheFixture.phrases[0]
        let key = KeyScheme.md5TextVoiceLanguageV1.key(
            text: phrase.stored,
            voiceID: phrase.voice,
            language: phrase.language
        )
        let touch = #"{"op":"touch","key":"\#(key)","last_accessed":"2031-01-01T00:00:00.000Z","access_count":99}"#
        let torn = #"{"op":"touch","key":"\#(key)","last_accessed":"2032-01-01T00:00:00.000Z","access_count":1"#

        let baseline = try #require(try Self.loaderView(fixture.directory).access[key.description])
        #expect(baseline == 1)
        try (begin + touch + "\n" + torn).write(toFile: journal, atomically: true, encoding: .utf8)
        #expect(try Self.loaderView(fixture.directory).access[key.description] == 99)
        #expect(try Self.loaderView(fixture.directory).replayed == 1)

        // An older journal (already folded into index.json) and a newer one (index.json is behind:
        // read again, then give up) are both ignored.
        for generation in [1, 99] {
            try (#"{"op":"begin","generation":\#(generation)}"# + "\n" + touch + "\n")
                .write(toFile: journal, atomically: true, encoding: .utf8)
            let view = try Self.loaderView(fixture.directory)
            #expect(view.replayed == 0 && view.access[key.description] == baseline, "generation \(generation)")
        }

        // Swift reads it the same way.
        try (begin + touch + "\n" + torn).write(toFile: journal, atomically: true, encoding: .utf8)
        let reader = try CacheDirectory(
            configuration: CacheConfiguration(directory: fixture.directory),
            access: .readOnly
        )
        #expect(await reader.entry(for: key)?.accessCount == 99)
        #expect(reader.openReport.replayedRecords == 1)
        #expect(reader.openReport.droppedRecord != nil)
    }
}

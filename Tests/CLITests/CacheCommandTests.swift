import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing

/// `audiocache import`, `stats`, `verify` and `plan` against a real cache folder, run as real
/// subprocesses.
@Suite(.timeLimit(.minutes(2))) struct CacheCommandTests {
    /// Imports `Hola mundo` (es, es) as a WAV recording into `folder/cache`.
    private func importRecording(_ folder: TemporaryFolder) async throws -> CommandResult {
        let file = try folder.write("hola.wav", bytes: CacheFixtures.wav())
        return try await CommandRunner.run(
            ["import", file, "--text", "Hola  mundo", "--voice", "es", "--language", "es", "--cache", "cache"],
            in: folder.url
        )
    }

    @Test func importStoresAPinnedRecordingUnderThePhraseKey() async throws {
        let folder = try TemporaryFolder()
        let result = try await importRecording(folder)
        #expect(result.status == 0, "\(result.stderr)")
        let key = try await CommandRunner.run(["key", "hola mundo", "--voice", "es", "--language", "es"]).stdout
            .trimmingCharacters(in: .newlines)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "key \(key)")
        let path = try #require(lines.last?.dropFirst("path ".count))
        #expect(path.hasPrefix("cache/audio/"))
        #expect(path.hasSuffix(".wav"))
        #expect(FileManager.default.contents(atPath: folder.path + "/" + path) == Data(CacheFixtures.wav()))

        let index = try String(contentsOfFile: folder.path + "/cache/index.json", encoding: .utf8)
        #expect(index.contains("\"source\":\"recorded\""))
        #expect(index.contains("\"pinned\":true"))
        #expect(index.contains("\"provider\":\"recorded\""))
        #expect(index.contains("\"output_format\":\"wav\""))
        #expect(index.contains("\"mime_type\":\"audio/wav\""))
    }

    @Test func importRefusesMissingEmptyAndNonAudioFiles() async throws {
        let folder = try TemporaryFolder()
        let empty = try folder.write("empty.wav", bytes: [])
        let text = try folder.write("text.wav", "not audio at all")
        let wav = try folder.write("take.wav", bytes: CacheFixtures.wav())
        let phrase = ["--text", "Hola", "--voice", "es", "--language", "es", "--cache", "cache"]
        let cases: [([String], Int32, String)] = [
            (["import", folder.path + "/missing.wav"] + phrase, 66, "missing.wav: no such file"),
            (["import", folder.path] + phrase, 66, "is not a regular file"),
            (["import", empty] + phrase, 65, "empty.wav: is empty"),
            (["import", text] + phrase, 65, "text.wav: is not audio this tool recognises"),
            (["import", wav, "--format", "mp3_44100_128"] + phrase, 65, "is wav audio, not mp3_44100_128"),
            (["import", wav, "--text", "Hola", "--language", "es"], 64, "Missing expected argument '--voice"),
            (
                ["import", wav, "--text", "Hola", "--voice", "../x", "--language", "es"], 64,
                "--voice: voice_id \"../x\" is not allowed"
            ),
        ]
        for (arguments, status, message) in cases {
            let result = try await CommandRunner.run(arguments, in: folder.url)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/cache/index.json"))
    }

    @Test func statsOfAMissingCacheIsAnEmptyCache() async throws {
        let folder = try TemporaryFolder()
        let text = try await CommandRunner.run(["stats", "--cache", "nothing-here"], in: folder.url)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Entries:   0 (0 pinned, 0 expired)"))
        let json = try await CommandRunner.run(["stats", "--cache", "nothing-here", "--json"], in: folder.url)
        #expect(json.status == 0, "\(json.stderr)")
        let document = try CacheFixtures.object(json.stdout)
        #expect(document["entries"] as? Int == 0)
        #expect(document["hit_rate"] is NSNull)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/nothing-here"))
    }

    @Test func statsReportsEntriesSizesVoicesAndTheMostAccessed() async throws {
        let folder = try TemporaryFolder()
        #expect(try await importRecording(folder).status == 0)
        try await CacheFixtures.storeRuntimeEntries(
            [("Bonjour", "fr-1", "fr"), ("Salut", "fr-1", "fr")],
            in: folder.path + "/cache"
        )
        // Three lookups through the library: two hits on Bonjour, one miss.
        let cache = try CacheDirectory(configuration: CacheConfiguration(directory: folder.path + "/cache"))
        _ = await cache.lookup(text: "bonjour", voice: "fr-1", language: "fr")
        _ = await cache.lookup(text: "BONJOUR", voice: "fr-1", language: "fr")
        _ = await cache.lookup(text: "absent", voice: "fr-1", language: "fr")
        try await cache.close()
        let wavSize = CacheFixtures.wav().count

        let text = try await CommandRunner.run(["stats", "--cache", "cache", "--max-size", "1MB"], in: folder.url)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Entries:   3 (1 pinned, 0 expired)"), "\(text.stdout)")
        #expect(text.stdout.contains("(\(3 * wavSize) bytes) of 976.6 KiB (1000000 bytes)"), "\(text.stdout)")
        #expect(text.stdout.contains("Hit rate:  66.7% (2 hits, 1 misses since "), "\(text.stdout)")
        #expect(text.stdout.contains("Bonjour"))

        let json = try await CommandRunner.run(["stats", "--cache", "cache", "--json", "--top", "1"], in: folder.url)
        #expect(json.status == 0, "\(json.stderr)")
        let document = try CacheFixtures.object(json.stdout)
        #expect(document["format"] as? String == "audiocache-stats")
        #expect(document["entries"] as? Int == 3)
        #expect(document["total_bytes"] as? Int == 3 * wavSize)
        #expect(document["pinned_entries"] as? Int == 1)
        #expect(document["hits"] as? Int == 2)
        #expect(document["misses"] as? Int == 1)
        let voices = try #require(document["voices"] as? [[String: Any]])
        #expect(voices.map { $0["name"] as? String } == ["es", "fr-1"])
        #expect(voices.last?["entries"] as? Int == 2)
        #expect(voices.last?["accesses"] as? Int == 2)
        let top = try #require(document["most_accessed"] as? [[String: Any]])
        #expect(top.count == 1)
        #expect(top.first?["text"] as? String == "Bonjour")
        #expect(top.first?["access_count"] as? Int == 2)

        // stats counts no access: a second run reports the same counters.
        let again = try await CommandRunner.run(["stats", "--cache", "cache", "--json", "--top", "1"], in: folder.url)
        #expect(again.stdout == json.stdout)
    }

    @Test func planCountsAnImportedPhraseAsCached() async throws {
        let folder = try TemporaryFolder()
        #expect(try await importRecording(folder).status == 0)
        try folder.write("phrases.csv", "text,voice_id,language\nHola mundo,es,es\nAdiós,es,es\n")
        let result = try await CommandRunner.run(["plan", "phrases.csv", "--cache", "cache", "--json"], in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        let totals = try CacheFixtures.object(result.stdout)["totals"] as? [String: Any]
        #expect(totals?["cached"] as? Int == 1)
        #expect(totals?["missing"] as? Int == 1)
        #expect(totals?["stale"] as? Int == 0)
        let check = try await CommandRunner.run(["plan", "phrases.csv", "--cache", "cache", "--check"], in: folder.url)
        #expect(check.status == 1)

        // Through the environment, too.
        let environment = try await CommandRunner.run(
            ["plan", "phrases.csv", "--json"],
            in: folder.url,
            environment: ["AUDIO_CACHE_DIR": "cache"]
        )
        #expect(environment.stdout == result.stdout)
    }

    @Test func verifyFindsACorruptFileAndRepairDropsIt() async throws {
        let folder = try TemporaryFolder()
        let imported = try await importRecording(folder)
        let path = try #require(imported.stdout.split(separator: "\n").last?.dropFirst("path ".count))
        let clean = try await CommandRunner.run(["verify", "--cache", "cache"], in: folder.url)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("Checked 1 entries"))

        // Same size, other bytes.
        var bytes = CacheFixtures.wav()
        bytes[60] ^= 0xFF
        try Data(bytes).write(to: folder.url.appendingPathComponent(String(path)))
        try folder.write("cache/audio/ff/ff/stray.wav", bytes: CacheFixtures.wav())
        let broken = try await CommandRunner.run(["verify", "--cache", "cache"], in: folder.url)
        #expect(broken.status == 1)
        let relative = String(path.dropFirst("cache/".count))
        #expect(broken.stdout.contains(" \(relative): the file's SHA-256 is "), "\(broken.stdout)")
        #expect(broken.stdout.contains("audio/ff/ff/stray.wav: orphan file"))

        let json = try await CommandRunner.run(["verify", "--cache", "cache", "--json"], in: folder.url)
        #expect(json.status == 1)
        let document = try CacheFixtures.object(json.stdout)
        #expect(document["clean"] as? Bool == false)
        let problems = try #require(document["problems"] as? [[String: Any]])
        #expect(problems.first?["kind"] as? String == "wrong_content")
        #expect(document["orphan_files"] as? [String] == ["audio/ff/ff/stray.wav"])

        let repaired = try await CommandRunner.run(["verify", "--cache", "cache", "--repair"], in: folder.url)
        #expect(repaired.status == 0, "\(repaired.stderr)")
        #expect(repaired.stdout.contains("repaired"))
        let after = try await CommandRunner.run(["verify", "--cache", "cache"], in: folder.url)
        #expect(after.status == 0, "\(after.stdout)")
        #expect(after.stdout.contains("Checked 0 entries"))
    }

    @Test(arguments: [
        (["stats", "--max-size", "lots"], "--max-size \"lots\" is not a size"),
        (["stats", "--ttl", "soon"], "--ttl \"soon\" is not a duration"),
        (["stats", "--top=-1"], "--top must be 0 or more"),
    ])
    func badCacheOptionsAreUsageErrors(arguments: [String], message: String) async throws {
        let folder = try TemporaryFolder()
        let result = try await CommandRunner.run(arguments + ["--cache", "cache"], in: folder.url)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func badEnvironmentAndConfigurationFileAreUsageErrors() async throws {
        let folder = try TemporaryFolder()
        let environment = try await CommandRunner.run(
            ["stats"],
            in: folder.url,
            environment: ["AUDIO_CACHE_MAX_SIZE": "huge"]
        )
        #expect(environment.status == 64)
        #expect(environment.stderr.contains("AUDIO_CACHE_MAX_SIZE=huge is not a size"))

        try folder.write("settings.json", "{\"max_size\": \"2MB\", \"dir\": \"from-file\", \"colour\": 1}")
        let file = try await CommandRunner.run(["stats", "--config", "settings.json"], in: folder.url)
        #expect(file.status == 64)
        #expect(file.stderr.contains("unknown setting \"colour\""), "\(file.stderr)")

        try folder.write("settings.json", "{\"max_size\": \"2MB\", \"dir\": \"from-file\"}")
        let good = try await CommandRunner.run(["stats", "--config", "settings.json", "--json"], in: folder.url)
        #expect(good.status == 0, "\(good.stderr)")
        let document = try CacheFixtures.object(good.stdout)
        #expect(document["cache"] as? String == "from-file")
        #expect(document["max_size_bytes"] as? Int == 2_000_000)
        let flag = try await CommandRunner.run(
            ["stats", "--config", "settings.json", "--json", "--max-size", "1KiB"],
            in: folder.url
        )
        #expect(try CacheFixtures.object(flag.stdout)["max_size_bytes"] as? Int == 1024)
    }
}

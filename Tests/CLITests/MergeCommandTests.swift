import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing

/// `audiocache warm --shard` and `audiocache merge`: real processes against the fake ElevenLabs
/// server, as a CI matrix would run them.
@Suite(.timeLimit(.minutes(3))) struct MergeCommandTests {
    static let key = "sk_test_0123456789abcdef0123456789abcdef"
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
        let voices = FakeElevenLabsVoice.defaults.map(\.id)
        var rows = ["text,voice_id,language,id"]
        for index in 0..<90 {
            // Repeats (another case and spacing) share a key with an earlier phrase.
            let repeated = index % 10 == 9
            let text = repeated ? "  prompt NUMBER \(index - 1) " : "Prompt number \(index)"
            rows.append("\(text),\(voices[(repeated ? index - 1 : index) % 3]),en,p\(index)")
        }
        try folder.write("manifests/prompts.csv", rows.joined(separator: "\n") + "\n")
        try folder.write(
            "manifests/more.json",
            #"{"voice_id": "\#(voices[0])", "language": "es", "phrases": ["Hola", "Adiós", "Hola"]}"#
        )
    }

    func run(_ arguments: [String], _ url: URL? = nil) async throws -> CommandResult {
        try await CommandRunner.run(
            arguments + (url.map { ["--base-url", $0.absoluteString] } ?? []),
            in: folder.url,
            environment: ["ELEVENLABS_API_KEY": Self.key]
        )
    }

    /// Every entry of a cache without what differs from run to run: dates and the provider's ids.
    func comparable(_ name: String) async throws -> [String] {
        let cache = try CacheDirectory(
            configuration: CacheConfiguration(directory: folder.path + "/" + name),
            access: .readOnly
        )
        return await cache.allEntries().map { entry in
            [
                entry.key.description, entry.path, "\(entry.size)", entry.sha256.description, entry.mimeType,
                entry.audioFormat, "\(entry.isPinned)", entry.source.rawValue, entry.text, entry.voiceID,
                entry.language, entry.rendering.fingerprint.description, "\(entry.response?.characterCost ?? -1)",
            ].joined(separator: "|")
        }
    }

    @Test func fourShardProcessesMergeIntoTheCacheOfOneUnshardedRun() async throws {
        try await FakeElevenLabsServer.withServer(.init(apiKey: Self.key, concurrencyLimit: 4)) { url, server in
            let whole = try await run(["warm", "manifests", "--cache", "whole", "--concurrency", "4"], url)
            #expect(whole.status == 0, "\(whole.stdout)\(whole.stderr)")
            let wholeCount = server.textToSpeechRequests.count
            // Four jobs at once, each with its share of the account's concurrency.
            let shards = try await withThrowingTaskGroup(of: (Int, CommandResult).self) { group in
                for shard in 1...4 {
                    group.addTask {
                        let arguments = [
                            "warm", "manifests", "--cache", "shard-\(shard)", "--shard", "\(shard)/4",
                            "--concurrency", "1", "--report", "report-\(shard).json",
                        ]
                        return (shard, try await run(arguments, url))
                    }
                }
                var results: [Int: CommandResult] = [:]
                for try await (shard, result) in group { results[shard] = result }
                return results
            }
            for (shard, result) in shards.sorted(by: { $0.key < $1.key }) {
                #expect(result.status == 0, "shard \(shard): \(result.stdout)\(result.stderr)")
                let report = try String(contentsOfFile: folder.path + "/report-\(shard).json", encoding: .utf8)
                #expect(report.contains("\"shard\" : \"\(shard)/4\""))
            }
            // Each rendering was asked for once more, by exactly one shard.
            #expect(server.textToSpeechRequests.count == 2 * wholeCount)
            #expect(server.maxActiveTextToSpeech <= 4)
        }
        let merge = try await run(["merge", "merged", "shard-1", "shard-2", "shard-3", "shard-4", "--json"])
        #expect(merge.status == 0, "\(merge.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(merge.stdout.utf8)) as? [String: Any])
        #expect(report["format"] as? String == "audiocache-merge")
        #expect((report["conflicts"] as? [Any])?.isEmpty == true)
        let expected = try await comparable("whole")
        #expect(expected.count == 81 + 2)
        #expect(report["entries"] as? Int == expected.count && report["linked_files"] as? Int == expected.count)
        #expect(try await comparable("merged") == expected)
        let verify = try await run(["verify", "--cache", "merged"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test(arguments: [
        (["merge", "out"], Int32(64), "Missing expected argument '<inputs> ...'"),
        (["merge", "out", "out"], Int32(64), "is both the merged cache and one of its inputs"),
        (["merge", "out", "a", "./a"], Int32(64), "a cache folder is given twice"),
        (["merge", "out", "missing"], Int32(66), "missing: no cache index"),
    ])
    func badUsage(arguments: [String], status: Int32, message: String) async throws {
        let result = try await run(arguments)
        #expect(result.status == status)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out/index.json"))
    }

    @Test func aDamagedShardExits65AndWritesNothing() async throws {
        try folder.write("audio.wav", bytes: AudioFixtures.wav())
        let imported = try await run([
            "import", "audio.wav", "--text", "Hola", "--voice", "es", "--language", "es", "--cache", "a",
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        let audio = try FileManager.default.subpathsOfDirectory(atPath: folder.path + "/a/audio").filter {
            $0.hasSuffix(".wav")
        }
        try FileManager.default.removeItem(atPath: folder.path + "/a/audio/" + (audio.first ?? ""))
        let result = try await run(["merge", "out", "a"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("run audiocache verify on a"))
    }
}

/// `audiocache bundle` and `audiocache unbundle` as real processes.
@Suite(.timeLimit(.minutes(2))) struct BundleCommandTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
        try folder.write("audio.wav", bytes: AudioFixtures.wav())
    }

    func run(_ arguments: [String]) async throws -> CommandResult {
        try await CommandRunner.run(arguments, in: folder.url)
    }

    @Test func bundlesUnbundlesAndTheResultVerifiesClean() async throws {
        let imported = try await run([
            "import", "audio.wav", "--text", "Hola", "--voice", "es", "--language", "es", "--cache", "cache",
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        for name in ["cache.tar.gz", "cache.zip"] {
            let bundled = try await run(["bundle", "cache", "--out", name])
            #expect(bundled.status == 0, "\(bundled.stderr)")
            #expect(FileManager.default.fileExists(atPath: folder.path + "/\(name).sha256"))
            let unpacked = try await run(["unbundle", name, "out-\(name)"])
            #expect(unpacked.status == 0, "\(unpacked.stderr)")
            #expect(unpacked.stdout.contains("SHA-256 checked"))
            let verify = try await run(["verify", "--cache", "out-\(name)"])
            #expect(verify.status == 0, "\(verify.stdout)")
        }
        let again = try await run(["unbundle", "cache.tar.gz", "out-cache.tar.gz"])
        #expect(again.status == 64, "\(again.stderr)")
        #expect(again.stderr.contains("is not empty"))
    }

    @Test func diffNamesWhatWasAddedRemovedAndRerenderedBetweenABundleAndACache() async throws {
        try folder.write("other.wav", bytes: AudioFixtures.wav(seed: 7))
        for (file, text) in [("audio.wav", "Hola"), ("audio.wav", "Adiós")] {
            let imported = try await run([
                "import", file, "--text", text, "--voice", "es", "--language", "es", "--cache", "cache",
            ])
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        #expect(try await run(["bundle", "cache", "--out", "v1.tar.gz"]).status == 0)
        let same = try await run(["diff", "v1.tar.gz", "cache", "--exit-code"])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("0 added, 0 removed, 0 re-rendered, 2 unchanged"))
        // Hola gets a new take, Adiós goes, Buenas noches comes.
        for (file, text) in [("other.wav", "Hola"), ("audio.wav", "Buenas noches")] {
            let imported = try await run([
                "import", file, "--text", text, "--voice", "es", "--language", "es", "--cache", "cache",
            ])
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        let removed = try await run([
            "invalidate", "--text", "Adiós", "--voice", "es", "--language", "es", "--cache", "cache",
        ])
        #expect(removed.status == 0, "\(removed.stderr)")
        let text = try await run(["diff", "v1.tar.gz", "cache", "--exit-code"])
        #expect(text.status == 1)
        #expect(text.stdout.contains("+ ") && text.stdout.contains("\"Buenas noches\""))
        #expect(text.stdout.contains("- ") && text.stdout.contains("\"Adiós\""))
        #expect(text.stdout.contains("~ ") && text.stdout.contains("\"Hola\" (new audio)"))
        let json = try await run(["diff", "v1.tar.gz", "cache", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(document["format"] as? String == "audiocache-diff")
        #expect((document["added"] as? [Any])?.count == 1 && (document["removed"] as? [Any])?.count == 1)
        #expect((document["rerendered"] as? [[String: Any]])?.first?["rendering_changed"] as? Bool == false)
        #expect(document["unchanged"] as? Int == 0)
        let missing = try await run(["diff", "nope.tar.gz", "cache"])
        #expect(missing.status == 66)
    }

    @Test(arguments: [
        (["bundle", "cache", "--out", "cache.tar"], Int32(64), "a bundle is named .tar.gz, .tgz or .zip"),
        (["bundle", "missing", "--out", "b.tar.gz"], Int32(66), "missing: no cache index"),
        (["unbundle", "missing.tar.gz", "out"], Int32(66), "missing.tar.gz: cannot open the bundle"),
        (["unbundle", "audio.wav", "out"], Int32(65), "audio.wav: is not a bundle"),
    ])
    func badInput(arguments: [String], status: Int32, message: String) async throws {
        let result = try await run(arguments)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out"))
    }
}

/// `audiocache gc` as a real process, over a cache warmed with espeak-ng.
@Suite(.timeLimit(.minutes(2))) struct GCCommandTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
    }

    func run(_ arguments: [String]) async throws -> CommandResult {
        try await CommandRunner.run(arguments, in: folder.url)
    }

    func entries() async throws -> Int {
        let stats = try await run(["stats", "--json", "--cache", "cache"])
        let document = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        return document?["entries"] as? Int ?? -1
    }

    @Test func removesWhatNoManifestAsksForAndKeepsRecordings() async throws {
        try folder.write("manifests/a.csv", "text,voice_id,language\nHola,es,es\nAdiós,es,es\nGracias,es,es\n")
        let warmed = try await run(["warm", "manifests", "--cache", "cache", "--provider", "espeak-ng", "--quiet"])
        #expect(warmed.status == 0, "\(warmed.stdout)\(warmed.stderr)")
        try folder.write("take.wav", bytes: AudioFixtures.wav())
        let imported = try await run([
            "import", "take.wav", "--text", "Grabación", "--voice", "es", "--language", "es", "--cache", "cache",
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        try folder.write("manifests/a.csv", "text,voice_id,language\nHola,es,es\nGracias,es,es\n")

        // A bad manifest stops gc before anything goes; so do flags that would hide phrases.
        try folder.write("manifests/b.csv", "text,voice_id,language\n\"never closed,es,es\n")
        let bad = try await run(["gc", "cache", "manifests"])
        #expect(bad.status == 65, "\(bad.stderr)")
        #expect(try await entries() == 4)
        try FileManager.default.removeItem(atPath: folder.path + "/manifests/b.csv")
        #expect(try await run(["gc", "cache", "manifests", "--skip-invalid"]).status == 64)
        #expect(try await run(["gc", "cache", "manifests", "--shard", "1/2"]).status == 64)
        try FileManager.default.createDirectory(atPath: folder.path + "/empty", withIntermediateDirectories: true)
        #expect(try await run(["gc", "cache", "empty"]).status == 66)

        let dry = try await run(["gc", "cache", "manifests", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would remove 1 entry"))
        #expect(try await entries() == 4)
        let removed = try await run(["gc", "cache", "manifests", "--json"])
        #expect(removed.status == 0, "\(removed.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(removed.stdout.utf8)) as? [String: Any]
        #expect((document?["removed"] as? [Any])?.count == 1)
        #expect(try await entries() == 3)
        #expect(try await run(["verify", "--cache", "cache"]).status == 0)
        let recordings = try await run(["gc", "cache", "manifests", "--include-recordings"])
        #expect(recordings.stdout.contains("removed 1 entry"), "\(recordings.stdout)")
        #expect(try await entries() == 2)
    }
}

/// `audiocache export` as a real process.
@Suite(.timeLimit(.minutes(2))) struct ExportCommandTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
        try folder.write("take.wav", bytes: AudioFixtures.wav())
    }

    func run(_ arguments: [String]) async throws -> CommandResult {
        try await CommandRunner.run(arguments, in: folder.url)
    }

    func files(_ path: String) throws -> [String] {
        (try? FileManager.default.subpathsOfDirectory(atPath: folder.path + "/" + path))?
            .filter { !$0.hasSuffix("/") && $0.contains(".") }.sorted() ?? []
    }

    @Test func exportsHomeAssistantOpenVoiceOSAndByIDLayouts() async throws {
        let imported = try await run([
            "import", "take.wav", "--text", "Hola Mundo", "--voice", "es", "--language", "es", "--cache", "cache",
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        let home = try await run([
            "export", "cache", "ha", "--layout", "home-assistant", "--engine", "tts.piper", "--option", "voice=es",
        ])
        #expect(home.status == 0, "\(home.stderr)")
        // Python: sha1("Hola Mundo"), blake2s(b"voice" + b"es", digest_size=5).
        #expect(try files("ha") == ["48124d6dc3b2e693a207667c32ac672414913994_es_7187b2a489_tts.piper.wav"])
        let ovos = try await run(["export", "cache", "ovos", "--layout", "ovos", "--plugin", "ovos-tts-plugin-piper"])
        #expect(ovos.status == 0, "\(ovos.stderr)")
        // Python: md5("Hola Mundo").
        #expect(try files("ovos") == ["ovos-tts-plugin-piper/es/es/d501194c987486789bb01b50dc1a0adb.wav"])
        try folder.write("manifests/a.csv", "text,voice_id,language,id\nHola mundo,es,es,greeting\n")
        let byID = try await run(["export", "cache", "prompts", "--layout", "by-id", "manifests"])
        #expect(byID.status == 0, "\(byID.stderr)")
        #expect(try files("prompts") == ["es/es/greeting.wav"])
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/prompts/es/es/greeting.wav"))
        #expect(Array(data) == AudioFixtures.wav())
    }

    @Test(arguments: [
        (["export", "cache", "out", "--layout", "nope"], Int32(64), "--layout"),
        (["export", "cache", "out", "--layout", "home-assistant"], Int32(64), "needs --engine"),
        (
            ["export", "cache", "out", "--layout", "home-assistant", "--engine", "../x"], Int32(64),
            "not a Home Assistant engine id"
        ),
        (
            ["export", "cache", "out", "--layout", "home-assistant", "--engine", "tts.x", "--option", "novalue"],
            Int32(64), "is not KEY=VALUE"
        ),
        (["export", "cache", "out", "--layout", "ovos"], Int32(64), "needs --plugin"),
        (["export", "cache", "out", "--layout", "ovos", "--plugin", ".."], Int32(64), "cannot be a folder name"),
        (["export", "cache", "out", "--layout", "by-id"], Int32(64), "needs the manifests"),
        (["export", "cache", "out", "--layout", "by-id", "evil"], Int32(65), "cannot be a file name"),
    ])
    func badUsage(arguments: [String], status: Int32, message: String) async throws {
        let imported = try await run([
            "import", "take.wav", "--text", "Hola", "--voice", "es", "--language", "es", "--cache", "cache",
        ])
        #expect(imported.status == 0)
        try folder.write("evil/a.csv", "text,voice_id,language,id\nHola,es,es,../../../escape\n")
        let result = try await run(arguments)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/escape.wav"))
    }
}

import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing

/// `audiocache warm` end to end: the real binary, real espeak-ng audio, a real cache folder.
@Suite(.timeLimit(.minutes(3))) struct WarmCommandTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
        try folder.write(
            "manifests/prompts.csv",
            """
            id,text,voice_id,language
            welcome,Bienvenido a Banco Sol,es,es
            menu,Pulse uno para saldo,es,es
            again,bienvenido  a banco sol,es,es
            hello,Hello and welcome,en-us,en
            """
        )
    }

    func warm(
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> (
        CommandResult, [String: Any]
    ) {
        let result = try await CommandRunner.run(
            ["warm", "manifests", "--cache", "cache", "--report", "report.json"] + arguments,
            in: folder.url,
            environment: environment
        )
        let data = FileManager.default.contents(atPath: folder.path + "/report.json") ?? Data()
        return (result, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    @Test func rendersRealAudioOnceAndASecondRunMakesNoRequest() async throws {
        let (first, report) = try await warm([])
        #expect(first.status == 0, "\(first.stderr)")
        let counts = try #require(report["counts"] as? [String: Int])
        #expect(counts["renderings"] == 3 && counts["rendered"] == 3)
        #expect(report["outcome"] as? String == "complete" && report["provider"] as? String == "espeak-ng")

        let cache = try CacheDirectory(configuration: .init(directory: folder.path + "/cache"), access: .readOnly)
        let entries = await cache.allEntries()
        #expect(entries.count == 3)
        for entry in entries {
            let bytes = try #require(FileManager.default.contents(atPath: folder.path + "/cache/" + entry.path))
            #expect(AudioContainer.detect(bytes, declaredAs: "wav") == .wav && bytes.count > 1_000)
            #expect(entry.rendering.provider == "espeak-ng" && entry.isPinned)
        }
        #expect(entries.contains { $0.rendering.text == "Bienvenido a Banco Sol" })

        let (second, again) = try await warm([])
        #expect(second.status == 0)
        #expect((again["requests"] as? [String: Any])?["sent"] as? Int == 0)
        #expect((again["counts"] as? [String: Int])?["already_cached"] == 3)

        let check = try await CommandRunner.run(["plan", "manifests", "--cache", "cache", "--check"], in: folder.url)
        #expect(check.status == 0, "plan --check passes once the cache is warm")
    }

    @Test func anUnknownVoiceFailsItsPhrasesAndTheRestIsCached() async throws {
        try folder.write("manifests/more.csv", "text,voice_id,language\nHola,zz-nonexistent,es\n")
        let (result, report) = try await warm(["--concurrency", "1"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let failures = try #require(report["failures"] as? [[String: Any]])
        #expect(failures.count == 1)
        #expect(failures.first?["reason"] as? String == "voice_not_found")
        let sources = failures.first?["sources"] as? [[String: Any]]
        #expect(sources?.first?["file"] as? String == "manifests/more.csv")
        #expect(sources?.first?["line"] as? Int == 2)
        #expect((report["counts"] as? [String: Int])?["rendered"] == 3)
    }

    @Test func theCharacterBudgetStopsTheRunWithExit3() async throws {
        let (result, report) = try await warm(["--max-characters", "25", "--concurrency", "1"])
        #expect(result.status == 3)
        let characters = try #require(report["characters"] as? [String: Any])
        #expect((characters["billed"] as? Int ?? 99) <= 25)
        #expect(((report["counts"] as? [String: Int])?["skipped_budget"] ?? 0) > 0)
    }

    @Test func dryRunWritesNothing() async throws {
        let result = try await CommandRunner.run(
            ["warm", "manifests", "--cache", "cache", "--dry-run"],
            in: folder.url
        )
        #expect(result.status == 0)
        #expect(result.stdout.contains("To fetch: 3 renderings"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/cache"))
    }

    @Test func aMissingEspeakNgSaysHowToInstallItAndExits3() async throws {
        let (result, report) = try await warm([], environment: ["PATH": "/nonexistent"])
        #expect(result.status == 3)
        #expect(result.stdout.contains("apt-get install espeak-ng"), "\(result.stdout)")
        #expect((report["stopped_by"] as? [String: Any])?["reason"] as? String == "espeak_ng_missing")
    }

    @Test func badUsageExits64() async throws {
        for arguments in [
            ["--provider", "nope"], ["--concurrency", "0"], ["--rate", "-1"], ["--max-attempts", "0"],
        ] {
            let result = try await CommandRunner.run(["warm", "manifests"] + arguments, in: folder.url)
            #expect(result.status == 64, "\(arguments)")
        }
    }

    @Test func sigintStopsStartingRequestsExits130AndTheNextRunResumes() async throws {
        let lines = (1...120).map { "Frase número \($0) para la prueba,es,es" }
        try folder.write("manifests/many.csv", "text,voice_id,language\n" + lines.joined(separator: "\n") + "\n")
        let process = Process()
        process.executableURL = CommandRunner.executable
        process.arguments = [
            "warm", "manifests", "--cache", "cache", "--report", "report.json", "--concurrency", "1", "--rate", "4",
        ]
        process.currentDirectoryURL = folder.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .seconds(1.5))
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(report["outcome"] as? String == "interrupted")
        let rendered = try #require((report["counts"] as? [String: Int])?["rendered"])
        #expect(rendered > 0 && rendered < 123)

        let verify = try await CommandRunner.run(["verify", "--cache", "cache"], in: folder.url)
        #expect(verify.status == 0, "\(verify.stdout)")
        let (resumed, again) = try await warm([])
        #expect(resumed.status == 0)
        #expect((again["counts"] as? [String: Int])?["already_cached"] == rendered)
        #expect((again["counts"] as? [String: Int])?["rendered"] == 123 - rendered)
    }
}

extension WarmCommandTests {
    @Test func twoInterruptsInARowExit130AndLeaveASoundCacheThatResumes() async throws {
        let lines = (1...60).map { "Otra frase número \($0),es,es" }
        try folder.write("manifests/many.csv", "text,voice_id,language\n" + lines.joined(separator: "\n") + "\n")
        let process = Process()
        process.executableURL = CommandRunner.executable
        process.arguments = ["warm", "manifests", "--cache", "cache", "--concurrency", "1", "--rate", "2"]
        process.currentDirectoryURL = folder.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the run has stored something (the index names an audio file).
        let index = folder.path + "/cache/index.journal"
        for _ in 0..<200 {
            let journal = (try? String(contentsOfFile: index, encoding: .utf8)) ?? ""
            if journal.contains("\"op\":\"put\"") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let start = ContinuousClock.now
        kill(process.processIdentifier, SIGINT)
        try await Task.sleep(for: .milliseconds(100))
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(ContinuousClock.now - start < .seconds(20), "not after the remaining phrases (30 s at --rate 2)")
        let verify = try await CommandRunner.run(["verify", "--repair", "--cache", "cache"], in: folder.url)
        #expect(verify.status == 0, "\(verify.stdout)")
        let resumed = try await CommandRunner.run(["warm", "manifests", "--cache", "cache", "--quiet"], in: folder.url)
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
    }
}

extension WarmCommandTests {
    /// A CI job pointed at a wrong folder must fail: nothing to read is missing input (66).
    @Test func aFolderWithNoManifestExits66() async throws {
        try folder.makeFolder("empty")
        try folder.write("x.csv/README.md", "a folder named like a manifest")
        for path in ["empty/", "x.csv"] {
            for command in [["plan", path], ["warm", path, "--cache", "cache"]] {
                let result = try await CommandRunner.run(command, in: folder.url)
                #expect(result.status == 66, "\(command)")
                #expect(result.stderr.contains("\(path): no manifests (.csv, .json, .jsonl, .ndjson, .xml, .tsv)"))
            }
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/cache"))
    }

    /// When the cache's disk fills, warm stops as an I/O error (74) and says so in the report; the
    /// cache verifies clean and the next run, with room, finishes the job.
    @Test(.enabled(if: SmallDisk.isAvailable)) func aFullDiskExits74AndTheCacheStaysSound() async throws {
        let disk = try SmallDisk(kilobytes: 400)
        let lines = (1...40).map { "Frase número \($0) para llenar un disco pequeño,es,es" }
        try folder.write("manifests/many.csv", "text,voice_id,language\n" + lines.joined(separator: "\n") + "\n")
        let cache = disk.path + "/cache"
        let result = try await CommandRunner.run(
            ["warm", "manifests", "--cache", cache, "--report", folder.path + "/report.json", "--concurrency", "1"],
            in: folder.url
        )
        #expect(result.status == 74, "\(result.stdout)\(result.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let stoppedBy = report["stopped_by"] as? [String: Any]
        #expect(stoppedBy?["reason"] as? String == "disk_full")
        #expect((stoppedBy?["message"] as? String)?.contains("No space left on device") == true)
        #expect(report["exit_code"] as? Int == 74 && report["outcome"] as? String == "stopped")
        let verify = try await CommandRunner.run(["verify", "--cache", cache], in: folder.url)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        let rendered = try #require((report["counts"] as? [String: Int])?["rendered"])
        try FileManager.default.copyItem(atPath: cache, toPath: folder.path + "/roomy")
        let (resumed, again) = try await warm(["--cache", "roomy"])
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect((again["counts"] as? [String: Int])?["already_cached"] == rendered)
    }
}

import AudioCacheTestSupport
import Foundation
import Testing

/// `audiocache plan` and `audiocache key`, run as real subprocesses on real files.
@Suite(.timeLimit(.minutes(2))) struct PlanCommandTests {
    /// Compares `actual` with a golden file; `AUDIOCACHE_RECORD_GOLDEN=1` rewrites the file instead.
    private func expectGolden(
        _ actual: String,
        _ name: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let url = CommandRunner.packageRoot.appendingPathComponent("Tests/CLITests/Golden/\(name)")
        if ProcessInfo.processInfo.environment["AUDIOCACHE_RECORD_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(
            actual == expected,
            "differs from \(name); rerun with AUDIOCACHE_RECORD_GOLDEN=1 to record",
            sourceLocation: sourceLocation
        )
    }

    @Test func plansTheSampleManifests() async throws {
        let text = try await CommandRunner.run(["plan", "manifests", "--cache", "does-not-exist"])
        #expect(text.status == 0, "\(text.stderr)")
        try expectGolden(text.stdout, "plan-manifests.txt")

        let json = try await CommandRunner.run(["plan", "manifests", "--cache", "does-not-exist", "--json", "--list"])
        #expect(json.status == 0, "\(json.stderr)")
        try expectGolden(json.stdout, "plan-manifests.json")
        #expect(
            !FileManager.default.fileExists(
                atPath: CommandRunner.packageRoot.appendingPathComponent("does-not-exist").path
            )
        )
    }

    @Test func theSamePlanTwiceIsTheSameBytes() async throws {
        let first = try await CommandRunner.run(["plan", "manifests", "--json", "--list", "--concurrency", "4"])
        let second = try await CommandRunner.run(["plan", "manifests", "--json", "--list", "--concurrency", "1"])
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
    }

    @Test func checkExitsOneWhenAnythingIsMissing() async throws {
        // An empty cache of its own: the repository's cache/ is full after scripts/run.
        let cache = try TemporaryFolder()
        let result = try await CommandRunner.run(["plan", "manifests", "--check", "--cache", cache.path])
        #expect(result.status == 1)
    }

    @Test func aBadFileStopsTheRunWithItsLocation() async throws {
        let folder = try TemporaryFolder()
        try folder.write("a-good.csv", "text,voice_id,language\nHola,es,es\n")
        try folder.write("b-bad.json", "{\"voice_id\": \"es\", \"language\": \"es\", \"phrases\": [\"Hola\", \"   \"]}")
        try folder.write("c-bad.csv", "text,voice_id,language\n\"unterminated,es,es\n")
        let result = try await CommandRunner.run(["plan", folder.path])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "\(folder.path)/b-bad.json:1:58: text holds only whitespace\n")
    }

    @Test func skipInvalidReportsEveryProblemAndGoesOn() async throws {
        let folder = try TemporaryFolder()
        try folder.write("a.csv", "text,voice_id,language\nHola,es,es\n,es,es\nAdiós,../x,es\n")
        try folder.write("b.txt.bak", "junk")
        let result = try await CommandRunner.run(["plan", folder.path, "--skip-invalid", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.contains("\(folder.path)/a.csv:3: text is empty"))
        #expect(lines.contains { $0.hasPrefix("\(folder.path)/a.csv:4: voice_id \"../x\" is not allowed") })
        #expect(lines.contains { $0.hasPrefix("\(folder.path)/b.txt.bak: unsupported manifest extension") })
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let totals = document?["totals"] as? [String: Any]
        #expect(totals?["phrases"] as? Int == 1)
        #expect((document?["problems"] as? [Any])?.count == 3)
    }

    @Test(arguments: [
        (["plan", "/nonexistent/manifests"], Int32(66), "/nonexistent/manifests: no such file or folder"),
        (["plan", "manifests", "--voice", "../etc"], Int32(64), "--voice: voice_id \"../etc\" is not allowed"),
        (["plan", "manifests", "--max-text-length", "0"], Int32(64), "--max-text-length must be at least 1"),
        (["plan", "manifests", "--cache", "Package.swift"], Int32(64), "is a file, but the cache must be a folder"),
        (["plan", "manifests", "--list"], Int32(64), "--list needs --json"),
        (["key", "hola"], Int32(64), "Missing expected argument '--voice <voice>'"),
        (["plan", "manifests", "--shard", "0/4"], Int32(64), "--shard: shard 0 of 4 does not exist"),
        (["plan", "manifests", "--shard", "5/4"], Int32(64), "--shard: shard 5 of 4 does not exist"),
        (["plan", "manifests", "--shard", "2"], Int32(64), "--shard: a shard is K/N, such as 1/4"),
        (["plan", "manifests", "--shard", "1/4", "--shards", "4"], Int32(64), "give --shard K/N or --shards N"),
        (["plan", "manifests", "--shards", "4"], Int32(64), "neither is set; give --shard K/N instead"),
        (["warm", "manifests", "--shard", "1/0", "--dry-run"], Int32(64), "the number of shards must be at least 1"),
    ])
    func badUsageAndMissingInput(arguments: [String], status: Int32, message: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status == status)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func commandLineDefaultsAndTheTextLimitApply() async throws {
        let folder = try TemporaryFolder()
        try folder.write("a.csv", "text,language\nHola,es\nBuenos días,es\n")
        let tooLong = try await CommandRunner.run(["plan", folder.path, "--voice", "es", "--max-text-length", "5"])
        #expect(tooLong.status == 65)
        #expect(
            tooLong.stderr
                == "\(folder.path)/a.csv:3: text is 11 characters long; the limit is 5 (see --max-text-length)\n"
        )

        let result = try await CommandRunner.run(["plan", folder.path, "--voice", "es", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let groups = document?["groups"] as? [[String: Any]]
        #expect(groups?.count == 1)
        #expect(groups?.first?["voice_id"] as? String == "es")
        #expect(groups?.first?["characters"] as? Int == 4 + 11)
    }

    @Test func shardsFromTheFlagOrTheJobIndexSplitThePlan() async throws {
        var keys: [Set<String>] = []
        let runs: [(arguments: [String], environment: [String: String], shard: String?)] = [
            (["--shard", "1/2"], [:], "1/2"),
            (["--shards", "2"], ["JOB_COMPLETION_INDEX": "1"], "2/2"),
            (["--shards", "2"], ["CI_NODE_INDEX": "1"], "1/2"),
            ([], [:], nil),
        ]
        for run in runs {
            let result = try await CommandRunner.run(
                ["plan", "manifests", "--cache", "does-not-exist", "--json", "--list"] + run.arguments,
                environment: run.environment
            )
            #expect(result.status == 0, "\(result.stderr)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            )
            let renderings = try #require(document["renderings"] as? [[String: Any]])
            keys.append(Set(renderings.compactMap { $0["key"] as? String }))
            #expect(document["shard"] as? String == run.shard)
        }
        let (first, second, firstAgain, whole) = (keys[0], keys[1], keys[2], keys[3])
        #expect(!first.isEmpty && !second.isEmpty && first == firstAgain)
        #expect(first.isDisjoint(with: second) && first.union(second) == whole)
        let text = try await CommandRunner.run(["plan", "manifests", "--cache", "does-not-exist", "--shard", "2/2"])
        #expect(text.stdout.contains("shard 2/2"))
    }

    @Test func keyPrintsTheRuntimeKey() async throws {
        let text = "  İstanbul\u{3000}ΟΔΟΣ  "
        let result = try await CommandRunner.run(["key", text, "--voice", "es", "--language", "es"])
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            "import hashlib,sys; t=sys.argv[1]; print(hashlib.md5(f\"{' '.join(t.lower().split())}|es|es\".encode()).hexdigest())",
            text,
        ]
        let pipe = Pipe()
        python.standardOutput = pipe
        try python.run()
        let expected = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(result.status == 0)
        #expect(result.stdout == expected)
    }
}

import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing

/// Kills real `audiocache import` processes with SIGKILL at random instants and checks that the
/// cache never names a missing or different file, and loses nothing that finished.
@Suite(.timeLimit(.minutes(3))) struct CrashSafetyTests {
    /// The entries `index.json` alone names, as a runtime that reads only it sees them:
    /// key → (path, sha256).
    private func indexDocumentEntries(_ cache: String) throws -> [String: (path: String, sha256: String)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: cache + "/index.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entries = try #require(object["entries"] as? [String: [String: Any]])
        return try entries.mapValues { entry in
            (try #require(entry["path"] as? String), try #require(entry["sha256"] as? String))
        }
    }

    /// Every entry of `index.json` names an existing file with the recorded SHA-256.
    private func expectIndexNamesSoundFiles(_ cache: String, _ comment: Comment) throws {
        guard FileManager.default.fileExists(atPath: cache + "/index.json") else { return }
        for (key, entry) in try indexDocumentEntries(cache) {
            let bytes = FileManager.default.contents(atPath: cache + "/" + entry.path)
            #expect(bytes != nil, "\(comment): \(key) names missing \(entry.path)")
            if let bytes {
                #expect(SHA256Hash(of: bytes).description == entry.sha256, "\(comment): \(key) has other bytes")
            }
        }
    }

    @Test func killedImportsNeverLeaveAnEntryWithoutItsFile() async throws {
        let folder = try TemporaryFolder()
        let cache = folder.path + "/cache"
        let texts = (0..<6).map { "Frase número \($0)" }
        var takes: [[UInt8]] = []
        for index in 0..<60 {
            let take = AudioFixtures.wav(samples: 2_000 + 97 * index, seed: index)
            takes.append(take)
            try folder.write("take-\(index).wav", bytes: take)
        }
        var generator = SystemRandomNumberGenerator()
        // For each text: the take of the last import that finished, and takes of imports killed
        // after it (one of which may have been journaled before the kill).
        var lastFinished: [String: Int] = [:]
        var killedSince: [String: Set<Int>] = [:]
        var killed = 0
        for index in takes.indices {
            let text = texts[index % texts.count]
            let process = Process()
            process.executableURL = CommandRunner.executable
            process.arguments = [
                "import", "take-\(index).wav", "--text", text, "--voice", "es", "--language", "es", "--cache", "cache",
            ]
            process.currentDirectoryURL = folder.url
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Most imports take a few tens of milliseconds: kill at a random instant within that.
            try await Task.sleep(for: .microseconds(Int.random(in: 0..<40_000, using: &generator)))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                killed += 1
                killedSince[text, default: []].insert(index)
            } else {
                #expect(process.terminationStatus == 0, "import \(index) failed")
                lastFinished[text] = index
                killedSince[text] = []
            }
            try expectIndexNamesSoundFiles(cache, "after import \(index)")
        }
        #expect(killed > 0, "no import was killed; the test proves nothing")

        // The next writer cleans up and folds the journal in; nothing finished is lost.
        let repaired = try await CommandRunner.run(
            ["verify", "--repair", "--json", "--cache", "cache"],
            in: folder.url
        )
        let report = try CacheFixtures.object(repaired.stdout)
        #expect((report["problems"] as? [Any])?.isEmpty == true, "\(repaired.stdout)")
        let verified = try await CommandRunner.run(["verify", "--cache", "cache"], in: folder.url)
        #expect(verified.status == 0, "\(verified.stdout)")
        try expectIndexNamesSoundFiles(cache, "after repair")

        let entries = try indexDocumentEntries(cache)
        for text in texts {
            let key = KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: "es", language: "es").description
            let allowed = (lastFinished[text].map { [$0] } ?? []) + (killedSince[text] ?? [])
            guard let entry = entries[key] else {
                #expect(lastFinished[text] == nil, "\(text) finished importing but is gone")
                continue
            }
            let current = allowed.filter { SHA256Hash(of: takes[$0]).description == entry.sha256 }
            #expect(!current.isEmpty, "\(text) holds a take that neither finished last nor was in flight after it")
        }
    }
}

import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing

/// `audiocache invalidate`, `evict`, `expire` and `clear`, and the lock, on real cache folders.
@Suite(.timeLimit(.minutes(2))) struct CacheMaintenanceCommandTests {
    private let wavSize = CacheFixtures.wav().count

    /// A cache in `folder/cache` with three runtime entries (two voices).
    private func makeCache(_ folder: TemporaryFolder, ttlSeconds: Int = 86_400, storedAt: Date = Date()) async throws {
        try await CacheFixtures.storeRuntimeEntries(
            [("Hola", "es", "es"), ("Adiós", "es", "es"), ("Bonjour", "fr-1", "fr")],
            in: folder.path + "/cache",
            ttlSeconds: ttlSeconds,
            storedAt: storedAt
        )
    }

    /// The number of entries `stats --json` reports.
    private func entryCount(_ folder: TemporaryFolder) async throws -> Int? {
        let result = try await CommandRunner.run(["stats", "--cache", "cache", "--json"], in: folder.url)
        return try CacheFixtures.object(result.stdout)["entries"] as? Int
    }

    @Test func invalidateByKeyPhraseAndVoice() async throws {
        let folder = try TemporaryFolder()
        try await makeCache(folder)
        let key = try await CommandRunner.run(["key", "hola", "--voice", "es", "--language", "es"]).stdout
            .trimmingCharacters(in: .newlines)

        let byKey = try await CommandRunner.run(["invalidate", "--cache", "cache", "--key", key], in: folder.url)
        #expect(byKey.status == 0, "\(byKey.stderr)")
        #expect(byKey.stdout == "Invalidated 1 entry, \(wavSize) B (\(wavSize) bytes) from cache.\n")
        let again = try await CommandRunner.run(["invalidate", "--cache", "cache", "--key", key], in: folder.url)
        #expect(again.stdout.hasPrefix("Invalidated 0 entries"))

        let byText = try await CommandRunner.run(
            ["invalidate", "--cache", "cache", "--text", "  ADIÓS ", "--voice", "es", "--language", "es"],
            in: folder.url
        )
        #expect(byText.stdout.hasPrefix("Invalidated 1 entry"), "\(byText.stdout)\(byText.stderr)")

        let byVoice = try await CommandRunner.run(
            ["invalidate", "--cache", "cache", "--voice", "fr-1"],
            in: folder.url
        )
        #expect(byVoice.stdout.hasPrefix("Invalidated 1 entry"), "\(byVoice.stdout)\(byVoice.stderr)")
        #expect(try await entryCount(folder) == 0)
    }

    @Test func invalidateOlderThanRemovesOldEntriesOnly() async throws {
        let folder = try TemporaryFolder()
        try await makeCache(folder, ttlSeconds: 0, storedAt: Date().addingTimeInterval(-3 * 86_400))
        let recent = try await CommandRunner.run(
            ["invalidate", "--cache", "cache", "--older-than", "7d"],
            in: folder.url
        )
        #expect(recent.stdout.hasPrefix("Invalidated 0 entries"), "\(recent.stdout)\(recent.stderr)")
        let old = try await CommandRunner.run(["invalidate", "--cache", "cache", "--older-than", "2d"], in: folder.url)
        #expect(old.stdout.hasPrefix("Invalidated 3 entries"), "\(old.stdout)\(old.stderr)")
    }

    @Test(arguments: [
        (["invalidate"], "choose what to invalidate"),
        (["invalidate", "--voice", "es", "--language", "es"], "choose one of --key, --voice"),
        (["invalidate", "--text", "Hola", "--voice", "es"], "--text needs --voice and --language"),
        (["invalidate", "--key", "not-a-key"], "--key \"not-a-key\" is not a cache key"),
        (["invalidate", "--older-than", "a while"], "--older-than \"a while\" is not a duration"),
        (["evict", "--max-size", "big"], "--max-size \"big\" is not a size"),
        (["evict", "--policy", "random"], "The value 'random' is invalid for '--policy <policy>'"),
    ])
    func badSelectionsAreUsageErrors(arguments: [String], message: String) async throws {
        let folder = try TemporaryFolder()
        let result = try await CommandRunner.run(arguments + ["--cache", "cache"], in: folder.url)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/cache"))
    }

    @Test func evictShrinksToMaxSizeAndKeepsPinnedEntries() async throws {
        let folder = try TemporaryFolder()
        try await makeCache(folder)
        let recording = try folder.write("take.wav", bytes: CacheFixtures.wav(seed: 99))
        let imported = try await CommandRunner.run(
            ["import", recording, "--text", "Gracias", "--voice", "es", "--language", "es", "--cache", "cache"],
            in: folder.url
        )
        #expect(imported.status == 0, "\(imported.stderr)")

        let none = try await CommandRunner.run(["evict", "--cache", "cache"], in: folder.url)
        #expect(none.stdout.hasPrefix("Evicted 0 entries"), "\(none.stdout)\(none.stderr)")

        let limit = 2 * wavSize + 10
        let result = try await CommandRunner.run(
            ["evict", "--cache", "cache", "--max-size", "\(limit)"],
            in: folder.url
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Evicted 2 entries, "), "\(result.stdout)")
        #expect(result.stdout.contains("(\(2 * wavSize) bytes)"))

        // Only the pinned recording is left when nothing fits.
        let all = try await CommandRunner.run(
            ["evict", "--cache", "cache", "--max-size", "1", "--policy", "lfu"],
            in: folder.url
        )
        #expect(all.stdout.hasPrefix("Evicted 1 entry"), "\(all.stdout)\(all.stderr)")
        let stats = try CacheFixtures.object(
            try await CommandRunner.run(["stats", "--cache", "cache", "--json"], in: folder.url).stdout
        )
        #expect(stats["entries"] as? Int == 1)
        #expect(stats["pinned_entries"] as? Int == 1)
    }

    @Test func expireRemovesRuntimeEntriesPastTheirTTL() async throws {
        let folder = try TemporaryFolder()
        try await makeCache(folder, ttlSeconds: 60, storedAt: Date().addingTimeInterval(-3600))
        let recording = try folder.write("take.wav", bytes: CacheFixtures.wav(seed: 99))
        _ = try await CommandRunner.run(
            ["import", recording, "--text", "Gracias", "--voice", "es", "--language", "es", "--cache", "cache"],
            in: folder.url
        )
        let stats = try CacheFixtures.object(
            try await CommandRunner.run(["stats", "--cache", "cache", "--json"], in: folder.url).stdout
        )
        #expect(stats["expired_entries"] as? Int == 3)

        let result = try await CommandRunner.run(["expire", "--cache", "cache"], in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "Expired 3 entries, \(3 * wavSize) B (\(3 * wavSize) bytes) from cache.\n")
        #expect(try await entryCount(folder) == 1)
    }

    @Test func clearNeedsYesWithoutATerminal() async throws {
        let folder = try TemporaryFolder()
        try await makeCache(folder)
        let refused = try await CommandRunner.run(["clear", "--cache", "cache"], in: folder.url)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("pass --yes"), "\(refused.stderr)")
        #expect(try await entryCount(folder) == 3)

        let cleared = try await CommandRunner.run(["clear", "--cache", "cache", "--yes"], in: folder.url)
        #expect(cleared.status == 0, "\(cleared.stderr)")
        #expect(cleared.stdout.hasPrefix("Cleared 3 entries, "))
        #expect(try await entryCount(folder) == 0)
        let audio = try FileManager.default.subpathsOfDirectory(atPath: folder.path + "/cache/audio")
        #expect(!audio.contains { $0.hasSuffix(".wav") })
    }

    /// Runs `audiocache clear` on a terminal (through util-linux `script`), answering `answer`.
    private func clearOnATerminal(_ folder: TemporaryFolder, answering answer: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "\(CommandRunner.executable.path) clear --cache cache", "/dev/null"]
        process.currentDirectoryURL = folder.url
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data((answer + "\n").utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func clearAsksOnATerminal() async throws {
        let folder = try TemporaryFolder()
        try await makeCache(folder)
        let declined = try clearOnATerminal(folder, answering: "n")
        #expect(declined.contains("Remove 3 entries from cache? [y/N]"), "\(declined)")
        #expect(declined.contains("Nothing removed."), "\(declined)")
        #expect(try await entryCount(folder) == 3)
        let accepted = try clearOnATerminal(folder, answering: "y")
        #expect(accepted.contains("Cleared 3 entries"), "\(accepted)")
        #expect(try await entryCount(folder) == 0)
    }

    @Test func aCacheHeldByAnotherProcessExits75() async throws {
        let folder = try TemporaryFolder()
        try await makeCache(folder)
        let recording = try folder.write("take.wav", bytes: CacheFixtures.wav(seed: 99))
        let holder = try CacheDirectory(configuration: CacheConfiguration(directory: folder.path + "/cache"))
        let writers: [[String]] = [
            ["clear", "--yes"], ["expire"], ["evict", "--max-size", "0"], ["invalidate", "--voice", "es"],
            ["verify", "--repair"], ["import", recording, "--text", "Gracias", "--voice", "es", "--language", "es"],
        ]
        for arguments in writers {
            let result = try await CommandRunner.run(arguments + ["--cache", "cache"], in: folder.url)
            #expect(result.status == 75, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("is in use by process \(getpid())"), "\(arguments): \(result.stderr)")
        }
        // Readers take no lock.
        let stats = try await CommandRunner.run(["stats", "--cache", "cache"], in: folder.url)
        #expect(stats.status == 0, "\(stats.stderr)")
        let verify = try await CommandRunner.run(["verify", "--cache", "cache"], in: folder.url)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        try await holder.close()
        #expect(try await entryCount(folder) == 3)
    }
}

extension CacheMaintenanceCommandTests {
    /// Closed choices are parsed once, by ArgumentParser, which lists their values in `--help`.
    @Test(arguments: [
        (["evict", "--help"], "(values: lru, lfu; default: lru)"),
        (["warm", "--help"], "(values: elevenlabs, espeak-ng)"),
    ])
    func closedChoicesListTheirValuesInHelp(arguments: [String], listing: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status == 0)
        let help = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains(listing), "\(result.stdout)")
    }
}

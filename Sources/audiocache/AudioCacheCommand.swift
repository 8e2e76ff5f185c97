import ArgumentParser
import AudioCache
import Foundation
import NIOCore
import NIOPosix

/// The `audiocache` command: pre-warms text-to-speech audio caches from phrase manifests.
@main
struct AudioCacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audiocache",
        abstract: "Pre-warm text-to-speech audio caches from phrase manifests.",
        discussion: """
            Commands that touch a cache take --cache DIR, --ttl, --max-size and --config FILE; a flag \
            beats the environment (AUDIO_CACHE_DIR, AUDIO_CACHE_TTL, AUDIO_CACHE_MAX_SIZE, \
            AUDIO_CACHE_CONFIG), which beats the configuration file (./audiocache.json), which beats \
            the defaults (cache, 1 day, 1 GiB).

            Exit codes: 0 success; 1 the cache is incomplete (plan --check) or damaged (verify); \
            2 some phrases failed, 3 stopped by authentication, quota or budget, 130 interrupted (warm); \
            64 bad usage; 65 bad data (manifest, index, audio); 66 missing input; 74 input/output \
            error; 75 the cache is in use by another process (try again later).
            """,
        version: "0.1.0",
        subcommands: [
            Warm.self, Plan.self, Key.self, Stats.self, Verify.self, Expire.self, Evict.self, Invalidate.self,
            Clear.self,
            Import.self, Serve.self, Merge.self, Bundle.self, Unbundle.self, Diff.self, GC.self, Export.self,
        ]
    )

    static func main() async {
        if CommandLine.arguments.dropFirst().first == "serve" {
            // The service's request handlers run on NIO's event loops rather than on Swift
            // concurrency's own threads: no hop between the two per request.
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await main(nil)
    }
}

/// The documented exit codes (sysexits where one fits).
enum ExitStatus {
    /// `plan --check` found renderings to fetch, or `verify` found problems it did not repair.
    static let incomplete = ExitCode(1)
    /// `EX_USAGE`.
    static let usage = ExitCode(64)
    /// `EX_DATAERR`.
    static let badData = ExitCode(65)
    /// `EX_NOINPUT`.
    static let missingInput = ExitCode(66)
    /// `EX_IOERR`.
    static let io = ExitCode(74)
    /// `warm` was stopped by an authentication, quota or budget problem.
    static let stopped = ExitCode(3)
    /// `EX_TEMPFAIL`: another process holds the cache folder.
    static let locked = ExitCode(75)

    static func code(for error: AudioCacheError) -> ExitCode {
        switch error.kind {
        case .badData: badData
        case .missingInput: missingInput
        case .usage: usage
        case .io: io
        case .locked: locked
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs `body`, turning an ``AudioCacheError`` into its message on standard error and its exit
/// code.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AudioCacheError {
        printError(error.description)
        throw ExitStatus.code(for: error)
    }
}

import ArgumentParser
import AudioCache
import Foundation

extension AudioCacheCommand {
    /// `audiocache verify`: every entry's file is there with the recorded size and SHA-256.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every entry's file (exists, size, SHA-256) and find orphan and temporary files.",
            discussion: """
                Prints each problem as `key path: detail`, then orphan and temporary files. Exits 0 when \
                the cache is sound and 1 when something was found and not repaired. Without --repair the \
                cache is read without locking it; --repair takes the lock, drops broken entries and \
                deletes orphan and temporary files.
                """
        )

        @OptionGroup var cacheOptions: CacheOptions

        @Flag(help: "Drop broken entries and delete orphan and temporary files.")
        var repair = false

        @Flag(help: "Print the report as one JSON document (docs/cache-commands.md).")
        var json = false

        func run() async throws {
            let (directory, report, removedOnOpen) = try await reportingErrors {
                let configuration = try cacheOptions.configuration()
                let access: CacheDirectory.Access = repair ? .readWrite : .readOnly
                return try await withCache(configuration, access: access) { cache in
                    let report = try await cache.verify(repair: repair)
                    return (configuration.directory, report, cache.openReport.removedTemporaryFiles)
                }
            }
            if json {
                let document = try report.jsonData(cache: directory, removedTemporaryFilesOnOpen: removedOnOpen)
                FileHandle.standardOutput.write(document)
            } else {
                print(report.summaryText(cache: directory, removedOnOpen: removedOnOpen), terminator: "")
            }
            if !report.isClean && !report.repaired { throw ExitStatus.incomplete }
        }
    }
}

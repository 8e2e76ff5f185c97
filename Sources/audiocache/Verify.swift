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
                let document = VerifyDocument(cache: directory, report: report, removedOnOpen: removedOnOpen)
                FileHandle.standardOutput.write(try documentData(document))
            } else {
                print(report.summaryText(cache: directory, removedOnOpen: removedOnOpen), terminator: "")
            }
            if !report.isClean && !report.repaired { throw ExitStatus.incomplete }
        }
    }
}

extension VerifyReport {
    /// The report as `audiocache verify` prints it for people.
    func summaryText(cache: String, removedOnOpen: Int) -> String {
        var text = ""
        for problem in problems {
            text += "\(problem.key) \(problem.path): \(problem.detail)\n"
        }
        for path in orphanFiles { text += "\(path): orphan file (no entry names it)\n" }
        for path in temporaryFiles { text += "\(path): temporary file left by an interrupted write\n" }
        let bytes = ByteCount.describe(checkedBytes)
        text += "Checked \(checkedEntries) entries (\(bytes)) in \(cache): \(problems.count) broken, "
        text += "\(orphanFiles.count) orphan files, \(temporaryFiles.count) temporary files"
        if repaired {
            text += "; repaired (broken entries dropped, orphan and temporary files deleted)"
        }
        text += ".\n"
        if removedOnOpen > 0 { text += "Removed \(removedOnOpen) temporary files left by an earlier run.\n" }
        return text
    }
}

/// The `audiocache verify --json` document (docs/cache-commands.md).
struct VerifyDocument: Encodable {
    struct Problem: Encodable {
        var key: String
        var path: String
        var kind: String
        var detail: String
    }

    var format = "audiocache-verify"
    var version = 1
    var cache: String
    var checkedEntries: Int
    var checkedBytes: Int
    var clean: Bool
    var repaired: Bool
    var problems: [Problem]
    var orphanFiles: [String]
    var temporaryFiles: [String]
    var removedTemporaryFilesOnOpen: Int

    enum CodingKeys: String, CodingKey {
        case format, version, cache, clean, repaired, problems
        case checkedEntries = "checked_entries"
        case checkedBytes = "checked_bytes"
        case orphanFiles = "orphan_files"
        case temporaryFiles = "temporary_files"
        case removedTemporaryFilesOnOpen = "removed_temporary_files_on_open"
    }

    init(cache: String, report: VerifyReport, removedOnOpen: Int) {
        self.cache = cache
        checkedEntries = report.checkedEntries
        checkedBytes = report.checkedBytes
        clean = report.isClean
        repaired = report.repaired
        problems = report.problems.map {
            Problem(key: $0.key.description, path: $0.path, kind: $0.kind.rawValue, detail: $0.detail)
        }
        orphanFiles = report.orphanFiles
        temporaryFiles = report.temporaryFiles
        removedTemporaryFilesOnOpen = removedOnOpen
    }
}

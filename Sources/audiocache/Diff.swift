import ArgumentParser
import AudioCache
import AudioCacheBundles
import Foundation

extension AudioCacheCommand {
    /// `audiocache diff A B`: what was added, removed or re-rendered between two caches or bundles.
    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what was added, removed or re-rendered between two caches or bundles.",
            discussion: """
                A and B are cache folders or bundles (.tar.gz, .tgz, .zip; only their index is \
                unpacked, into a temporary folder). Entries are compared by key and audio (SHA-256); a \
                re-rendered entry says whether what was asked of the provider changed (another model, \
                settings or text) or only the audio it returned. Prints `+` added, `-` removed and `~` \
                re-rendered lines, then the counts; --json prints one document (docs/bundles.md). Exits \
                0, or 1 with --exit-code when anything differs.
                """
        )

        @Argument(help: "The first cache folder or bundle (the older one).")
        var before: String

        @Argument(help: "The second cache folder or bundle.")
        var after: String

        @Flag(help: "Print the differences as one JSON document.")
        var json = false

        @Flag(help: "Exit 1 when the two differ (as git diff --exit-code).")
        var exitCode = false

        func run() async throws {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("audiocache-diff-\(UUID())")
                .path
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let diff = try await reportingErrors {
                let first = try Self.open(before, scratch: scratch + "/before")
                let second = try Self.open(after, scratch: scratch + "/after")
                return await CacheDiff.between(first, second)
            }
            if json {
                FileHandle.standardOutput.write(try diff.jsonData(before: before, after: after))
            } else {
                print(diff.summaryText(before: before, after: after), terminator: "")
            }
            if exitCode && !diff.isEmpty { throw ExitStatus.incomplete }
        }

        /// A cache folder opened read-only, or a bundle's index unpacked into `scratch` and opened.
        private static func open(_ path: String, scratch: String) throws(AudioCacheError) -> CacheDirectory {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw AudioCacheError(.missingInput, at: SourceLocation(file: path), "no such cache folder or bundle")
            }
            var folder = path
            if !isFolder.boolValue {
                try CacheBundle.extractIndex(path, into: scratch)
                folder = scratch
            } else {
                try requireCacheIndex(in: path)
            }
            return try CacheDirectory(configuration: CacheConfiguration(directory: folder), access: .readOnly)
        }
    }
}

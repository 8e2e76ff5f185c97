import ArgumentParser
import AudioCache
import Foundation

extension AudioCacheCommand {
    /// `audiocache merge OUT IN…`: the union of several caches (the shards of one plan).
    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine cache folders (one per shard) into one.",
            discussion: """
                Adds every entry of each IN to OUT (created when missing): files are hard-linked when \
                on one file system and copied otherwise; a key held with the same audio is kept once; a \
                key held with different audio keeps a recording over a rendering, then the newer \
                rendering (then the larger fingerprint and SHA-256), and is reported. Every input is \
                checked before anything is written. Exits 65 when an input's index names a missing or \
                resized file, 66 when an input has no index. See docs/sharding.md.
                """
        )

        @Argument(help: "The merged cache folder (created when missing).")
        var out: String

        @Argument(help: "The cache folders to merge in.")
        var inputs: [String]

        @Flag(help: "Print the report as one JSON document (docs/sharding.md).")
        var json = false

        func validate() throws {
            let resolved = Set(inputs.map(Self.resolved))
            guard resolved.count == inputs.count else { throw ValidationError("a cache folder is given twice") }
            guard !resolved.contains(Self.resolved(out)) else {
                throw ValidationError("\(out) is both the merged cache and one of its inputs")
            }
        }

        func run() async throws {
            let report = try await reportingErrors {
                var caches: [CacheDirectory] = []
                for input in inputs {
                    try requireCacheIndex(in: input)
                    caches.append(
                        try CacheDirectory(
                            configuration: CacheConfiguration(directory: input, maxSizeBytes: 0),
                            access: .readOnly
                        )
                    )
                }
                let configuration = CacheConfiguration(directory: out, maxSizeBytes: 0)
                return try await withCache(configuration, access: .readWrite) { cache in
                    try await cache.merge(caches)
                }
            }
            if json {
                FileHandle.standardOutput.write(try report.jsonData(cache: out))
            } else {
                print(report.summaryText(cache: out), terminator: "")
            }
        }

        private static func resolved(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        }
    }
}

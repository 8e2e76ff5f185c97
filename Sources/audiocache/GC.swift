import ArgumentParser
import AudioCache
import Foundation

extension AudioCacheCommand {
    /// `audiocache gc CACHE manifests/`: the entries no manifest asks for any more, removed.
    struct GC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove the entries that no manifest asks for any more.",
            discussion: """
                Plans the manifests (every one of them: a bad file stops gc before anything is removed, \
                and --skip-invalid and shards are refused, so that a phrase is never removed because its \
                file could not be read) and removes the cache's entries whose key the plan does not \
                hold, with their files. Recordings (audiocache import) are kept unless \
                --include-recordings. --dry-run lists what would go and removes nothing. Runtime \
                entries that `serve` stored on a miss are not in any manifest: gc removes them too.
                """
        )

        @Argument(help: "The cache folder.")
        var cache: String

        @OptionGroup var manifests: ManifestOptions

        @Flag(help: "List what would be removed, and remove nothing.")
        var dryRun = false

        @Flag(help: "Remove recordings (audiocache import) that no manifest asks for too.")
        var includeRecordings = false

        @Flag(help: "Print the removed entries as JSON.")
        var json = false

        func validate() throws {
            if manifests.skipInvalid {
                throw ValidationError("gc does not take --skip-invalid: a phrase it cannot read would be removed")
            }
            if manifests.shard != nil || manifests.shards != nil {
                throw ValidationError("gc plans every manifest; it does not take --shard or --shards")
            }
        }

        func run() async throws {
            let removed = try await reportingErrors {
                try requireCacheIndex(in: cache)
                let configuration = CacheConfiguration(directory: cache, maxSizeBytes: 0)
                let plan = try await Planner(options: try manifests.planOptions()).plan(paths: manifests.inputs)
                return try await withCache(configuration, access: dryRun ? .readOnly : .readWrite) { cache in
                    try await cache.removeEntries(notIn: plan, includingRecordings: includeRecordings, dryRun: dryRun)
                }
            }
            let bytes = removed.reduce(0) { $0 + $1.size }
            if json {
                struct Removed: Encodable {
                    var key: CacheKey
                    var voiceID: String
                    var language: String
                    var size: Int
                    var source: AudioSource
                }
                struct Document: Encodable {
                    var format = "audiocache-gc"
                    var version = 1
                    var cache: String
                    var dryRun: Bool
                    var removed: [Removed]
                    var removedBytes: Int
                }
                let document = Document(
                    cache: cache,
                    dryRun: dryRun,
                    removed: removed.map {
                        Removed(
                            key: $0.key,
                            voiceID: $0.voiceID,
                            language: $0.language,
                            size: $0.size,
                            source: $0.source
                        )
                    },
                    removedBytes: bytes
                )
                FileHandle.standardOutput.write(try DocumentEncoding.data(document))
                return
            }
            for record in removed {
                print(
                    "\(dryRun ? "would remove" : "removed") \(record.key) \(record.voiceID)/\(record.language) \(record.path)"
                )
            }
            let verb = dryRun ? "would remove" : "removed"
            print("\(cache): \(verb) \(removed.count) \(removed.count == 1 ? "entry" : "entries"), \(bytes) bytes")
        }
    }
}

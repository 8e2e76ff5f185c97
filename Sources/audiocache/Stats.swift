import ArgumentParser
import AudioCache
import Foundation

extension AudioCacheCommand {
    /// `audiocache stats`: what a cache holds and how it is used.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a cache's size, hit rate, voices, languages and most accessed entries.",
            discussion: """
                Reads the cache without locking it and counts no access. A cache folder that does not \
                exist is an empty cache. --json prints one document (docs/cache-commands.md).
                """
        )

        @OptionGroup var cacheOptions: CacheOptions

        @Flag(help: "Print the statistics as one JSON document (docs/cache-commands.md).")
        var json = false

        @Option(help: "How many of the most accessed entries to list.")
        var top = 10

        func validate() throws {
            guard top >= 0 else { throw ValidationError("--top must be 0 or more") }
        }

        func run() async throws {
            let stats = try await reportingErrors {
                let configuration = try cacheOptions.configuration()
                return try await withCache(configuration, access: .readOnly) { cache in
                    await cache.stats(top: top)
                }
            }
            if json {
                FileHandle.standardOutput.write(try stats.jsonData())
            } else {
                print(stats.summaryText(), terminator: "")
            }
        }
    }
}

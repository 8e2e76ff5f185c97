import ArgumentParser
import AudioCache
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens the cache for writing, removes what `body` removes, and prints `verb` with the count and
/// bytes (unless `body` returns `nil`: nothing was asked to go). A cache folder that does not exist
/// is an empty cache: nothing is created or removed.
private func removing(
    _ options: CacheOptions,
    _ verb: String,
    _ body: (CacheDirectory) async throws -> [CacheRecord]?
) async throws {
    let (directory, removed) = try await reportingErrors {
        let configuration = try options.configuration()
        guard CacheOptions.folderExists(configuration) else { return (configuration.directory, [CacheRecord]?([])) }
        return (configuration.directory, try await withCache(configuration, access: .readWrite, body))
    }
    if let removed {
        print("\(verb) \(removedSummary(removed)) from \(directory).")
    } else {
        printError("Nothing removed.")
    }
}

extension AudioCacheCommand {
    /// `audiocache expire`: removes entries past their TTL.
    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove entries whose time to live has passed (pinned entries never expire).",
            discussion: "Takes the cache's lock; exits 75 when another process holds it."
        )

        @OptionGroup var cacheOptions: CacheOptions

        func run() async throws {
            try await removing(cacheOptions, "Expired") { cache in try await cache.expire() }
        }
    }

    /// `audiocache evict`: shrinks the cache to its maximum size.
    struct Evict: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove unpinned entries until the cache fits its maximum size (--max-size).",
            discussion: """
                lru (the default) removes the least recently used entries first, ties broken by the \
                fewest accesses; lfu removes the least used first. Pinned entries are never evicted. \
                Takes the cache's lock; exits 75 when another process holds it.
                """
        )

        @OptionGroup var cacheOptions: CacheOptions

        @Option(help: "Which entries go first.")
        var policy: EvictionPolicy = .leastRecentlyUsed

        func run() async throws {
            try await removing(cacheOptions, "Evicted") { cache in try await cache.evict(policy: policy) }
        }
    }

    /// `audiocache invalidate`: removes chosen entries, pinned or not.
    struct Invalidate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove entries by key, voice, language, phrase or age, pinned or not.",
            discussion: """
                Choose exactly one of --key, --voice, --language, --older-than, or --text with \
                --voice and --language (one phrase). Takes the cache's lock; exits 75 when another \
                process holds it.
                """
        )

        @OptionGroup var cacheOptions: CacheOptions

        @Option(help: "The entry with this key (32 hex digits, as `audiocache key` prints it).")
        var key: String?

        @Option(help: "Every entry of this voice (or, with --text, the phrase's voice).")
        var voice: String?

        @Option(help: "Every entry of this language (or, with --text, the phrase's language).")
        var language: String?

        @Option(help: "The entry of this phrase; needs --voice and --language.")
        var text: String?

        @Option(help: "Entries created longer ago than this: seconds, or 30m, 12h, 7d.")
        var olderThan: String?

        func validate() throws {
            if let key, CacheKey(hex: key) == nil {
                throw ValidationError("--key \"\(key)\" is not a cache key (32 hex digits, as `audiocache key` prints)")
            }
            if let olderThan, ByteCount.parseDuration(olderThan) == nil {
                throw ValidationError("--older-than \"\(olderThan)\" is not a duration (seconds, or 30m, 12h, 7d)")
            }
            if text != nil {
                guard voice != nil, language != nil else {
                    throw ValidationError("--text needs --voice and --language (the phrase's voice and language)")
                }
                guard key == nil, olderThan == nil else {
                    throw ValidationError("choose one selection: --text with --voice and --language takes no other")
                }
                if let text, text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
                    throw ValidationError("--text is empty")
                }
                return
            }
            let chosen = [key, voice, language, olderThan].compactMap { $0 }.count
            guard chosen == 1 else {
                throw ValidationError(
                    chosen == 0
                        ? "choose what to invalidate: --key, --voice, --language, --older-than, or --text with --voice and --language"
                        : "choose one of --key, --voice, --language, --older-than (or --text with --voice and --language)"
                )
            }
        }

        func run() async throws {
            try await removing(cacheOptions, "Invalidated") { cache in
                try await cache.invalidate(selection(keyScheme: cache.keyScheme))
            }
        }

        /// The selection the flags describe; `validate()` has checked them.
        func selection(keyScheme: KeyScheme) -> CacheSelection {
            if let text, let voice, let language {
                return .key(keyScheme.key(text: text, voiceID: voice, language: language))
            }
            if let key, let parsed = CacheKey(hex: key) { return .key(parsed) }
            if let voice { return .voice(voice) }
            if let language { return .language(language) }
            let seconds = olderThan.flatMap(ByteCount.parseDuration) ?? 0
            return .createdBefore(Date().addingTimeInterval(-TimeInterval(seconds)))
        }
    }

    /// `audiocache clear`: removes everything.
    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every entry and audio file of a cache, pinned or not.",
            discussion: """
                Asks first when standard input is a terminal; otherwise refuses (exit 64) unless --yes \
                is given. Takes the cache's lock; exits 75 when another process holds it.
                """
        )

        @OptionGroup var cacheOptions: CacheOptions

        @Flag(help: "Do not ask.")
        var yes = false

        func run() async throws {
            let confirmed = yes
            if !confirmed && isatty(STDIN_FILENO) == 0 {
                printError("clear removes every entry; standard input is not a terminal, so pass --yes to confirm")
                throw ExitStatus.usage
            }
            try await removing(cacheOptions, "Cleared") { cache in
                let count = await cache.count
                if !confirmed && count > 0 {
                    FileHandle.standardError.write(
                        Data("Remove \(count) entries from \(cache.root)? [y/N] ".utf8)
                    )
                    let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
                    guard answer == "y" || answer == "yes" else { return nil }
                }
                return try await cache.invalidate(.all)
            }
        }
    }
}

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
                FileHandle.standardOutput.write(try StatsDocument(stats).jsonData())
            } else {
                print(stats.summaryText(), terminator: "")
            }
        }
    }
}

extension CacheStats {
    /// The statistics as `audiocache stats` prints them for people.
    func summaryText() -> String {
        var text = "Cache \(directory) (key scheme \(keyScheme.rawValue))\n"
        text += "Entries:   \(entries) (\(pinnedEntries) pinned, \(expiredEntries) expired)\n"
        text += "Size:      \(ByteCount.describe(totalBytes)) (\(totalBytes) bytes)"
        if maxSizeBytes > 0 {
            text += " of \(ByteCount.describe(maxSizeBytes)) (\(maxSizeBytes) bytes)\n"
        } else {
            text += ", no size limit\n"
        }
        let rate = hitRate.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a"
        text += "Hit rate:  \(rate) (\(hits) hits, \(misses) misses since \(Timestamp.string(since)))\n"
        func table(_ title: String, _ column: String, _ groups: [Group]) {
            guard !groups.isEmpty else { return }
            text += "\n\(title)\n"
            let width = max(8, groups.map(\.name.count).max() ?? 0)
            text += "  \(pad(column, width))  \(pad("entries", 8, right: true))  \(pad("bytes", 14, right: true))"
            text += "  \(pad("accesses", 9, right: true))\n"
            for group in groups {
                text += "  \(pad(group.name, width))  \(pad("\(group.entries)", 8, right: true))"
                text += "  \(pad("\(group.bytes)", 14, right: true))  \(pad("\(group.accesses)", 9, right: true))\n"
            }
        }
        table("By voice:", "voice", voices)
        table("By language:", "language", languages)
        if !mostAccessed.isEmpty {
            text += "\nMost accessed:\n"
            for entry in mostAccessed {
                text += "  \(entry.key)  \(entry.voiceID)  \(entry.language)  \(entry.accessCount)  "
                text += "\(oneLine(entry.text))\n"
            }
        }
        return text
    }
}

/// `text` left-aligned (or right-aligned) in `width` characters.
private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}

/// `text` on one line: line breaks and tabs shown as spaces.
func oneLine(_ text: String) -> String {
    String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
}

/// Timestamps as the index writes them: UTC, milliseconds, `2023-04-25T18:30:00.000Z`.
enum Timestamp {
    static func string(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC") ?? .gmt)
        )
    }
}

/// The `audiocache stats --json` document (docs/cache-commands.md).
struct StatsDocument: Encodable {
    struct Group: Encodable {
        var name: String
        var entries: Int
        var bytes: Int
        var accesses: Int
    }

    struct Entry: Encodable {
        var key: String
        var voiceID: String
        var language: String
        var accessCount: Int
        var lastAccessed: String
        var size: Int
        var pinned: Bool
        var source: String
        var text: String
        var path: String

        enum CodingKeys: String, CodingKey {
            case key, language, size, pinned, source, text, path
            case voiceID = "voice_id"
            case accessCount = "access_count"
            case lastAccessed = "last_accessed"
        }
    }

    var stats: CacheStats

    init(_ stats: CacheStats) { self.stats = stats }

    enum CodingKeys: String, CodingKey {
        case format, version, cache, entries, hits, misses, since, voices, languages
        case keyScheme = "key_scheme"
        case totalBytes = "total_bytes"
        case maxSizeBytes = "max_size_bytes"
        case pinnedEntries = "pinned_entries"
        case expiredEntries = "expired_entries"
        case hitRate = "hit_rate"
        case mostAccessed = "most_accessed"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("audiocache-stats", forKey: .format)
        try container.encode(1, forKey: .version)
        try container.encode(stats.directory, forKey: .cache)
        try container.encode(stats.keyScheme.rawValue, forKey: .keyScheme)
        try container.encode(stats.entries, forKey: .entries)
        try container.encode(stats.totalBytes, forKey: .totalBytes)
        try container.encode(stats.maxSizeBytes, forKey: .maxSizeBytes)
        try container.encode(stats.pinnedEntries, forKey: .pinnedEntries)
        try container.encode(stats.expiredEntries, forKey: .expiredEntries)
        try container.encode(stats.hits, forKey: .hits)
        try container.encode(stats.misses, forKey: .misses)
        if let rate = stats.hitRate {
            try container.encode(rate, forKey: .hitRate)
        } else {
            try container.encodeNil(forKey: .hitRate)
        }
        try container.encode(Timestamp.string(stats.since), forKey: .since)
        func groups(_ groups: [CacheStats.Group]) -> [Group] {
            groups.map { Group(name: $0.name, entries: $0.entries, bytes: $0.bytes, accesses: $0.accesses) }
        }
        try container.encode(groups(stats.voices), forKey: .voices)
        try container.encode(groups(stats.languages), forKey: .languages)
        let entries = stats.mostAccessed.map { entry in
            Entry(
                key: entry.key.description,
                voiceID: entry.voiceID,
                language: entry.language,
                accessCount: entry.accessCount,
                lastAccessed: Timestamp.string(entry.lastAccessed),
                size: entry.size,
                pinned: entry.isPinned,
                source: entry.source.rawValue,
                text: entry.text,
                path: entry.path
            )
        }
        try container.encode(entries, forKey: .mostAccessed)
    }

    /// The document, pretty-printed with sorted keys, and a final line break.
    func jsonData() throws -> Data {
        try documentData(self)
    }
}

/// `value` as pretty-printed JSON with sorted keys and unescaped slashes, and a final line break.
func documentData(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(value)
    data.append(UInt8(ascii: "\n"))
    return data
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The journal's records as lines of JSON (docs/cache-format.md, schemas/cache-journal-record.schema.json):
// written with the index's `JSONWriter` layout and read with its reader, so that an entry in a
// `put` record is the same object as in `index.json`.

extension CacheJournal {
    /// Reads the journal at `path`; `nil` when there is none. A record that is not a complete
    /// line of valid JSON (a write cut short by a crash) ends the journal there.
    static func read(at path: String) throws(AudioCacheError) -> Contents? {
        let (kind, size) = FileSystem.inspect(path)
        guard kind != .missing else { return nil }
        guard kind == .file else {
            throw AudioCacheError(.io, at: SourceLocation(file: path), "is not a regular file")
        }
        guard size > 0 else { return Contents(generation: nil, records: [], validLength: 0) }
        return try MappedFile.withContents(of: path) { bytes throws(AudioCacheError) in
            guard let raw = bytes.baseAddress else { return Contents(generation: nil, records: [], validLength: 0) }
            let base = raw.assumingMemoryBound(to: UInt8.self)
            var reader = CacheIndexReader(base: base, count: 0, path: path, countsLines: false)
            var journal = Contents(generation: nil, records: [], validLength: 0)
            var lineStart = 0
            var line = 1
            while lineStart < bytes.count {
                guard let newline = memchr(base + lineStart, 0x0A, bytes.count - lineStart) else {
                    journal.problem = .badData(
                        at: SourceLocation(file: path, line: line),
                        "the last record is incomplete (a write was cut short); it is dropped"
                    )
                    break
                }
                let lineEnd = lineStart + (UnsafeRawPointer(newline) - UnsafeRawPointer(base + lineStart))
                reader.scanner.reset(start: lineStart, end: lineEnd, line: line)
                do throws(AudioCacheError) {
                    let isFirst = line == 1
                    if let record = try reader.journalRecord(isFirst: isFirst, generation: &journal.generation) {
                        journal.records.append(record)
                    }
                } catch {
                    journal.problem = error
                    break
                }
                lineStart = lineEnd + 1
                journal.validLength = lineStart
                line += 1
            }
            return journal
        }
    }

    /// The line of a record, ending with a line feed.
    static func line(_ record: Record) -> [UInt8] {
        switch record {
        case .put(let entry, let replaced):
            line("put") { writer in
                writer.key("entry")
                CacheIndexWriter.writeEntry(entry, to: &writer)
                if let replaced {
                    writer.key("replaces")
                    writer.string(replaced)
                }
            }
        case .touch(let key, let lastAccessed, let count):
            line("touch") { writer in
                writer.key("key")
                writer.string(key)
                writer.key("last_accessed")
                writer.timestamp(lastAccessed)
                writer.key("access_count")
                writer.int(count)
            }
        case .stats(let hits, let misses, let since):
            line("stats") { writer in
                writer.key("stats")
                CacheIndexWriter.writeStats(hits: hits, misses: misses, since: since, to: &writer)
            }
        }
    }

    /// The first line: `{"op":"begin","generation":N}`.
    static func beginLine(generation: Int) -> [UInt8] {
        line("begin") {
            $0.key("generation")
            $0.int(generation)
        }
    }

    private static func line(_ operation: StaticString, _ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(compact: true)
        writer.beginObject()
        writer.key("op")
        writer.string(operation.description)
        body(&writer)
        writer.endObject()
        writer.newline()
        return writer.bytes
    }
}

extension CacheIndexReader {
    /// Reads one journal line (the scanner is set to it): the `begin` record when `isFirst`, which
    /// sets `generation`, or a change.
    mutating func journalRecord(isFirst: Bool, generation: inout Int?) throws(AudioCacheError) -> CacheJournal.Record? {
        scanner.skipWhitespace()
        guard scanner.kind == .object else { throw scanner.unexpected("a journal record") }
        try scanner.beginObject()
        var isFirstField = true
        guard let opName = try scanner.nextField(&isFirstField), scanner.matches(opName, "op") else {
            throw scanner.error("a journal record starts with \"op\"", at: scanner.position)
        }
        let opStart = scanner.position
        let operation = try readString()
        var record: CacheJournal.Record?
        switch operation {
        case "begin" where isFirst:
            while let name = try scanner.nextField(&isFirstField) {
                if scanner.matches(name, "generation") { generation = try readInt() } else { try scanner.skipValue() }
            }
        case "put" where !isFirst:
            var entry: CacheEntry?
            var replaces: String?
            while let name = try scanner.nextField(&isFirstField) {
                if scanner.matches(name, "entry") {
                    entry = try readEntry()
                } else if scanner.matches(name, "replaces") {
                    let start = scanner.position
                    let path = try readString()
                    guard CacheLayout.isSafeAudioPath(path) else {
                        throw scanner.error("path \"\(path)\" is not inside the audio folder", at: start)
                    }
                    replaces = path
                } else {
                    try scanner.skipValue()
                }
            }
            guard let entry else { throw scanner.error("a put record has no entry", at: opStart) }
            record = .put(entry, replaces: replaces)
        case "touch" where !isFirst:
            var key: CacheKey?
            var lastAccessed: Date?
            var count: Int?
            while let name = try scanner.nextField(&isFirstField) {
                if scanner.matches(name, "key") {
                    key = try readKey()
                } else if scanner.matches(name, "last_accessed") {
                    lastAccessed = try readTimestamp()
                } else if scanner.matches(name, "access_count") {
                    count = try readInt()
                } else {
                    try scanner.skipValue()
                }
            }
            guard let key, let lastAccessed, let count else {
                throw scanner.error("a touch record needs key, last_accessed and access_count", at: opStart)
            }
            record = .touch(key, lastAccessed: lastAccessed, accessCount: count)
        case "stats" where !isFirst:
            var header = CacheIndexHeader()
            while let name = try scanner.nextField(&isFirstField) {
                if scanner.matches(name, "stats") { try readStats(into: &header) } else { try scanner.skipValue() }
            }
            record = .stats(hits: header.hits, misses: header.misses, since: header.statsSince)
        default:
            throw scanner.error(
                isFirst ? "the journal must start with a begin record" : "unknown journal record \"\(operation)\"",
                at: opStart
            )
        }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw scanner.unexpectedAfter("the record", "one record per line") }
        return record
    }
}

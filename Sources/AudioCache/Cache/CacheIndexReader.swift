import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the index document (see `docs/cache-format.md`); its entries are read by
/// `CacheIndexReader+Entries.swift`, the journal's records by `CacheJournal+Records.swift`.
///
/// Built on the fast paths' `JSONScanner`, which checks JSON strictly and locates every problem
/// by line and column: a million entries take well under a second,
/// where `JSONDecoder` takes many. Unknown fields are skipped, so a later minor version that adds
/// fields stays readable; a newer `format_version` is refused.
struct CacheIndexReader {
    var scanner: JSONScanner

    /// Index entries hold flat records, and texts of any length a manifest allows, and more.
    private static let limits = ScanLimits(maxDepth: 8, maxFieldBytes: 4 << 20, tooLongHint: "")

    init(base: UnsafePointer<UInt8>, count: Int, path: String, countsLines: Bool) {
        scanner = JSONScanner(
            base: base,
            start: 0,
            end: count,
            line: 1,
            lineStart: 0,
            path: path,
            limits: Self.limits,
            endDescription: countsLines ? "the end of the file" : "the end of the line",
            countsLines: countsLines
        )
    }

    // MARK: The document

    /// Reads the index document at `path` into a dictionary (small caches and tests).
    /// - Returns: The header and the entries.
    /// - Throws: ``AudioCacheError`` locating what is wrong.
    static func readDocument(at path: String) throws(AudioCacheError) -> (CacheIndexHeader, [CacheKey: CacheEntry]) {
        var entries: [CacheKey: CacheEntry] = [:]
        let header = try readDocument(
            at: path,
            reserve: { entries.reserveCapacity($0) },
            each: { entry, _ in entries[entry.key] = entry }
        )
        return (header, entries)
    }

    /// Reads the index document at `path`, handing each entry and the byte range of its object to
    /// `each`, in document order.
    /// - Parameters:
    ///   - path: The index document.
    ///   - reserve: Told how many entries to expect (the document's line count) before the first.
    ///   - each: Receives each entry and where its object lies in the file.
    /// - Returns: The header.
    /// - Throws: ``AudioCacheError`` locating what is wrong.
    static func readDocument(
        at path: String,
        reserve: (Int) -> Void = { _ in },
        each: (CacheEntry, Range<Int>) -> Void
    ) throws(AudioCacheError) -> CacheIndexHeader {
        try MappedFile.withContents(of: path) { bytes throws(AudioCacheError) in
            guard let raw = bytes.baseAddress else { throw .badData(at: SourceLocation(file: path), "is empty") }
            var reader = Self(
                base: raw.assumingMemoryBound(to: UInt8.self),
                count: bytes.count,
                path: path,
                countsLines: true
            )
            // One entry per line: counting lines sizes the tables once.
            reserve(Self.lineCount(raw, count: bytes.count))
            return try reader.document(headerOnly: false, each: each)
        }
    }

    /// Reads only the fields before `entries` (the first line of a document this code wrote).
    /// - Parameter path: The index document.
    /// - Returns: The header, or `nil` when the fields before `entries` do not make a valid one.
    static func readHeader(at path: String) -> CacheIndexHeader? {
        try? MappedFile.withContents(of: path) { bytes throws(AudioCacheError) in
            guard let raw = bytes.baseAddress else { throw .badData(at: SourceLocation(file: path), "is empty") }
            var reader = Self(
                base: raw.assumingMemoryBound(to: UInt8.self),
                count: bytes.count,
                path: path,
                countsLines: true
            )
            return try reader.document(headerOnly: true, each: { _, _ in })
        }
    }

    /// Reads one entry object: `bytes` holds exactly the object, as a range handed to `each` of
    /// ``readDocument(at:reserve:each:)`` describes.
    /// - Parameters:
    ///   - bytes: The object's bytes.
    ///   - path: The document, for messages.
    /// - Returns: The entry.
    /// - Throws: ``AudioCacheError`` when the bytes are not a valid entry.
    static func readEntry(_ bytes: UnsafeRawBufferPointer, path: String) throws(AudioCacheError) -> CacheEntry {
        guard var reader = objectReader(bytes, path: path) else {
            throw .badData(at: SourceLocation(file: path), "empty entry")
        }
        return try reader.readEntry()
    }

    /// Only the `text` of the entry object in `bytes`, the other members skipped: what listings
    /// read of every entry (a whole entry takes three times as long).
    /// - Returns: The text, or `nil` when the bytes are not an entry object or it has no text.
    static func readText(_ bytes: UnsafeRawBufferPointer, path: String) -> String? {
        guard var reader = objectReader(bytes, path: path) else { return nil }
        return try? reader.readText()
    }

    /// A reader at the start of the one object in `bytes`; `nil` for no bytes.
    private static func objectReader(_ bytes: UnsafeRawBufferPointer, path: String) -> Self? {
        guard let raw = bytes.baseAddress else { return nil }
        var reader = Self(
            base: raw.assumingMemoryBound(to: UInt8.self),
            count: bytes.count,
            path: path,
            countsLines: false
        )
        reader.scanner.skipWhitespace()
        return reader
    }

    /// The number of line feeds in `count` bytes at `base`.
    private static func lineCount(_ base: UnsafeRawPointer, count: Int) -> Int {
        var lines = 0
        var position = 0
        while position < count, let found = memchr(base + position, 0x0A, count - position) {
            lines += 1
            position = UnsafeRawPointer(found) - base + 1
        }
        return lines
    }

    private mutating func document(
        headerOnly: Bool,
        each: (CacheEntry, Range<Int>) -> Void
    ) throws(AudioCacheError) -> CacheIndexHeader {
        scanner.skipWhitespace()
        guard scanner.kind == .object else { throw scanner.unexpected("the index object") }
        try scanner.beginObject()
        var header = CacheIndexHeader()
        var format: String?
        var version: Int?
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            if scanner.matches(name, "format") {
                format = try readString()
            } else if scanner.matches(name, "format_version") {
                version = try readInt()
                if let version, version > CacheIndexWriter.formatVersion {
                    throw scanner.error(
                        "index format version \(version) is newer than this audiocache reads "
                            + "(\(CacheIndexWriter.formatVersion)); upgrade audiocache",
                        at: scanner.position
                    )
                }
            } else if scanner.matches(name, "generation") {
                header.generation = try readInt()
            } else if scanner.matches(name, "key_scheme") {
                let start = scanner.position
                let text = try readString()
                guard let scheme = KeyScheme(rawValue: text) else {
                    throw scanner.error("unknown key scheme \"\(text)\"", at: start)
                }
                header.keyScheme = scheme
            } else if scanner.matches(name, "stats") {
                try readStats(into: &header)
            } else if scanner.matches(name, "updated_at") {
                header.updatedAt = try readTimestamp()
            } else if scanner.matches(name, "entries") {
                if headerOnly {
                    guard format == CacheIndexWriter.formatName, version != nil else {
                        throw .badData(at: SourceLocation(file: scanner.path), "not an index this code wrote")
                    }
                    return header
                }
                guard scanner.kind == .object else { throw scanner.unexpected("an object of entries") }
                try scanner.beginObject()
                var isFirstEntry = true
                while let keyToken = try scanner.nextField(&isFirstEntry) {
                    let start = scanner.position
                    let entry = try readEntry()
                    guard scanner.string(keyToken) == entry.key.description else {
                        throw scanner.error(
                            "entry \"\(scanner.string(keyToken))\" holds key \(entry.key); they must be equal",
                            at: keyToken.quote
                        )
                    }
                    each(entry, start..<scanner.position)
                }
            } else {
                try scanner.skipValue()
            }
        }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw scanner.unexpectedAfter("the index", "the file holds one object") }
        guard format == CacheIndexWriter.formatName else {
            throw .badData(
                at: SourceLocation(file: scanner.path),
                "is not an audiocache index (no \"format\": \"audiocache-index\")"
            )
        }
        guard version != nil else {
            throw .badData(at: SourceLocation(file: scanner.path), "has no \"format_version\"")
        }
        return header
    }

    mutating func readStats(into header: inout CacheIndexHeader) throws(AudioCacheError) {
        guard scanner.kind == .object else { throw scanner.unexpected("an object") }
        try scanner.beginObject()
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            if scanner.matches(name, "hits") {
                header.hits = try readInt()
            } else if scanner.matches(name, "misses") {
                header.misses = try readInt()
            } else if scanner.matches(name, "since") {
                header.statsSince = try readTimestamp()
            } else {
                try scanner.skipValue()
            }
        }
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the index document and the journal (see `docs/cache-format.md`).
///
/// Built on the manifest readers' `JSONScanner`, which checks the JSON as strictly as a manifest
/// and locates every problem by line and column: a million entries take well under a second,
/// where `JSONDecoder` takes many. Unknown fields are skipped, so a later minor version that adds
/// fields stays readable; a newer `format_version` is refused.
struct CacheIndexReader {
    private var scanner: JSONScanner

    /// Index entries hold flat records, and texts of any length a manifest allows, and more.
    private static let limits = ScanLimits(maxDepth: 8, maxFieldBytes: 4 << 20, tooLongHint: "")

    private init(base: UnsafePointer<UInt8>, count: Int, path: String, countsLines: Bool) {
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
        guard let raw = bytes.baseAddress else { throw .badData(at: SourceLocation(file: path), "empty entry") }
        var reader = Self(
            base: raw.assumingMemoryBound(to: UInt8.self),
            count: bytes.count,
            path: path,
            countsLines: false
        )
        reader.scanner.skipWhitespace()
        return try reader.readEntry()
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

    private mutating func readStats(into header: inout CacheIndexHeader) throws(AudioCacheError) {
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

    // MARK: The journal

    /// What a journal holds.
    struct Journal {
        /// The generation of the index document the records follow (`nil` when the first line is
        /// missing or torn).
        var generation: Int?
        /// The complete records, in order.
        var records: [JournalRecord]
        /// The bytes of complete records; anything after them is torn or bad and is dropped.
        var validLength: Int
        /// What was wrong at ``validLength``, when something was.
        var problem: AudioCacheError?
    }

    /// One change recorded in the journal.
    enum JournalRecord {
        /// An entry stored, and the audio file it replaced.
        case put(CacheEntry, replaces: String?)
        /// An entry's access statistics.
        case touch(CacheKey, lastAccessed: Date, accessCount: Int)
        /// The hit and miss counters.
        case stats(hits: Int, misses: Int, since: Date)
    }

    /// Reads the journal at `path`; `nil` when there is none. A record that is not a complete
    /// line of valid JSON (a write cut short by a crash) ends the journal there.
    static func readJournal(at path: String) throws(AudioCacheError) -> Journal? {
        let (kind, size) = FileSystem.inspect(path)
        guard kind != .missing else { return nil }
        guard kind == .file else {
            throw AudioCacheError(.io, at: SourceLocation(file: path), "is not a regular file")
        }
        guard size > 0 else { return Journal(generation: nil, records: [], validLength: 0) }
        return try MappedFile.withContents(of: path) { bytes throws(AudioCacheError) in
            guard let raw = bytes.baseAddress else { return Journal(generation: nil, records: [], validLength: 0) }
            let base = raw.assumingMemoryBound(to: UInt8.self)
            var reader = Self(base: base, count: 0, path: path, countsLines: false)
            var journal = Journal(generation: nil, records: [], validLength: 0)
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
                    if let record = try reader.journalLine(isFirst: isFirst, generation: &journal.generation) {
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

    private mutating func journalLine(isFirst: Bool, generation: inout Int?) throws(AudioCacheError) -> JournalRecord? {
        scanner.skipWhitespace()
        guard scanner.kind == .object else { throw scanner.unexpected("a journal record") }
        try scanner.beginObject()
        var isFirstField = true
        guard let opName = try scanner.nextField(&isFirstField), scanner.matches(opName, "op") else {
            throw scanner.error("a journal record starts with \"op\"", at: scanner.position)
        }
        let opStart = scanner.position
        let operation = try readString()
        var record: JournalRecord?
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

    // MARK: Entries

    private struct Fields: OptionSet {
        let rawValue: UInt32
        static let key = Fields(rawValue: 1 << 0)
        static let path = Fields(rawValue: 1 << 1)
        static let size = Fields(rawValue: 1 << 2)
        static let sha256 = Fields(rawValue: 1 << 3)
        static let createdAt = Fields(rawValue: 1 << 4)
        static let voiceID = Fields(rawValue: 1 << 5)
        static let language = Fields(rawValue: 1 << 6)
        static let rendering = Fields(rawValue: 1 << 7)
        static let required: Fields = [.key, .path, .size, .sha256, .createdAt, .voiceID, .language, .rendering]
        static let names: [(Fields, String)] = [
            (.key, "key"), (.path, "path"), (.size, "size"), (.sha256, "sha256"), (.createdAt, "created_at"),
            (.voiceID, "voice_id"), (.language, "language"), (.rendering, "rendering"),
        ]
    }

    private mutating func readEntry() throws(AudioCacheError) -> CacheEntry {
        let start = scanner.position
        guard scanner.kind == .object else { throw scanner.unexpected("an entry object") }
        try scanner.beginObject()
        var seen: Fields = []
        var key = CacheKey(high: 0, low: 0)
        var path = ""
        var size = 0
        var sha256 = SHA256Hash(high: 0, middleHigh: 0, middleLow: 0, low: 0)
        var mimeType = "application/octet-stream"
        var audioFormat = ""
        var createdAt = Date(timeIntervalSince1970: 0)
        var lastAccessed: Date?
        var accessCount = 0
        var expiresAt: Date?
        var isPinned = false
        var source = AudioSource.tts
        var text = ""
        var voiceID = ""
        var language = ""
        var rendering: RenderingDescription?
        var fingerprint: SHA256Hash?
        var response: ProviderResponse?
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            let valueStart = scanner.position
            if scanner.matches(name, "key") {
                key = try readKey()
                seen.insert(.key)
            } else if scanner.matches(name, "path") {
                path = try readString()
                guard CacheLayout.isSafeAudioPath(path) else {
                    throw scanner.error(
                        "path \"\(path)\" is not a relative path inside the audio folder",
                        at: valueStart
                    )
                }
                seen.insert(.path)
            } else if scanner.matches(name, "size") {
                size = try readInt()
                seen.insert(.size)
            } else if scanner.matches(name, "sha256") {
                sha256 = try readHash()
                seen.insert(.sha256)
            } else if scanner.matches(name, "mime_type") {
                mimeType = try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "audio_format") {
                audioFormat = try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "created_at") {
                createdAt = try readTimestamp()
                seen.insert(.createdAt)
            } else if scanner.matches(name, "last_accessed") {
                lastAccessed = try readTimestamp()
            } else if scanner.matches(name, "access_count") {
                accessCount = try readInt()
            } else if scanner.matches(name, "expires_at") {
                expiresAt = scanner.kind == .null ? try skipNull() : try readTimestamp()
            } else if scanner.matches(name, "pinned") {
                isPinned = try readBool()
            } else if scanner.matches(name, "source") {
                let value = try readString()
                guard let known = AudioSource(rawValue: value) else {
                    throw scanner.error("unknown source \"\(value)\"; expected tts or recorded", at: valueStart)
                }
                source = known
            } else if scanner.matches(name, "text") {
                text = try readString()
            } else if scanner.matches(name, "voice_id") {
                voiceID = try scanner.readString(isRepeated: true)
                seen.insert(.voiceID)
            } else if scanner.matches(name, "language") {
                language = try scanner.readString(isRepeated: true)
                seen.insert(.language)
            } else if scanner.matches(name, "rendering") {
                rendering = try readRendering()
                seen.insert(.rendering)
            } else if scanner.matches(name, "rendering_fingerprint") {
                fingerprint = try readHash()
            } else if scanner.matches(name, "response") {
                response = try readResponse()
            } else {
                try scanner.skipValue()
            }
        }
        let missing = Fields.names.filter { !seen.contains($0.0) }.map(\.1)
        guard missing.isEmpty, let description = rendering else {
            throw scanner.error("entry has no \(missing.joined(separator: ", "))", at: start)
        }
        let recorded = RenderingDescription(
            provider: description.provider,
            modelID: description.modelID,
            outputFormat: description.outputFormat,
            sortedVoiceSettings: description.voiceSettings,
            text: description.text == text ? text : description.text,
            fingerprint: fingerprint
                ?? RenderingDescription(
                    provider: description.provider,
                    modelID: description.modelID,
                    outputFormat: description.outputFormat,
                    voiceSettings: description.voiceSettings,
                    text: description.text
                ).fingerprint
        )
        return CacheEntry(
            key: key,
            path: path,
            size: size,
            sha256: sha256,
            mimeType: mimeType,
            audioFormat: audioFormat.isEmpty ? description.outputFormat : audioFormat,
            createdAt: createdAt,
            lastAccessed: lastAccessed ?? createdAt,
            accessCount: accessCount,
            expiresAt: expiresAt,
            isPinned: isPinned,
            source: source,
            text: text,
            voiceID: voiceID,
            language: language,
            rendering: recorded,
            response: response
        )
    }

    /// Reads a `response` object.
    private mutating func readResponse() throws(AudioCacheError) -> ProviderResponse {
        guard scanner.kind == .object else { throw scanner.unexpected("a response object") }
        try scanner.beginObject()
        var response = ProviderResponse()
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            if scanner.matches(name, "request_id") {
                response.requestID = try readString()
            } else if scanner.matches(name, "character_cost") {
                response.characterCost = try readInt()
            } else if scanner.matches(name, "history_item_id") {
                response.historyItemID = try readString()
            } else {
                try scanner.skipValue()
            }
        }
        return response
    }

    /// Reads a `rendering` object, leaving its fingerprint to the entry's `rendering_fingerprint`.
    private mutating func readRendering() throws(AudioCacheError) -> RenderingDescription {
        guard scanner.kind == .object else { throw scanner.unexpected("a rendering object") }
        try scanner.beginObject()
        var provider = ""
        var modelID: String?
        var outputFormat = ""
        var settings: [VoiceSetting] = []
        var text = ""
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            if scanner.matches(name, "provider") {
                provider = try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "model_id") {
                modelID = scanner.kind == .null ? try skipNull() : try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "output_format") {
                outputFormat = try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "voice_settings") {
                settings = try readVoiceSettings()
            } else if scanner.matches(name, "text") {
                text = try readString()
            } else {
                try scanner.skipValue()
            }
        }
        return RenderingDescription(
            provider: provider,
            modelID: modelID,
            outputFormat: outputFormat,
            sortedVoiceSettings: settings.sorted { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) },
            text: text,
            fingerprint: SHA256Hash(high: 0, middleHigh: 0, middleLow: 0, low: 0)
        )
    }

    private mutating func readVoiceSettings() throws(AudioCacheError) -> [VoiceSetting] {
        if scanner.kind == .null { return try skipNull() ?? [] }
        guard scanner.kind == .object else { throw scanner.unexpected("an object of voice settings") }
        try scanner.beginObject()
        var settings: [VoiceSetting] = []
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            let value: VoiceSetting.Value
            switch scanner.kind {
            case .boolean: value = .bool(try readBool())
            case .number: value = .number(try readDouble())
            default: throw scanner.unexpected("a number or a Boolean")
            }
            // Setting names repeat in every entry: share one string rather than allocate each.
            let text =
                name.hasEscapes
                ? scanner.string(name)
                : scanner.repeatedStrings.string(scanner.base, start: name.start, count: name.end - name.start)
            settings.append(VoiceSetting(name: text ?? scanner.string(name), value: value))
        }
        return settings
    }

    // MARK: Values

    private mutating func readString() throws(AudioCacheError) -> String {
        guard scanner.kind == .string else { throw scanner.unexpected("a string") }
        return try scanner.readString()
    }

    private mutating func readInt() throws(AudioCacheError) -> Int {
        let start = scanner.position
        guard scanner.kind == .number else { throw scanner.unexpected("a whole number") }
        try scanner.skipValue()
        var value = 0
        for offset in start..<scanner.position {
            let digit = scanner.base[offset] &- UInt8(ascii: "0")
            guard digit < 10 else { throw scanner.error("expected a whole number of at least 0", at: start) }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit))
            guard !overflow1 && !overflow2 else { throw scanner.error("number is too large", at: start) }
            value = sum
        }
        return value
    }

    private mutating func readDouble() throws(AudioCacheError) -> Double {
        let start = scanner.position
        try scanner.skipValue()
        let text = String(
            decoding: UnsafeBufferPointer(start: scanner.base + start, count: scanner.position - start),
            as: UTF8.self
        )
        guard let value = Double(text), value.isFinite else { throw scanner.error("number is out of range", at: start) }
        return value
    }

    private mutating func readBool() throws(AudioCacheError) -> Bool {
        guard scanner.kind == .boolean else { throw scanner.unexpected("true or false") }
        let value = scanner.base[scanner.position] == UInt8(ascii: "t")
        try scanner.skipValue()
        return value
    }

    private mutating func skipNull<T>() throws(AudioCacheError) -> T? {
        try scanner.skipValue()
        return nil
    }

    private mutating func readTimestamp() throws(AudioCacheError) -> Date {
        guard scanner.kind == .string else { throw scanner.unexpected("a timestamp string") }
        let token = try scanner.scanString()
        let bytes = UnsafeBufferPointer(start: scanner.base + token.start, count: token.end - token.start)
        guard !token.hasEscapes, let milliseconds = CacheTimestamp.parse(bytes) else {
            throw scanner.error("expected a UTC timestamp like 2023-04-25T18:30:00.000Z", at: token.quote)
        }
        return CacheTimestamp.date(milliseconds: milliseconds)
    }

    private mutating func readKey() throws(AudioCacheError) -> CacheKey {
        guard scanner.kind == .string else { throw scanner.unexpected("a key string") }
        let token = try scanner.scanString()
        guard let key = CacheKey(hex: scanner.string(token)) else {
            throw scanner.error("expected a key of 32 hex digits", at: token.quote)
        }
        return key
    }

    private mutating func readHash() throws(AudioCacheError) -> SHA256Hash {
        guard scanner.kind == .string else { throw scanner.unexpected("a SHA-256 string") }
        let token = try scanner.scanString()
        guard let hash = SHA256Hash(hex: scanner.string(token)) else {
            throw scanner.error("expected a SHA-256 of 64 hex digits", at: token.quote)
        }
        return hash
    }
}

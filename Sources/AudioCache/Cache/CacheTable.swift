import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The entries of an open cache: a compact record each, plus the full entries that exist only in
/// memory and the journal (stored since `index.json` was written). Full entries of the others are
/// read back from `index.json` when asked.
struct CacheTable: Sendable {
    private(set) var records: [StoredRecord] = []
    private var slots: [CacheKey: Int] = [:]
    /// Full entries stored since `index.json` was written.
    private var overlay: [CacheKey: CacheEntry] = [:]
    private(set) var strings = InternedStrings()
    /// The `index.json` the records' document offsets point into.
    private(set) var document: IndexDocument?
    /// Other caches' `index.json` files that records merged in from them point into (document
    /// number `n` is `foreignDocuments[n - 1]`) until the next snapshot copies them over.
    private(set) var foreignDocuments: [IndexDocument] = []
    private(set) var totalSize = 0
    /// Changes whenever a slot is added or removed (not when a record is replaced in its slot).
    private(set) var slotRevision = 0

    var count: Int { records.count }

    mutating func reserveCapacity(_ count: Int) {
        records.reserveCapacity(count)
        slots.reserveCapacity(count)
    }

    func slot(of key: CacheKey) -> Int? { slots[key] }

    /// Every slot, in byte order of the keys: the order of `index.json` and of listings.
    func slotsInKeyOrder() -> [Int] {
        records.indices.sorted { records[$0].key < records[$1].key }
    }

    // MARK: Changes

    /// Adds or replaces an entry held in memory (a store, or a journal record).
    mutating func put(_ entry: CacheEntry) {
        insert(record(for: entry, offset: -1, length: 0))
        overlay[entry.key] = entry
    }

    /// Adds an entry read from the document at `range`.
    mutating func put(_ entry: CacheEntry, documentRange range: Range<Int>) {
        insert(record(for: entry, offset: range.lowerBound, length: Int32(clamping: range.count)))
        overlay[entry.key] = nil
    }

    /// Adds a record read from a table file.
    mutating func put(_ record: StoredRecord) {
        insert(record)
    }

    /// Makes `document`, another cache's index, one that records may point into, and returns its
    /// number (``StoredRecord/Flags/document``).
    mutating func adopt(_ document: IndexDocument) -> UInt32 {
        if let index = foreignDocuments.firstIndex(where: { $0 === document }) { return UInt32(index + 1) }
        foreignDocuments.append(document)
        return UInt32(foreignDocuments.count)
    }

    /// Adds or replaces an entry whose object lies in another cache's index, adopted as document
    /// number `document`: `record` comes from that cache's table, its strings numbered by
    /// `translation`.
    mutating func put(foreign record: StoredRecord, document: UInt32, translation: inout StringTranslation) {
        var record = record
        record.voice = translation.number(record.voice, into: &strings)
        record.language = translation.number(record.language, into: &strings)
        record.mimeType = translation.number(record.mimeType, into: &strings)
        record.audioFormat = translation.number(record.audioFormat, into: &strings)
        record.provider = translation.number(record.provider, into: &strings)
        record.model = translation.number(record.model, into: &strings)
        record.outputFormat = translation.number(record.outputFormat, into: &strings)
        record.voiceSettings = translation.number(record.voiceSettings, into: &strings)
        record.flags.document = document
        insert(record)
        overlay[record.key] = nil
    }

    mutating func touch(_ key: CacheKey, lastAccessed: Int64, accessCount: Int) {
        guard let slot = slots[key] else { return }
        records[slot].lastAccessed = lastAccessed
        records[slot].accessCount = accessCount
        records[slot].flags.insert(.accessChanged)
    }

    @discardableResult
    mutating func remove(_ key: CacheKey) -> StoredRecord? {
        guard let slot = slots.removeValue(forKey: key) else { return nil }
        let removed = records[slot]
        let last = records.count - 1
        if slot != last {
            records[slot] = records[last]
            slots[records[slot].key] = slot
        }
        records.removeLast()
        slotRevision &+= 1
        overlay[key] = nil
        totalSize -= removed.size
        return removed
    }

    mutating func setInterned(_ strings: InternedStrings) {
        self.strings = strings
    }

    mutating func setDocument(_ document: IndexDocument?) {
        self.document = document
    }

    private mutating func insert(_ record: StoredRecord) {
        if let slot = slots[record.key] {
            totalSize += record.size - records[slot].size
            records[slot] = record
        } else {
            slots[record.key] = records.count
            records.append(record)
            slotRevision &+= 1
            totalSize += record.size
        }
    }

    private mutating func record(for entry: CacheEntry, offset: Int, length: Int32) -> StoredRecord {
        var flags: StoredRecord.Flags = []
        if entry.isPinned { flags.insert(.pinned) }
        if entry.source == .recorded { flags.insert(.recorded) }
        switch entry.verdict {
        case .approved: flags.insert(.approved)
        case .flagged: flags.insert(.flagged)
        case .unreviewed: break
        }
        if let container = AudioContainer.allCases.first(where: { entry.path.hasSuffix("." + $0.fileExtension) }),
            entry.path == CacheLayout.audioPath(key: entry.key, sha256: entry.sha256, container: container)
        {
            flags.insert(.canonicalPath)
            flags.container = container
        }
        let rendering = entry.rendering
        return StoredRecord(
            key: entry.key,
            sha256: entry.sha256,
            size: entry.size,
            createdAt: CacheTimestamp.milliseconds(entry.createdAt),
            lastAccessed: CacheTimestamp.milliseconds(entry.lastAccessed),
            expiresAt: entry.expiresAt.map(CacheTimestamp.milliseconds) ?? StoredRecord.never,
            accessCount: entry.accessCount,
            voice: strings.number(entry.voiceID),
            language: strings.number(entry.language),
            mimeType: strings.number(entry.mimeType),
            audioFormat: strings.number(entry.audioFormat),
            provider: strings.number(rendering.provider),
            model: strings.number(rendering.modelID),
            outputFormat: strings.number(rendering.outputFormat),
            voiceSettings: strings.number(Self.settingsText(rendering.voiceSettings)),
            documentOffset: offset,
            documentLength: length,
            flags: flags
        )
    }

    /// The voice settings as one comparable string (their canonical JSON).
    static func settingsText(_ settings: [VoiceSetting]) -> String {
        var writer = JSONWriter(compact: true)
        VoiceSetting.write(settings, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    // MARK: Reading

    /// The public view of the record in `slot`.
    func publicRecord(_ slot: Int) -> CacheRecord {
        let record = records[slot]
        return CacheRecord(
            key: record.key,
            path: path(slot),
            size: record.size,
            sha256: record.sha256,
            mimeType: strings[record.mimeType],
            createdAt: CacheTimestamp.date(milliseconds: record.createdAt),
            lastAccessed: CacheTimestamp.date(milliseconds: record.lastAccessed),
            accessCount: record.accessCount,
            expiresAt: record.expiresAt == StoredRecord.never
                ? nil : CacheTimestamp.date(milliseconds: record.expiresAt),
            isPinned: record.isPinned,
            source: record.flags.contains(.recorded) ? .recorded : .tts,
            voiceID: strings[record.voice],
            language: strings[record.language],
            verdict: record.verdict
        )
    }

    /// The audio path of the entry in `slot`.
    func path(_ slot: Int) -> String {
        let record = records[slot]
        if record.flags.contains(.canonicalPath), let container = record.flags.container {
            return CacheLayout.audioPath(key: record.key, sha256: record.sha256, container: container)
        }
        return entry(slot)?.path ?? ""
    }

    /// The full entry in `slot`, with the record's access fields; `nil` only when `index.json`
    /// changed under the cache.
    func entry(_ slot: Int) -> CacheEntry? {
        let record = records[slot]
        var entry =
            overlay[record.key]
            ?? document(of: record)?.entry(at: record.documentOffset, length: Int(record.documentLength))
        entry?.lastAccessed = CacheTimestamp.date(milliseconds: record.lastAccessed)
        entry?.accessCount = record.accessCount
        return entry
    }

    /// The document the record's offset points into.
    func document(of record: StoredRecord) -> IndexDocument? {
        let number = Int(record.flags.document)
        return number == 0 ? document : foreignDocuments[number - 1]
    }

    /// Whether the full entry in `slot` is held in memory.
    func needsOverlay(_ slot: Int) -> Bool {
        overlay[records[slot].key] != nil
    }

    /// Whether the entry in `slot` must be written out anew rather than copied from the document.
    func needsWriting(_ slot: Int) -> Bool {
        let record = records[slot]
        return record.documentOffset < 0 || record.flags.contains(.accessChanged) || overlay[record.key] != nil
    }

    /// Points the records at a newly written document.
    mutating func moved(to document: IndexDocument, ranges: [(slot: Int, offset: Int, length: Int32)]) {
        for (slot, offset, length) in ranges {
            records[slot].documentOffset = offset
            records[slot].documentLength = length
            records[slot].flags.remove(.accessChanged)
            records[slot].flags.document = 0
        }
        overlay.removeAll()
        self.document = document
        foreignDocuments.removeAll()
    }
}

extension StoredRecord.Flags {
    /// The document the record's offset points into: 0 for the cache's own `index.json`, `n` for
    /// ``CacheTable/foreignDocuments`` `[n - 1]` (sixteen bits from bit 12, in memory only: a
    /// snapshot sets every record back to 0 before the table file is written).
    var document: UInt32 {
        get { rawValue >> 12 & 0xFFFF }
        set { self = Self(rawValue: rawValue & ~(0xFFFF << 12) | (newValue & 0xFFFF) << 12) }
    }

    /// The container a canonical path was named after (three bits above the flags).
    var container: AudioContainer? {
        get {
            let index = Int(rawValue >> 8 & 0x7)
            return index == 0 ? nil : AudioContainer.allCases[index - 1]
        }
        set {
            let index = newValue.flatMap { AudioContainer.allCases.firstIndex(of: $0) }.map { UInt32($0 + 1) } ?? 0
            self = Self(rawValue: rawValue & ~(0x7 << 8) | index << 8)
        }
    }
}

/// Numbers another table's interned strings (``InternedStrings``) in this one, each once.
struct StringTranslation {
    private let source: InternedStrings
    private var numbers: [UInt32?]

    init(from source: InternedStrings) {
        self.source = source
        numbers = Array(repeating: nil, count: source.strings.count)
    }

    /// This table's number for the source's `number`.
    mutating func number(_ number: UInt32, into strings: inout InternedStrings) -> UInt32 {
        guard number != InternedStrings.emptyString, Int(number) < numbers.count else {
            return strings.number(source.string(number))
        }
        if let known = numbers[Int(number)] { return known }
        let translated = strings.number(source.string(number))
        numbers[Int(number)] = translated
        return translated
    }
}

/// An `index.json` kept open so that entries can be read back from it after it is replaced (the
/// open descriptor keeps the old file's bytes).
final class IndexDocument: Sendable {
    let path: String
    private let descriptor: Int32

    /// Opens the document; `nil` when it cannot be opened.
    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// The entry whose object lies at `offset..<offset + length`.
    func entry(at offset: Int, length: Int) -> CacheEntry? {
        guard offset >= 0, length > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: length)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, off_t(offset)) }
        guard read == length else { return nil }
        return bytes.withUnsafeBytes { try? CacheIndexReader.readEntry($0, path: path) }
    }

    /// Calls `body` with the whole document mapped.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(AudioCacheError) -> R) throws(AudioCacheError) -> R {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 0 else {
            throw AudioCacheError(.io, at: SourceLocation(file: path), "cannot read the index")
        }
        let size = Int(info.st_size)
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw AudioCacheError.system("cannot map the index", at: path)
        }
        defer { munmap(address, size) }
        return try body(UnsafeRawBufferPointer(start: address, count: size))
    }
}

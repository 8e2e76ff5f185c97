import Foundation

/// Writes the index document and journal records as `docs/cache-format.md` describes them.
///
/// The index is one JSON object whose `entries` member holds one entry per line, in byte order
/// of the keys, so the same cache always gives the same bytes and a reader may stream it line by
/// line.
enum CacheIndexWriter {
    /// The value of the index's `format` field.
    static let formatName = "audiocache-index"
    /// The version of the index format this code writes; readers refuse newer versions.
    static let formatVersion = 1

    /// Writes the index document through `write`, in pieces of about a megabyte.
    ///
    /// Entries that have not changed since the document their record points into was written
    /// (`table.document`, or another cache's index a merge adopted) are copied from it byte for
    /// byte; the others are written from their full entries.
    /// - Returns: Where each entry's object lies in the new document, by slot.
    static func writeDocument(
        header: CacheIndexHeader,
        table: CacheTable,
        to write: (UnsafeRawBufferPointer) throws(AudioCacheError) -> Void
    ) throws(AudioCacheError) -> [(slot: Int, offset: Int, length: Int32)] {
        let documents: [IndexDocument?] = [table.document] + table.foreignDocuments.map(Optional.some)
        return try withBytes(of: documents[...], mapped: []) { documents throws(AudioCacheError) in
            try writeDocument(header: header, table: table, documents: documents, to: write)
        }
    }

    /// Calls `body` with each of `documents` mapped (`nil` for none), in order.
    private static func withBytes<R>(
        of documents: ArraySlice<IndexDocument?>,
        mapped: [UnsafeRawBufferPointer?],
        _ body: ([UnsafeRawBufferPointer?]) throws(AudioCacheError) -> R
    ) throws(AudioCacheError) -> R {
        guard let first = documents.first else { return try body(mapped) }
        guard let document = first else {
            return try withBytes(of: documents.dropFirst(), mapped: mapped + [nil], body)
        }
        return try document.withBytes { bytes throws(AudioCacheError) in
            try withBytes(of: documents.dropFirst(), mapped: mapped + [bytes], body)
        }
    }

    private static func writeDocument(
        header: CacheIndexHeader,
        table: CacheTable,
        documents: [UnsafeRawBufferPointer?],
        to write: (UnsafeRawBufferPointer) throws(AudioCacheError) -> Void
    ) throws(AudioCacheError) -> [(slot: Int, offset: Int, length: Int32)] {
        var writer = JSONWriter(capacity: 1 << 20, compact: true)
        writer.beginObject()
        writer.key("format")
        writer.string(formatName)
        writer.key("format_version")
        writer.int(formatVersion)
        writer.key("generation")
        writer.int(header.generation)
        writer.key("key_scheme")
        writer.string(header.keyScheme.rawValue)
        writer.key("stats")
        writeStats(hits: header.hits, misses: header.misses, since: header.statsSince, to: &writer)
        writer.key("updated_at")
        writer.timestamp(header.updatedAt)
        writer.key("entries")
        writer.beginObject()
        var bytes = writer.bytes
        var written = 0
        var ranges: [(slot: Int, offset: Int, length: Int32)] = []
        ranges.reserveCapacity(table.count)
        var member = JSONWriter(capacity: 4_096, compact: true)
        for slot in table.slotsInKeyOrder() {
            let key = table.records[slot].key
            bytes.append(contentsOf: ranges.isEmpty ? [UInt8(ascii: "\n")] : [UInt8(ascii: ","), UInt8(ascii: "\n")])
            appendMemberName(key, to: &bytes)
            let start = written + bytes.count
            let record = table.records[slot]
            let old = documents[Int(record.flags.document)]
            if let old, !table.needsWriting(slot), record.documentOffset + Int(record.documentLength) <= old.count {
                bytes.append(
                    contentsOf: UnsafeRawBufferPointer(
                        rebasing: old[record.documentOffset..<record.documentOffset + Int(record.documentLength)]
                    )
                )
            } else {
                guard let entry = entry(in: table, slot: slot, old: old) else {
                    throw AudioCacheError(
                        .badData,
                        at: SourceLocation(file: table.document?.path ?? "index.json"),
                        "the entry of key \(key) cannot be read back; the index changed under the cache"
                    )
                }
                member.removeAll()
                writeEntry(entry, to: &member)
                bytes.append(contentsOf: member.bytes)
            }
            ranges.append((slot, start, Int32(clamping: written + bytes.count - start)))
            if bytes.count >= 1 << 20 {
                try FileSystem.pass(bytes, to: write)
                written += bytes.count
                bytes.removeAll(keepingCapacity: true)
            }
        }
        bytes.append(contentsOf: Array("\n}}\n".utf8))
        try FileSystem.pass(bytes, to: write)
        return ranges
    }

    /// Appends `"<key>":` without making a string.
    private static func appendMemberName(_ key: CacheKey, to bytes: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        bytes.append(UInt8(ascii: "\""))
        digits.withUTF8Buffer { digits in
            for word in [key.high, key.low] {
                for index in 0..<16 { bytes.append(digits[Int(word >> UInt64(60 - 4 * index) & 0xF)]) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// The full entry of `slot`, read from the mapped old document when it is there.
    private static func entry(in table: CacheTable, slot: Int, old: UnsafeRawBufferPointer?) -> CacheEntry? {
        let record = table.records[slot]
        guard let old, record.documentOffset >= 0, !table.needsOverlay(slot),
            record.documentOffset + Int(record.documentLength) <= old.count,
            var entry = try? CacheIndexReader.readEntry(
                UnsafeRawBufferPointer(
                    rebasing: old[record.documentOffset..<record.documentOffset + Int(record.documentLength)]
                ),
                path: table.document(of: record)?.path ?? "index.json"
            )
        else {
            return table.entry(slot)
        }
        entry.lastAccessed = CacheTimestamp.date(milliseconds: record.lastAccessed)
        entry.accessCount = record.accessCount
        return entry
    }

    /// The `stats` object: when counting started, hits and misses.
    static func writeStats(hits: Int, misses: Int, since: Date, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("hits")
        writer.int(hits)
        writer.key("misses")
        writer.int(misses)
        writer.key("since")
        writer.timestamp(since)
        writer.endObject()
    }

    /// Writes one entry as an object, fields in the documented order.
    static func writeEntry(_ entry: CacheEntry, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("key")
        writer.string(entry.key)
        writer.key("path")
        writer.string(entry.path)
        writer.key("size")
        writer.int(entry.size)
        writer.key("sha256")
        writer.hexString(entry.sha256.bytes)
        writer.key("mime_type")
        writer.string(entry.mimeType)
        writer.key("audio_format")
        writer.string(entry.audioFormat)
        writer.key("created_at")
        writer.timestamp(entry.createdAt)
        writer.key("last_accessed")
        writer.timestamp(entry.lastAccessed)
        writer.key("access_count")
        writer.int(entry.accessCount)
        writer.key("expires_at")
        if let expiresAt = entry.expiresAt { writer.timestamp(expiresAt) } else { writer.null() }
        writer.key("pinned")
        writer.bool(entry.isPinned)
        writer.key("source")
        writer.string(entry.source.rawValue)
        writer.key("text")
        writer.string(entry.text)
        writer.key("voice_id")
        writer.string(entry.voiceID)
        writer.key("language")
        writer.string(entry.language)
        writer.key("rendering")
        entry.rendering.write(to: &writer)
        writer.key("rendering_fingerprint")
        writer.hexString(entry.rendering.fingerprint.bytes)
        if let response = entry.response, !response.isEmpty {
            writer.key("response")
            writer.beginObject()
            if let characterCost = response.characterCost {
                writer.key("character_cost")
                writer.int(characterCost)
            }
            if let historyItemID = response.historyItemID {
                writer.key("history_item_id")
                writer.string(historyItemID)
            }
            if let requestID = response.requestID {
                writer.key("request_id")
                writer.string(requestID)
            }
            writer.endObject()
        }
        if let review = entry.review {
            writer.key("review")
            writer.beginObject()
            writer.key("verdict")
            writer.string(review.verdict.rawValue)
            if let note = review.note {
                writer.key("note")
                writer.string(note)
            }
            writer.key("reviewed_at")
            writer.timestamp(review.reviewedAt)
            writer.endObject()
        }
        writer.endObject()
    }
}

/// The index's fields other than its entries.
struct CacheIndexHeader: Sendable, Hashable {
    /// The header of a new cache: generation 0, counting from `date`.
    init(keyScheme: KeyScheme = .md5TextVoiceLanguageV1, startingAt date: Date = Date(timeIntervalSince1970: 0)) {
        self.init(generation: 0, keyScheme: keyScheme, statsSince: date, hits: 0, misses: 0, updatedAt: date)
    }

    init(generation: Int, keyScheme: KeyScheme, statsSince: Date, hits: Int, misses: Int, updatedAt: Date) {
        self.generation = generation
        self.keyScheme = keyScheme
        self.statsSince = statsSince
        self.hits = hits
        self.misses = misses
        self.updatedAt = updatedAt
    }

    /// Counts the index documents written; the journal names the one it follows.
    var generation: Int
    /// The key scheme of every entry.
    var keyScheme: KeyScheme
    /// When hit and miss counting started.
    var statsSince: Date
    /// Lookups that found an entry since ``statsSince``.
    var hits: Int
    /// Lookups that found nothing (or an expired entry) since ``statsSince``.
    var misses: Int
    /// When the document was written.
    var updatedAt: Date
}

extension JSONWriter {
    /// Writes a timestamp string, `2023-04-25T18:30:00.000Z`.
    mutating func timestamp(_ date: Date) {
        var text: [UInt8] = []
        text.reserveCapacity(24)
        CacheTimestamp.append(milliseconds: CacheTimestamp.milliseconds(date), to: &text)
        string(String(decoding: text, as: UTF8.self))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `index.table`: the compact records of `index.json`, written beside it, so that opening a cache
/// reads about a hundred bytes per entry instead of parsing its JSON.
///
/// It is derived data: it names the generation and byte size of the `index.json` it describes,
/// and a cache whose table is missing, damaged or describes another document is opened from
/// `index.json` (slower) and the table written again by the next writer. Other runtimes ignore it.
///
/// Layout, little-endian: the magic `ACTABLE1`; generation, document size, record count and
/// string count (8 bytes each); each string as a 4-byte length and its UTF-8; then the records,
/// ``recordSize`` bytes each (see ``append(_:to:)``).
enum CacheTableFile {
    static let magic = Array("ACTABLE1".utf8)
    static let recordSize = 136

    /// Writes the table of `table`, which describes the document of `generation` and `documentSize` bytes.
    static func write(
        _ table: CacheTable,
        generation: Int,
        documentSize: Int,
        to write: (UnsafeRawBufferPointer) throws(AudioCacheError) -> Void
    ) throws(AudioCacheError) {
        var bytes = magic
        bytes.reserveCapacity(1 << 20)
        for value in [generation, documentSize, table.count, table.strings.strings.count] {
            appendInteger(UInt64(value), to: &bytes)
        }
        for string in table.strings.strings {
            appendInteger(UInt32(string.utf8.count), to: &bytes)
            bytes.append(contentsOf: string.utf8)
        }
        for record in table.records {
            append(record, to: &bytes)
            if bytes.count >= 1 << 20 {
                try FileSystem.pass(bytes, to: write)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        try FileSystem.pass(bytes, to: write)
    }

    /// Reads the table at `path` if it describes the document of `generation` and `documentSize`
    /// bytes; `nil` when it is missing, damaged or describes another document.
    static func read(at path: String, generation: Int, documentSize: Int) -> CacheTable? {
        try? MappedFile.withContents(of: path) { bytes throws(AudioCacheError) -> CacheTable? in
            var reader = ByteReader(bytes: bytes)
            guard reader.take(magic.count).map(Array.init) == magic,
                let fileGeneration = reader.integer(UInt64.self), Int(fileGeneration) == generation,
                let fileSize = reader.integer(UInt64.self), Int(fileSize) == documentSize,
                let count = reader.integer(UInt64.self).map(Int.init), let stringCount = reader.integer(UInt64.self),
                stringCount < 1 << 32, count >= 0, count <= bytes.count / recordSize
            else { return nil }
            var strings = InternedStrings()
            for index in 0..<Int(stringCount) {
                guard let length = reader.integer(UInt32.self), let text = reader.take(Int(length)) else { return nil }
                if index > 0 { _ = strings.number(String(decoding: text, as: UTF8.self)) }
            }
            guard strings.strings.count == Int(stringCount), reader.remaining == count * recordSize else { return nil }
            var table = CacheTable()
            table.setInterned(strings)
            table.reserveCapacity(count)
            for _ in 0..<count {
                guard let record = readRecord(&reader, strings: strings.strings.count) else { return nil }
                table.put(record)
            }
            return table
        } ?? nil
    }

    private static func append(_ record: StoredRecord, to bytes: inout [UInt8]) {
        for value in [
            record.key.high, record.key.low, record.sha256.high, record.sha256.middleHigh, record.sha256.middleLow,
            record.sha256.low, UInt64(record.size), UInt64(bitPattern: record.createdAt),
            UInt64(bitPattern: record.lastAccessed), UInt64(bitPattern: record.expiresAt), UInt64(record.accessCount),
            UInt64(bitPattern: Int64(record.documentOffset)),
        ] {
            appendInteger(value, to: &bytes)
        }
        for value in [
            record.voice, record.language, record.mimeType, record.audioFormat, record.provider, record.model,
            record.outputFormat, record.voiceSettings, UInt32(bitPattern: record.documentLength), record.flags.rawValue,
        ] {
            appendInteger(value, to: &bytes)
        }
    }

    private static func readRecord(_ reader: inout ByteReader, strings: Int) -> StoredRecord? {
        var words: [UInt64] = []
        words.reserveCapacity(12)
        for _ in 0..<12 {
            guard let word = reader.integer(UInt64.self) else { return nil }
            words.append(word)
        }
        var numbers: [UInt32] = []
        numbers.reserveCapacity(10)
        for _ in 0..<10 {
            guard let number = reader.integer(UInt32.self) else { return nil }
            numbers.append(number)
        }
        // String numbers must name a string (or none, or the empty string).
        for number in numbers[0..<8] where number != InternedStrings.emptyString && Int(number) >= strings {
            return nil
        }
        guard words[6] < UInt64(Int.max), words[10] < UInt64(Int.max) else { return nil }
        return StoredRecord(
            key: CacheKey(high: words[0], low: words[1]),
            sha256: SHA256Hash(high: words[2], middleHigh: words[3], middleLow: words[4], low: words[5]),
            size: Int(words[6]),
            createdAt: Int64(bitPattern: words[7]),
            lastAccessed: Int64(bitPattern: words[8]),
            expiresAt: Int64(bitPattern: words[9]),
            accessCount: Int(words[10]),
            voice: numbers[0],
            language: numbers[1],
            mimeType: numbers[2],
            audioFormat: numbers[3],
            provider: numbers[4],
            model: numbers[5],
            outputFormat: numbers[6],
            voiceSettings: numbers[7],
            documentOffset: Int(Int64(bitPattern: words[11])),
            documentLength: Int32(bitPattern: numbers[8]),
            flags: StoredRecord.Flags(rawValue: numbers[9])
        )
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

}

/// Reads little-endian integers and byte runs from a buffer, refusing to read past its end.
private struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard MemoryLayout<T>.size <= remaining else { return nil }
        defer { offset += MemoryLayout<T>.size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

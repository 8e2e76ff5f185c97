/// Reads `.csv` and `.tsv` manifests with a header row.
///
/// ```
/// text,voice_id,language,id,scene
/// "Hola, ¿qué tal?",narrator,es,greet-1,intro
/// ```
///
/// Fields are separated by the delimiter the header line uses (``CSVDelimiter``: `,`, `;` as
/// spreadsheets in many locales save "CSV", or a tab), by a tab in `.tsv` files. Files are UTF-8,
/// or UTF-16 with a byte order mark (a spreadsheet's "Unicode Text"), which is decoded first.
///
/// The header names the columns; names are matched exactly after trimming spaces. `text` is
/// required; `voice_id`, `language`, `model_id` and `id` are optional, and an empty cell in them
/// means "not set" (the outer defaults apply). Every other column becomes a tag of each phrase.
/// An empty `text` cell is passed on as an empty text, which the sink reports.
///
/// Quoted fields may hold delimiters, `""` escapes and line breaks; a quote inside an unquoted
/// field is taken literally. A phrase's line is the line its record starts on. Lines end with LF,
/// CRLF or CR; empty lines are skipped; a UTF-8 byte order mark is accepted. A record with the
/// wrong number of fields, or with bytes that are not UTF-8, is reported and skipped; text after a
/// closing quote, an unclosed quote, an overlong field and a bad header are thrown, because what
/// follows them cannot be read reliably.
enum CSVManifestReader {
    /// Which column holds what, worked out once from the header.
    private struct Header {
        var columnCount = 0
        var text = 0
        var voiceID: Int?
        var language: Int?
        var modelID: Int?
        var id: Int?
        var tags: [(index: Int, name: String)] = []
    }

    /// Recent values of the columns that repeat from record to record.
    private struct RepeatedValues {
        var voices = RepeatedStrings()
        var languages = RepeatedStrings()
        var models = RepeatedStrings()
    }

    /// Reads a CSV file's phrases into a sink.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - sink: Receives phrases and per-record problems.
    /// - Throws: ``AudioCacheError`` for a missing or malformed header, misplaced or unclosed
    ///   quotes and fields longer than ``ManifestLimits/maxFieldBytes``.
    static func read(_ bytes: UnsafeRawBufferPointer, into sink: inout ManifestSink) throws(AudioCacheError) {
        _ = try readRecords(bytes, in: 0..<bytes.count, delimiter: nil, into: &sink)
    }

    /// Reads the records in `part` of a file, so that a large file can be read in parts at once
    /// (``ManifestPartition``): the header comes from the start of the file, the records from the
    /// part alone.
    ///
    /// Lines are numbered from 1 at the start of the part; the caller adds the lines of the parts
    /// before.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - part: Where the part's records are: the whole file, or a range that starts where a
    ///     record starts. A UTF-16 file is always read whole.
    ///   - delimiter: The delimiter, or `nil` to find it from the header line.
    ///   - sink: Receives phrases and per-record problems.
    /// - Returns: The number of line breaks in the part.
    /// - Throws: As ``read(_:into:)``, and for UTF-16 that is not well formed.
    static func readRecords(
        _ bytes: UnsafeRawBufferPointer,
        in part: Range<Int>,
        delimiter: CSVDelimiter?,
        into sink: inout ManifestSink
    ) throws(AudioCacheError) -> Int {
        guard let raw = bytes.baseAddress, !bytes.isEmpty else {
            throw .badData(
                at: SourceLocation(file: sink.path),
                "the file is empty; the first line must name the columns, including \"text\""
            )
        }
        if let utf8 = try UTF8Bytes.utf8(fromUTF16: bytes, path: sink.path) {
            var lines = Result<Int, AudioCacheError>.success(0)
            utf8.withUnsafeBytes { decoded in
                lines = Result { () throws(AudioCacheError) in
                    try readRecords(decoded, in: 0..<decoded.count, delimiter: delimiter, into: &sink)
                }
            }
            return try lines.get()
        }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let start = UTF8Bytes.byteOrderMarkLength(base, at: 0, end: bytes.count)
        let end = min(part.upperBound, bytes.count)
        let (path, limits) = (sink.path, sink.limits.scanning)
        let delimiter = delimiter ?? CSVDelimiter.detect(in: base, from: start, to: bytes.count)
        func makeScanner(from offset: Int) -> CSVRecordScanner {
            CSVRecordScanner(base: base, count: end, start: offset, path: path, limits: limits, delimiter: delimiter)
        }
        var scanner = makeScanner(from: start)
        guard try scanner.nextRecord() else {
            throw .badData(
                at: SourceLocation(file: sink.path, line: scanner.line),
                "the file has no header row; the first line must name the columns, including \"text\""
            )
        }
        let header = try makeHeader(scanner)
        if part.lowerBound > 0 {
            guard part.lowerBound < end else { return 0 }
            scanner = makeScanner(from: part.lowerBound)
        }
        var repeated = RepeatedValues()
        while !sink.isSaturated, try scanner.nextRecord() {
            if let phrase = phrase(in: scanner, header: header, repeated: &repeated, into: &sink) {
                sink.add(phrase, in: base, scratch: scanner.scratch)
            }
        }
        return scanner.line - 1
    }

    /// Works out the columns from the header record.
    private static func makeHeader(_ scanner: CSVRecordScanner) throws(AudioCacheError) -> Header {
        let headerLine = SourceLocation(file: scanner.path, line: scanner.recordLine)
        var names: [String] = []
        for field in scanner.fields {
            guard let value = scanner.string(field) else {
                let offset = scanner.firstInvalidUTF8(in: field) ?? field.start
                throw .badData(at: scanner.location(inRecord: offset), UTF8Bytes.invalidUTF8Message(at: offset))
            }
            let name = trimmingSpaces(value)
            if name.isEmpty {
                throw .badData(
                    at: headerLine,
                    "column \(names.count + 1) of the header has no name; name every column (a trailing \(scanner.separator) adds an empty one)"
                )
            }
            if let first = names.firstIndex(of: name) {
                throw .badData(
                    at: headerLine,
                    "the header names \(quoted(name)) twice (columns \(first + 1) and \(names.count + 1)); give each column its own name"
                )
            }
            names.append(name)
        }
        guard let text = names.firstIndex(of: "text") else {
            let found = names.map { quoted($0) }.joined(separator: ", ")
            throw .badData(
                at: headerLine,
                "the header has no \"text\" column (found \(found)); name the column that holds the phrases \"text\""
            )
        }
        var header = Header(columnCount: names.count, text: text)
        for (index, name) in names.enumerated() {
            switch name {
            case "text": break
            case "voice_id": header.voiceID = index
            case "language": header.language = index
            case "model_id": header.modelID = index
            case "id": header.id = index
            default: header.tags.append((index, name))
            }
        }
        return header
    }

    /// The phrase in the scanner's current record, or `nil` after reporting why there is none.
    private static func phrase(
        in scanner: CSVRecordScanner,
        header: Header,
        repeated: inout RepeatedValues,
        into sink: inout ManifestSink
    ) -> ScannedPhrase? {
        let fields = scanner.fields
        guard fields.count == header.columnCount else {
            let found = fields.count == 1 ? "1 field" : "\(fields.count) fields"
            sink.report(
                .badData(
                    at: SourceLocation(file: sink.path, line: scanner.recordLine),
                    "record has \(found); the header has \(header.columnCount)"
                )
            )
            return nil
        }
        // Every field must be UTF-8, whether the phrase keeps it or not.
        for field in fields {
            if let offset = scanner.firstInvalidUTF8(in: field) {
                sink.report(
                    .badData(at: scanner.location(inRecord: offset), UTF8Bytes.invalidUTF8Message(at: offset))
                )
                return nil
            }
        }
        func repeatedValue(_ index: Int?, _ cache: inout RepeatedStrings) -> String? {
            guard let index, !fields[index].isEmpty else { return nil }
            return scanner.string(fields[index], repeated: &cache)
        }
        let defaults = PhraseDefaults(
            voiceID: repeatedValue(header.voiceID, &repeated.voices),
            language: repeatedValue(header.language, &repeated.languages),
            modelID: repeatedValue(header.modelID, &repeated.models)
        )
        var tags: [String: String] = [:]
        if sink.keepsTags && !header.tags.isEmpty {
            tags.reserveCapacity(header.tags.count)
            for (index, name) in header.tags { tags[name] = scanner.string(fields[index]) ?? "" }
        }
        return ScannedPhrase(
            text: scanner.bytes(fields[header.text]),
            id: header.id.flatMap { fields[$0].isEmpty ? nil : scanner.bytes(fields[$0]) },
            defaults: defaults,
            tags: tags,
            line: scanner.recordLine
        )
    }

    /// A header name without the spaces around it.
    private static func trimmingSpaces(_ value: String) -> String {
        let utf8 = value.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 }), let last = utf8.lastIndex(where: { $0 != 0x20 })
        else {
            return ""
        }
        return String(value[first...last])
    }
}

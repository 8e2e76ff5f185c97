/// The manifest formats audiocache reads, chosen by file extension.
enum ManifestFormat: String, Sendable, Hashable, CaseIterable {
    /// CSV with a header row (`.csv`): RFC 4180 quoting, the delimiter (`,`, `;` or a tab) found
    /// from the header line.
    case csv
    /// Tab-separated values with a header row (`.tsv`): CSV's rules with a tab between fields.
    case tsv
    /// A JSON document: an object with defaults and `phrases`, or a bare array (`.json`).
    case json
    /// JSON Lines: one phrase object per line (`.jsonl`, `.ndjson`).
    case jsonLines = "jsonl"
    /// An XML script with `<script>`, `<scene>` and `<line>` elements (`.xml`).
    case xml

    /// The format for a file name's extension, compared without regard to case.
    /// - Parameter pathExtension: The extension without its dot.
    init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "csv": self = .csv
        case "tsv": self = .tsv
        case "json": self = .json
        case "jsonl", "ndjson": self = .jsonLines
        case "xml": self = .xml
        default: return nil
        }
    }

    /// The extensions of manifest files, as messages list them: `.csv, .json, .jsonl, .ndjson,
    /// .xml, .tsv`.
    static let extensions = [".csv", ".json", ".jsonl", ".ndjson", ".xml", ".tsv"]

    /// Whether a large file of this format can be read in parts (``ManifestPartition``).
    var isReadInParts: Bool {
        switch self {
        case .csv, .tsv, .jsonLines: true
        case .json, .xml: false
        }
    }

    /// Reads one file's bytes into a sink.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - sink: Receives phrases and per-phrase problems.
    /// - Throws: ``AudioCacheError`` when the file is malformed beyond the current phrase.
    func read(_ bytes: UnsafeRawBufferPointer, into sink: inout ManifestSink) throws(AudioCacheError) {
        _ = try read(bytes, part: 0..<bytes.count, into: &sink)
    }

    /// Reads one part of a file's bytes into a sink (``ManifestPartition``): the records of a CSV
    /// file, the lines of a JSON Lines file. Other formats are read whole.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - part: Where the part is in `bytes`: all of it, or a range that starts where a record or
    ///     line starts.
    ///   - sink: Receives the part's phrases and problems, numbered from line 1 at its start.
    /// - Returns: The number of lines in the part, to number the next part's lines from.
    /// - Throws: ``AudioCacheError`` when the part is malformed beyond the current phrase.
    func read(
        _ bytes: UnsafeRawBufferPointer,
        part: Range<Int>,
        into sink: inout ManifestSink
    ) throws(AudioCacheError)
        -> Int
    {
        switch self {
        case .csv: return try CSVManifestReader.readRecords(bytes, in: part, delimiter: nil, into: &sink)
        case .tsv: return try CSVManifestReader.readRecords(bytes, in: part, delimiter: .tab, into: &sink)
        case .jsonLines: return JSONLinesManifestReader.readLines(bytes, in: part, into: &sink)
        case .json:
            try JSONManifestReader.read(bytes, into: &sink)
            return 0
        case .xml:
            try XMLManifestReader.read(bytes, into: &sink)
            return 0
        }
    }
}

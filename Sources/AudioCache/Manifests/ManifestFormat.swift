/// The manifest formats audiocache reads, chosen by file extension.
public enum ManifestFormat: String, Sendable, Hashable, CaseIterable {
    /// RFC 4180 CSV with a header row (`.csv`).
    case csv
    /// A JSON document: an object with defaults and `phrases`, or a bare array (`.json`).
    case json
    /// JSON Lines: one phrase object per line (`.jsonl`, `.ndjson`).
    case jsonLines = "jsonl"
    /// An XML script with `<script>`, `<scene>` and `<line>` elements (`.xml`).
    case xml

    /// The format for a file name's extension, compared without regard to case.
    /// - Parameter pathExtension: The extension without its dot.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "csv": self = .csv
        case "json": self = .json
        case "jsonl", "ndjson": self = .jsonLines
        case "xml": self = .xml
        default: return nil
        }
    }

    /// Reads one file's bytes into a sink.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - sink: Receives phrases and per-phrase problems.
    /// - Throws: ``AudioCacheError`` when the file is malformed beyond the current phrase.
    public func read(_ bytes: UnsafeRawBufferPointer, into sink: inout ManifestSink) throws(AudioCacheError) {
        switch self {
        case .csv: try CSVManifestReader.read(bytes, into: &sink)
        case .json: try JSONManifestReader.read(bytes, into: &sink)
        case .jsonLines: try JSONLinesManifestReader.read(bytes, into: &sink)
        case .xml: try XMLManifestReader.read(bytes, into: &sink)
        }
    }
}

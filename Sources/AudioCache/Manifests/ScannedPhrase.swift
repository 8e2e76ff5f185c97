/// A string field as a reader found it: a range of the file's bytes, or of the reader's scratch
/// buffer when the field held escapes (`""` in CSV, `\n` or `\u00e9` in JSON) and was decoded.
enum FieldBytes: Sendable {
    /// The bytes `start..<end` of the file.
    case inFile(start: Int, end: Int)
    /// The bytes `start..<end` of the reader's scratch buffer, decoded from the file.
    case inScratch(start: Int, end: Int)

    /// The field's bytes.
    /// - Parameters:
    ///   - base: The start of the file the field was read from.
    ///   - scratch: The reader's scratch buffer.
    /// - Returns: The field's bytes.
    @inline(__always)
    func buffer(in base: UnsafePointer<UInt8>, scratch: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        switch self {
        case .inFile(let start, let end):
            return UnsafeBufferPointer(start: base + start, count: end - start)
        case .inScratch(let start, let end):
            guard let scratchBase = scratch.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
            return UnsafeBufferPointer(start: scratchBase + start, count: end - start)
        }
    }
}

/// What one manifest line says, with its text and id still bytes of the file: a ``RawPhrase``
/// without a `String` per text and id, for the readers of large manifests (CSV, JSON, JSON Lines).
struct ScannedPhrase {
    /// The text, or `nil` when the line has none. Well-formed UTF-8: readers check it.
    var text: FieldBytes?
    /// The line's identifier, if any. Well-formed UTF-8.
    var id: FieldBytes?
    /// The voice, language and model the line or its file sets.
    var defaults: PhraseDefaults
    /// Extra values (empty when the sink does not keep tags).
    var tags: [String: String]
    /// The line where the phrase starts.
    var line: Int
    /// Its column, when the format reports one.
    var column: Int?
}

extension ManifestSink {
    /// Applies the outer defaults to a scanned line, validates it, and keeps the phrase or the
    /// problem, as ``add(_:)`` does for a ``RawPhrase``.
    /// - Parameters:
    ///   - phrase: The line.
    ///   - base: The start of the file it was read from.
    ///   - scratch: The reader's scratch buffer, where decoded fields are.
    mutating func add(_ phrase: ScannedPhrase, in base: UnsafePointer<UInt8>, scratch: [UInt8]) {
        guard let text = phrase.text else {
            return report(
                .badData(at: SourceLocation(file: path, line: phrase.line, column: phrase.column), "phrase has no text")
            )
        }
        scratch.withUnsafeBufferPointer { scratch in
            add(
                text: text.buffer(in: base, scratch: scratch),
                id: phrase.id?.buffer(in: base, scratch: scratch),
                defaults: phrase.defaults,
                tags: phrase.tags,
                line: phrase.line,
                column: phrase.column
            )
        }
    }
}

/// A string field as a reader found it: a range of the file's bytes, or the decoded bytes when
/// the field held escapes (`""` in CSV, `\n` or `\u00e9` in JSON).
enum FieldBytes: Sendable {
    /// The bytes `start..<end` of the file.
    case inFile(start: Int, end: Int)
    /// Bytes decoded from the file.
    case decoded([UInt8])

    /// Calls `body` with the field's bytes.
    /// - Parameters:
    ///   - base: The start of the file the field was read from.
    ///   - body: Receives the bytes.
    /// - Returns: What `body` returns.
    @inline(__always)
    func withBuffer<Result>(in base: UnsafePointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        switch self {
        case .inFile(let start, let end):
            return body(UnsafeBufferPointer(start: base + start, count: end - start))
        case .decoded(let bytes):
            return bytes.withUnsafeBufferPointer(body)
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
    mutating func add(_ phrase: ScannedPhrase, in base: UnsafePointer<UInt8>) {
        guard let text = phrase.text else {
            return report(
                .badData(at: SourceLocation(file: path, line: phrase.line, column: phrase.column), "phrase has no text")
            )
        }
        text.withBuffer(in: base) { text in
            guard let id = phrase.id else {
                return add(
                    text: text,
                    id: nil,
                    defaults: phrase.defaults,
                    tags: phrase.tags,
                    line: phrase.line,
                    column: phrase.column
                )
            }
            id.withBuffer(in: base) { id in
                add(
                    text: text,
                    id: id,
                    defaults: phrase.defaults,
                    tags: phrase.tags,
                    line: phrase.line,
                    column: phrase.column
                )
            }
        }
    }
}

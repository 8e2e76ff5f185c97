/// Reads `.json` manifests.
///
/// A document is either a bare array of phrases, or an object with optional file-level defaults
/// and the phrases:
///
/// ```json
/// {"voice_id": "narrator", "language": "es", "tags": {"scene": "intro"},
///  "phrases": ["Hola", {"text": "Adiós", "voice_id": "alt", "id": "bye"}]}
/// ```
///
/// Each phrase is a string (its text) or an object with `text`, `voice_id`, `language`,
/// `model_id`, `id` and `tags` (see ``JSONScanner/readPhrase(fileDefaults:fileTags:withColumn:into:)``).
///
/// The document is read twice: the first pass checks the whole syntax (so a malformed file yields
/// one thrown error and no phrases) and finds the file-level defaults, which JSON allows after
/// `phrases`; the second pass reports field problems and hands phrases to the sink in file order.
enum JSONManifestReader {
    /// What the document's object sets for all its phrases.
    private struct FileLevel {
        var defaults = PhraseDefaults()
        var tags: [String: String] = [:]
    }

    private static let knownFields = "voice_id, language, model_id, tags, phrases"

    /// Reads a JSON document's phrases into a sink.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - sink: Receives phrases and per-phrase problems.
    /// - Throws: ``AudioCacheError`` when the document is not well-formed JSON, nests too deeply,
    ///   or is neither an array nor an object.
    static func read(_ bytes: UnsafeRawBufferPointer, into sink: inout ManifestSink) throws(AudioCacheError) {
        guard let raw = bytes.baseAddress, !bytes.isEmpty else {
            throw .badData(at: SourceLocation(file: sink.path), "the file is empty; expected a JSON array or object")
        }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let start = UTF8Bytes.byteOrderMarkLength(base, at: 0, end: bytes.count)
        var scanner = JSONScanner(
            base: base,
            start: start,
            end: bytes.count,
            line: 1,
            lineStart: start,
            path: sink.path,
            limits: sink.limits.scanning,
            endDescription: "the end of the file",
            countsLines: true
        )
        scanner.skipWhitespace()

        var check = scanner
        var file = FileLevel()
        switch check.kind {
        case .array: try check.skipValue()
        case .object: file = try scanFileLevel(&check)
        case let other?:
            throw check.error(
                "expected an array of phrases or an object with \"phrases\", found \(other.description)",
                at: check.position
            )
        case nil:
            throw check.unexpected("an array of phrases or an object with \"phrases\"")
        }
        check.skipWhitespace()
        guard check.isAtEnd else {
            throw check.unexpectedAfter("the document", "a file holds one JSON value")
        }

        if scanner.kind == .array {
            try readPhrases(&scanner, file: file, into: &sink)
        } else {
            try readObject(&scanner, file: file, into: &sink)
        }
    }

    /// First pass over the top-level object: checks it and keeps the defaults it sets, quietly
    /// (the second pass reports their problems in file order).
    private static func scanFileLevel(_ scanner: inout JSONScanner) throws(AudioCacheError) -> FileLevel {
        var file = FileLevel()
        var seen: Set<String> = []
        try scanner.beginObject()
        var isFirst = true
        while let token = try scanner.nextField(&isFirst) {
            let name = scanner.string(token)
            guard seen.insert(name).inserted else {
                try scanner.skipValue()
                continue
            }
            switch name {
            case "voice_id", "language", "model_id":
                guard scanner.kind == .string else {
                    try scanner.skipValue()
                    continue
                }
                let value = try scanner.readString()
                if name == "voice_id" { file.defaults.voiceID = value }
                if name == "language" { file.defaults.language = value }
                if name == "model_id" { file.defaults.modelID = value }
            case "tags" where scanner.kind == .object:
                try scanner.beginObject()
                var isFirstTag = true
                while let tag = try scanner.nextField(&isFirstTag) {
                    if scanner.kind == .string {
                        let key = scanner.string(tag)
                        let value = try scanner.readString()
                        if file.tags[key] == nil { file.tags[key] = value }
                    } else {
                        try scanner.skipValue()
                    }
                }
            default:
                try scanner.skipValue()
            }
        }
        return file
    }

    /// Second pass over the top-level object: reports problems with its fields and reads the phrases.
    private static func readObject(
        _ scanner: inout JSONScanner,
        file: FileLevel,
        into sink: inout ManifestSink
    ) throws(AudioCacheError) {
        let objectLocation = scanner.location(at: scanner.position)
        var seen: Set<String> = []
        try scanner.beginObject()
        var isFirst = true
        while let token = try scanner.nextField(&isFirst) {
            let name = scanner.string(token)
            let known = ["voice_id", "language", "model_id", "tags", "phrases"].contains(name)
            guard known else {
                sink.report(
                    scanner.error("unknown field \(quoted(name)); known fields: \(knownFields)", at: token.quote)
                )
                try scanner.skipValue()
                continue
            }
            guard seen.insert(name).inserted else {
                sink.report(scanner.error("duplicate field \"\(name)\"; each field may appear once", at: token.quote))
                try scanner.skipValue()
                continue
            }
            switch name {
            case "tags":
                _ = try scanner.readTags(named: name, into: &sink)
            case "phrases":
                guard scanner.kind == .array else {
                    try scanner.reportWrongType(of: "field \"phrases\"", expected: "an array of phrases", into: &sink)
                    continue
                }
                try readPhrases(&scanner, file: file, into: &sink)
                if sink.isSaturated { return }
            default:
                if scanner.kind == .string {
                    try scanner.skipValue()
                } else {
                    try scanner.reportWrongType(of: "field \"\(name)\"", expected: "a string", into: &sink)
                }
            }
        }
        if !seen.contains("phrases") {
            sink.report(
                .badData(
                    at: objectLocation,
                    "the object has no \"phrases\" field; list the phrases in \"phrases\": [...]"
                )
            )
        }
    }

    /// Reads the array of phrases at the scanner's position, stopping early when the sink is saturated.
    private static func readPhrases(
        _ scanner: inout JSONScanner,
        file: FileLevel,
        into sink: inout ManifestSink
    ) throws(AudioCacheError) {
        try scanner.beginArray()
        var isFirst = true
        while try scanner.nextElement(&isFirst) {
            if sink.isSaturated { return }
            let phrase = try scanner.readPhrase(
                fileDefaults: file.defaults,
                fileTags: file.tags,
                withColumn: true,
                into: &sink
            )
            if let phrase { sink.add(phrase, in: scanner.base, scratch: scanner.scratch) }
        }
    }
}

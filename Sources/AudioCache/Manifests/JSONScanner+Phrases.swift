/// Decoding phrases straight from JSON, shared by the JSON and JSON Lines readers.
///
/// A phrase is a string (its text) or an object with `text`, `voice_id`, `language`, `model_id`,
/// `id` (strings) and `tags` (an object of strings). Field names are recognised as bytes, so a
/// phrase costs no dictionary and no string for its keys. Unknown, duplicate and mistyped fields
/// are reported at the offending field, and the phrase is then left out: a typo must never
/// silently change what is rendered.
extension JSONScanner {
    /// The fields a phrase object may have.
    enum PhraseField: UInt8, CaseIterable {
        case text, voiceID, language, modelID, id, tags

        /// The field's name in a manifest.
        var name: String {
            switch self {
            case .text: "text"
            case .voiceID: "voice_id"
            case .language: "language"
            case .modelID: "model_id"
            case .id: "id"
            case .tags: "tags"
            }
        }

        /// The names, for messages about unknown fields.
        static let known = allCases.map(\.name).joined(separator: ", ")
    }

    /// The phrase field a field name stands for, or `nil` when it is not one.
    func phraseField(_ name: StringToken) -> PhraseField? {
        if !name.hasEscapes {
            switch name.end - name.start {
            case 2: return matches(name, "id") ? .id : nil
            case 4:
                if matches(name, "text") { return .text }
                return matches(name, "tags") ? .tags : nil
            case 8:
                switch base[name.start] {
                case UInt8(ascii: "v"): return matches(name, "voice_id") ? .voiceID : nil
                case UInt8(ascii: "l"): return matches(name, "language") ? .language : nil
                case UInt8(ascii: "m"): return matches(name, "model_id") ? .modelID : nil
                default: return nil
                }
            default: return nil
            }
        }
        let text = string(name)
        return PhraseField.allCases.first { $0.name == text }
    }

    /// Reads the phrase at the current position.
    ///
    /// Problems with the phrase's own fields are reported to `sink` and the phrase is dropped.
    /// - Parameters:
    ///   - fileDefaults: The voice, language and model the file sets; the phrase's own win.
    ///   - fileTags: The tags the file sets; the phrase's own win.
    ///   - withColumn: Whether the phrase's location names a column (not for one phrase per line).
    ///   - sink: Receives the problems.
    /// - Returns: The phrase, or `nil` when a problem was reported.
    /// - Throws: When the JSON itself is malformed.
    mutating func readPhrase(
        fileDefaults: PhraseDefaults,
        fileTags: [String: String],
        withColumn: Bool,
        into sink: inout ManifestSink
    ) throws(AudioCacheError) -> ScannedPhrase? {
        clearScratch()
        let phraseLine = line
        let phraseColumn = withColumn ? location(at: position).column : nil
        let keptTags = sink.keepsTags ? fileTags : [:]
        switch kind {
        case .string:
            return ScannedPhrase(
                text: try readBytes(),
                defaults: fileDefaults,
                tags: keptTags,
                line: phraseLine,
                column: phraseColumn
            )
        case .object:
            break
        case let other?:
            sink.report(error("phrase must be an object or a string, found \(other.description)", at: position))
            try skipValue()
            return nil
        case nil:
            throw unexpected("a phrase (an object or a string)")
        }
        try beginObject()
        var text: FieldBytes?
        var voiceID: String?
        var language: String?
        var modelID: String?
        var id: FieldBytes?
        var tags: [String: String]?
        var seen: UInt8 = 0
        var isValid = true
        var isFirst = true
        while let name = try nextField(&isFirst) {
            guard let field = phraseField(name) else {
                sink.report(
                    error("unknown field \(quoted(string(name))); known fields: \(PhraseField.known)", at: name.quote)
                )
                isValid = false
                try skipValue()
                continue
            }
            let bit: UInt8 = 1 << field.rawValue
            if seen & bit != 0 {
                sink.report(error("duplicate field \"\(field.name)\"; each field may appear once", at: name.quote))
                isValid = false
                try skipValue()
                continue
            }
            seen |= bit
            if field == .tags {
                tags = try readTags(named: "tags", into: &sink)
                if tags == nil { isValid = false }
                continue
            }
            guard kind == .string else {
                try reportWrongType(of: "field \"\(field.name)\"", expected: "a string", into: &sink)
                isValid = false
                continue
            }
            switch field {
            case .text: text = try readBytes()
            case .voiceID: voiceID = try readString(isRepeated: true)
            case .language: language = try readString(isRepeated: true)
            case .modelID: modelID = try readString(isRepeated: true)
            case .id: id = try readBytes()
            case .tags: break
            }
        }
        guard isValid else { return nil }
        var mergedTags = keptTags
        if let tags, sink.keepsTags {
            if mergedTags.isEmpty {
                mergedTags = tags
            } else {
                mergedTags.merge(tags) { _, line in line }
            }
        }
        return ScannedPhrase(
            text: text,
            id: id,
            defaults: fileDefaults.overridden(
                by: PhraseDefaults(voiceID: voiceID, language: language, modelID: modelID)
            ),
            tags: mergedTags,
            line: phraseLine,
            column: phraseColumn
        )
    }

    /// Reads an object of string values, reporting every value that is not a string.
    /// - Parameters:
    ///   - name: The field that holds the object, for messages.
    ///   - sink: Receives the problems.
    /// - Returns: The tags, or `nil` when a problem was reported.
    /// - Throws: When the JSON itself is malformed.
    mutating func readTags(
        named name: String,
        into sink: inout ManifestSink
    ) throws(AudioCacheError) -> [String: String]? {
        guard kind == .object else {
            try reportWrongType(of: "field \"\(name)\"", expected: "an object of strings", into: &sink)
            return nil
        }
        try beginObject()
        var tags: [String: String] = [:]
        var isValid = true
        var isFirst = true
        while let token = try nextField(&isFirst) {
            let tag = string(token)
            guard kind == .string else {
                try reportWrongType(of: "tag \(quoted(tag))", expected: "a string", into: &sink)
                isValid = false
                continue
            }
            let value = try readString()
            if tags.updateValue(value, forKey: tag) != nil {
                sink.report(error("duplicate tag \(quoted(tag)); each tag may appear once", at: token.quote))
                isValid = false
            }
        }
        return isValid ? tags : nil
    }

    /// Reports that the value at the current position has the wrong type, and skips it.
    mutating func reportWrongType(
        of subject: String,
        expected: String,
        into sink: inout ManifestSink
    ) throws(AudioCacheError) {
        guard let found = kind else { throw unexpected("a value") }
        sink.report(error("\(subject) must be \(expected), found \(found.description)", at: position))
        try skipValue()
    }
}

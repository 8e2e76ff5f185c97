/// Collects the phrases one manifest file yields: applies the outer defaults, validates every
/// field and keeps either the phrase (with its cache key) or a problem naming its line.
///
/// Readers call ``add(_:)`` for every phrase they find and ``report(_:)`` for problems that do
/// not stop the file; problems that make the rest of the file unreadable (malformed syntax) are
/// thrown instead.
public struct ManifestSink: Sendable {
    /// The path of the file, as reported in locations.
    public let path: String
    /// Defaults from outside the file (folder layout over command line).
    public let outerDefaults: PhraseDefaults
    /// Bounds on the input.
    public let limits: ManifestLimits
    /// The valid phrases, in file order.
    public var phrases: [Phrase] { keyed.phrases(path: path) }
    /// Whether phrases keep their tags. A plan reports none, so the ``Planner`` turns this off and
    /// readers skip building them (they still check them).
    public var keepsTags = true
    /// The valid phrases with their keys and lengths.
    private var keyed = KeyedPhrases()
    private var hasher: KeyHasher
    /// The problems found so far, in file order.
    public private(set) var problems: [AudioCacheError] = []

    // Voices and languages that passed validation lately: manifests repeat a few on every line.
    private var validVoices = RecentValues()
    private var validLanguages = RecentValues()

    /// Creates a sink for one file.
    /// - Parameters:
    ///   - path: The path of the file.
    ///   - outerDefaults: Defaults from the folder layout and the command line, already merged.
    ///   - limits: Bounds on the input.
    ///   - keyScheme: How phrases are keyed.
    public init(
        path: String,
        outerDefaults: PhraseDefaults = PhraseDefaults(),
        limits: ManifestLimits = ManifestLimits(),
        keyScheme: KeyScheme = .md5TextVoiceLanguageV1
    ) {
        self.path = path
        self.outerDefaults = outerDefaults
        self.limits = limits
        self.hasher = KeyHasher(scheme: keyScheme)
    }

    /// Makes room for the phrases of a file of `bytes` bytes, so that they are stored without
    /// being copied as they grow.
    /// - Parameter bytes: The size of the file.
    public mutating func reserveCapacity(forFileOfSize bytes: Int) {
        keyed.reserveCapacity(forFileOfSize: bytes)
    }

    /// Whether the file has produced so many problems that reading on is pointless.
    public var isSaturated: Bool { problems.count >= limits.maxProblemsPerFile }

    /// Hands over the phrases collected so far with their keys, leaving the sink without them
    /// (no copy).
    /// - Returns: The valid phrases, in file order, with their keys and lengths.
    public mutating func takeKeyedPhrases() -> KeyedPhrases {
        var taken = KeyedPhrases()
        swap(&taken, &keyed)
        return taken
    }

    /// Records a problem that does not stop the file.
    /// - Parameter problem: The problem, with its location.
    public mutating func report(_ problem: AudioCacheError) {
        if !isSaturated { problems.append(problem) }
    }

    /// Applies the outer defaults to a line, validates it, and keeps the phrase or the problem.
    /// - Parameter raw: What the line says, merged with its file's own defaults.
    public mutating func add(_ raw: consuming RawPhrase) {
        guard var text = raw.text else {
            return report(.badData(at: raw.location, "phrase has no text"))
        }
        var id = raw.id
        let defaults = PhraseDefaults(voiceID: raw.voiceID, language: raw.language, modelID: raw.modelID)
        let (line, column, tags) = (raw.location.line, raw.location.column, raw.tags)
        text.withUTF8 { text in
            if id == nil {
                add(text: text, id: nil, defaults: defaults, tags: tags, line: line, column: column)
            } else {
                id?.withUTF8 { add(text: text, id: $0, defaults: defaults, tags: tags, line: line, column: column) }
            }
        }
    }

    /// Applies the outer defaults to a line given as bytes, validates it, and keeps the phrase or
    /// the problem: what ``add(_:)`` does, without a `String` per text and id.
    /// - Parameters:
    ///   - text: The text, well-formed UTF-8 (readers check it, to name the offending offset).
    ///   - id: The id, well-formed UTF-8, if the line has one.
    ///   - defaults: What the line says about voice, language and model, merged with its file's.
    ///   - tags: The line's tags (ignored unless ``keepsTags``).
    ///   - line: The line where the phrase starts.
    ///   - column: Its column, when the format reports one.
    mutating func add(
        text: UnsafeBufferPointer<UInt8>,
        id: UnsafeBufferPointer<UInt8>?,
        defaults: PhraseDefaults,
        tags: @autoclosure () -> [String: String] = [:],
        line: Int?,
        column: Int? = nil
    ) {
        let facts = hasher.normalize(utf8: text)
        if let problem = FieldRules.problem(withText: facts, maxCharacters: limits.maxTextCharacters) {
            return report(.badData(at: location(line, column), problem))
        }
        guard let voiceID = defaults.voiceID ?? outerDefaults.voiceID else {
            return report(
                .badData(
                    at: location(line, column),
                    "phrase has no voice_id; set it on the line, in the file, by folder or with --voice"
                )
            )
        }
        if !validVoices.contains(voiceID) {
            guard FieldRules.isValidVoiceID(voiceID) else {
                return report(
                    .badData(
                        at: location(line, column),
                        "voice_id \(quoted(voiceID)) is not allowed; use 1-64 of A-Z a-z 0-9 . _ + - starting with a letter or digit"
                    )
                )
            }
            validVoices.insert(voiceID)
        }
        guard let language = defaults.language ?? outerDefaults.language else {
            return report(
                .badData(
                    at: location(line, column),
                    "phrase has no language; set it on the line, in the file, by folder or with --language"
                )
            )
        }
        if !validLanguages.contains(language) {
            guard FieldRules.isValidLanguage(language) else {
                return report(
                    .badData(
                        at: location(line, column),
                        "language \(quoted(language)) is not allowed; use 1-35 of A-Z a-z 0-9 - _ starting with a letter or digit"
                    )
                )
            }
            validLanguages.insert(language)
        }
        let modelID = defaults.modelID ?? outerDefaults.modelID
        if let modelID, !FieldRules.isValidModelID(modelID) {
            return report(
                .badData(
                    at: location(line, column),
                    "model_id \(quoted(modelID)) is not allowed; use 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit"
                )
            )
        }
        if let id, !FieldRules.isValidPhraseID(utf8: id) {
            return report(
                .badData(
                    at: location(line, column),
                    "id \(quoted(String(decoding: id, as: UTF8.self))) is not allowed; use 1-256 characters and no control characters"
                )
            )
        }
        keyed.append(
            text: text,
            id: id,
            key: hasher.key(voiceID: voiceID, language: language),
            characters: facts.scalars,
            voiceID: voiceID,
            language: language,
            modelID: modelID,
            line: line ?? 0,
            column: column ?? 0
        )
        if keepsTags { keyed.appendTags(tags()) }
    }

    private func location(_ line: Int?, _ column: Int?) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }
}

/// A value quoted for an error message, with control characters and anything past 60 characters
/// escaped or cut so that a message always stays on one line.
func quoted(_ value: String) -> String {
    var result = "\""
    var count = 0
    for scalar in value.unicodeScalars {
        count += 1
        if count > 60 {
            result += "…"
            break
        }
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029 {
                result += "\\u{\(FieldRules.hex4(scalar.value))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

/// A few recently seen values, compared byte for byte (Swift's `==` would let the Kelvin sign
/// U+212A pass for a `K` that was checked).
private struct RecentValues: Sendable {
    private var values: [String] = []
    private var next = 0

    func contains(_ value: String) -> Bool {
        values.contains { sameBytes($0, value) }
    }

    mutating func insert(_ value: String) {
        if values.count < 8 {
            values.append(value)
        } else {
            values[next] = value
            next = (next + 1) % values.count
        }
    }
}

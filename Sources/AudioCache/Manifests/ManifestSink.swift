import OrderedCollections

/// Collects the phrases one manifest file yields: applies the outer defaults, validates every
/// field and keeps either the phrase (with its cache key) or a problem naming its line.
///
/// Readers call ``add(_:)`` for every phrase they find and ``report(_:)`` for problems that do
/// not stop the file; problems that make the rest of the file unreadable (malformed syntax) are
/// thrown instead.
struct ManifestSink: Sendable {
    /// The path of the file, as reported in locations.
    let path: String
    /// Defaults from outside the file (folder layout over command line).
    let outerDefaults: PhraseDefaults
    /// Bounds on the input.
    let limits: ManifestLimits
    /// The valid phrases, in file order.
    var phrases: [Phrase] { keyed.phrases(path: path) }
    /// Whether phrases keep their tags. A plan reports none, so the ``Planner`` turns this off and
    /// readers skip building them (they still check them).
    var keepsTags = true
    /// The valid phrases with their keys and lengths.
    private var keyed = KeyedPhrases()
    private var hasher: KeyHasher
    /// The problems found so far, in file order.
    private(set) var problems: [AudioCacheError] = []

    // Voice and language pairs and models that passed validation lately, with their numbers:
    // manifests repeat a few on every line.
    private var recentGroups = RecentValues<Int32>()
    private var recentModels = RecentValues<Int32>()
    /// The key scheme's bytes for each voice and language pair (``KeyHasher/groupSuffix(voiceID:language:)``),
    /// one after another, by group number; `groupSuffixEnds` says where each ends.
    private var groupSuffixes: [UInt8] = []
    private var groupSuffixEnds: [Int] = []

    /// Creates a sink for one file.
    /// - Parameters:
    ///   - path: The path of the file.
    ///   - outerDefaults: Defaults from the folder layout and the command line, already merged.
    ///   - limits: Bounds on the input.
    ///   - keyScheme: How phrases are keyed.
    init(
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

    /// Stores the phrases in the storage of phrases read before, emptied, instead of new storage.
    /// - Parameter storage: Phrases whose storage is no longer needed.
    mutating func reuse(_ storage: consuming KeyedPhrases) {
        keyed = storage.emptied()
        // Groups are numbered afresh.
        groupSuffixes.removeAll()
        groupSuffixEnds.removeAll()
    }

    /// Makes room for the phrases of a file of `bytes` bytes, so that they are stored without
    /// being copied as they grow.
    /// - Parameter bytes: The size of the file.
    mutating func reserveCapacity(forFileOfSize bytes: Int) {
        keyed.reserveCapacity(forFileOfSize: bytes)
    }

    /// Whether the file has produced so many problems that reading on is pointless.
    var isSaturated: Bool { problems.count >= limits.maxProblemsPerFile }

    /// Hands over the phrases collected so far with their keys, leaving the sink without them
    /// (no copy).
    /// - Returns: The valid phrases, in file order, with their keys and lengths.
    mutating func takeKeyedPhrases() -> KeyedPhrases {
        var taken = KeyedPhrases()
        swap(&taken, &keyed)
        return taken
    }

    /// Records a problem that does not stop the file.
    /// - Parameter problem: The problem, with its location.
    mutating func report(_ problem: AudioCacheError) {
        if !isSaturated { problems.append(problem) }
    }

    /// Applies the outer defaults to a line, validates it, and keeps the phrase or the problem.
    /// - Parameter raw: What the line says, merged with its file's own defaults.
    mutating func add(_ raw: consuming RawPhrase) {
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
        func problem(_ message: String) -> AudioCacheError {
            .badData(at: SourceLocation(file: path, line: line, column: column), message)
        }
        let facts = hasher.normalize(utf8: text)
        if let message = FieldRules.problem(withText: facts, maxCharacters: limits.maxTextCharacters) {
            return report(problem(message))
        }
        guard let voiceID = defaults.voiceID ?? outerDefaults.voiceID else {
            return report(problem("phrase has no voice_id; set it on the line, in the file, by folder or with --voice"))
        }
        let group: Int32
        if let known = recentGroups.value(for: voiceID, defaults.language ?? outerDefaults.language ?? "") {
            group = known
        } else {
            guard FieldRules.isValidVoiceID(voiceID) else {
                return report(problem(FieldRules.Field.voiceID.refusal(of: voiceID)))
            }
            guard let language = defaults.language ?? outerDefaults.language else {
                return report(
                    problem("phrase has no language; set it on the line, in the file, by folder or with --language")
                )
            }
            guard FieldRules.isValidLanguage(language) else {
                return report(problem(FieldRules.Field.language.refusal(of: language)))
            }
            group = keyed.group(voiceID: voiceID, language: language)
            recentGroups.insert(group, for: voiceID, language)
        }
        var model: Int32 = -1
        if let modelID = defaults.modelID ?? outerDefaults.modelID {
            if let known = recentModels.value(for: modelID, "") {
                model = known
            } else {
                guard FieldRules.isValidModelID(modelID) else {
                    return report(problem(FieldRules.Field.modelID.refusal(of: modelID)))
                }
                model = keyed.model(modelID)
                recentModels.insert(model, for: modelID, "")
            }
        }
        if let id, !FieldRules.isValidPhraseID(utf8: id) {
            return report(problem(FieldRules.Field.phraseID.refusal(of: String(decoding: id, as: UTF8.self))))
        }
        while groupSuffixEnds.count <= Int(group) {
            let groupKey = keyed.groups.elements[groupSuffixEnds.count]
            groupSuffixes += hasher.groupSuffix(voiceID: groupKey.voiceID, language: groupKey.language)
            groupSuffixEnds.append(groupSuffixes.count)
        }
        let suffixStart = group == 0 ? 0 : groupSuffixEnds[Int(group) - 1]
        let key = groupSuffixes.withUnsafeBufferPointer { suffixes in
            hasher.key(groupSuffix: UnsafeBufferPointer(rebasing: suffixes[suffixStart..<groupSuffixEnds[Int(group)]]))
        }
        keyed.append(
            text: text,
            id: id,
            key: key,
            characters: facts.scalars,
            group: group,
            model: model,
            line: line ?? 0,
            column: column ?? 0
        )
        if keepsTags { keyed.appendTags(tags()) }
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

/// Values remembered for recently seen pairs of strings (a voice and a language, a model),
/// compared byte for byte: Swift's `==` would let the Kelvin sign U+212A pass for a `K` that was
/// checked.
private struct RecentValues<Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var first: String
        var second: String
        var value: Value
    }

    private var cache = RecentCache<Entry>()

    func value(for first: String, _ second: String) -> Value? {
        cache.entry(hash: Self.hash(first, second)) { sameBytes($0.first, first) && sameBytes($0.second, second) }?
            .value
    }

    mutating func insert(_ value: Value, for first: String, _ second: String) {
        cache.insert(Entry(first: first, second: second, value: value), hash: Self.hash(first, second))
    }

    private static func hash(_ first: String, _ second: String) -> UInt64 {
        FNV1a.hash(second, from: FNV1a.mix(FNV1a.hash(first), 0xFF))
    }
}

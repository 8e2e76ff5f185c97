import OrderedCollections

/// The valid phrases of one file with their cache keys, stored compactly: one fixed-size record
/// per phrase, texts and ids in one ``ByteStore``, voices, languages and models numbered.
///
/// A ``ManifestSink`` fills it while a file is read (in parallel with other files) and the
/// ``PlanBuilder`` merges it, so that no phrase costs a heap object on the way to the plan.
struct KeyedPhrases: Sendable {
    /// One phrase.
    struct Entry: Sendable {
        var key: CacheKey
        var text: ByteSpan
        /// ``ByteSpan/none`` when the phrase has no id.
        var id: ByteSpan
        /// The ``FNV1a`` hash of the id's bytes, computed while files are read in parallel so that
        /// the merge only mixes in the group; 0 without an id.
        var idHash: UInt64
        /// The text's length in Unicode scalars.
        var characters: Int32
        var line: Int32
        /// 0 when the format reports no column.
        var column: Int32
        /// Number in ``KeyedPhrases/groups``.
        var group: Int32
        /// Number in ``KeyedPhrases/models``, or -1.
        var model: Int32
    }

    private(set) var entries: [Entry] = []
    private(set) var strings = ByteStore()
    /// The voice and language pairs, numbered in order of first use.
    private(set) var groups = OrderedSet<GroupKey>()
    /// The models, numbered in order of first use.
    private(set) var models = OrderedSet<String>()
    /// Each phrase's tags, when they are kept; empty otherwise.
    private(set) var tags: [[String: String]] = []

    /// The number of phrases.
    var count: Int { entries.count }

    /// No phrases.
    init() {}

    /// Keys every phrase.
    /// - Parameters:
    ///   - phrases: The phrases, in file order.
    ///   - scheme: The key scheme.
    init(_ phrases: [Phrase], scheme: KeyScheme) {
        var hasher = KeyHasher(scheme: scheme)
        for phrase in phrases {
            var text = phrase.text
            var id = phrase.id
            text.withUTF8 { text in
                // Normalizing counts the scalars on the way, as it does for the sink.
                let characters = hasher.normalize(utf8: text).scalars
                let key = hasher.key(voiceID: phrase.voiceID, language: phrase.language)
                if id == nil {
                    append(phrase, text: text, id: nil, key: key, characters: characters)
                } else {
                    id?.withUTF8 { append(phrase, text: text, id: $0, key: key, characters: characters) }
                }
            }
            tags.append(phrase.tags)
        }
    }

    private mutating func append(
        _ phrase: Phrase,
        text: UnsafeBufferPointer<UInt8>,
        id: UnsafeBufferPointer<UInt8>?,
        key: CacheKey,
        characters: Int
    ) {
        append(
            text: text,
            id: id,
            key: key,
            characters: characters,
            group: group(voiceID: phrase.voiceID, language: phrase.language),
            model: phrase.modelID.map { model($0) } ?? -1,
            line: phrase.location.line ?? 0,
            column: phrase.location.column ?? 0
        )
    }

    /// These phrases' storage, emptied, for another file (its room is kept).
    consuming func emptied() -> KeyedPhrases {
        entries.removeAll(keepingCapacity: true)
        strings.removeAll()
        groups.removeAll(keepingCapacity: true)
        models.removeAll(keepingCapacity: true)
        tags.removeAll(keepingCapacity: true)
        return self
    }

    /// Makes room for the phrases of a file of `bytes` bytes, whose texts and ids take at most as
    /// many bytes (room reserved and never written costs address space, not memory).
    mutating func reserveCapacity(forFileOfSize bytes: Int) {
        strings.reserveCapacity(adding: bytes)
        entries.reserveCapacity(bytes / 64)
        entries.adviseHugePages()
    }

    /// Stores one phrase that passed validation.
    mutating func append(
        text: UnsafeBufferPointer<UInt8>,
        id: UnsafeBufferPointer<UInt8>?,
        key: CacheKey,
        characters: Int,
        group: Int32,
        model: Int32,
        line: Int,
        column: Int
    ) {
        let textSpan = strings.append(text)
        let idSpan = id.map { strings.append($0) } ?? .none
        entries.append(
            Entry(
                key: key,
                text: textSpan,
                id: idSpan,
                idHash: id.map { FNV1a.hash($0) } ?? 0,
                characters: Int32(clamping: characters),
                line: Int32(clamping: line),
                column: Int32(clamping: column),
                group: group,
                model: model
            )
        )
    }

    /// Keeps the tags of the phrase appended last.
    mutating func appendTags(_ phraseTags: [String: String]) {
        tags.append(phraseTags)
    }

    /// The phrases, as values (for tests and callers that want them; the plan reads the entries).
    /// - Parameter path: The file the phrases were read from.
    /// - Returns: One ``Phrase`` per entry, in file order.
    func phrases(path: String) -> [Phrase] {
        entries.indices.map { index in
            let entry = entries[index]
            let group = groups.elements[Int(entry.group)]
            return Phrase(
                text: strings.string(entry.text) ?? "",
                voiceID: group.voiceID,
                language: group.language,
                modelID: entry.model < 0 ? nil : models.elements[Int(entry.model)],
                id: strings.string(entry.id),
                tags: index < tags.count ? tags[index] : [:],
                location: SourceLocation(
                    file: path,
                    line: entry.line == 0 ? nil : Int(entry.line),
                    column: entry.column == 0 ? nil : Int(entry.column)
                )
            )
        }
    }

    /// The number of a voice and language pair, after numbering it if it is new.
    ///
    /// Voices and languages are checked before they get here, so they are ASCII and `String`'s
    /// equality is byte equality.
    mutating func group(voiceID: String, language: String) -> Int32 {
        groups.number(of: GroupKey(voiceID: voiceID, language: language)).number
    }

    /// The number of a model, after numbering it if it is new (models are ASCII, as voices).
    mutating func model(_ modelID: String) -> Int32 {
        models.number(of: modelID).number
    }
}

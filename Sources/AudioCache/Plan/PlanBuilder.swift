/// Merges keyed phrases, file by file, into a ``Plan``: deduplicates by key, counts per voice and
/// language, and notices collisions and id conflicts.
///
/// A pure value with no I/O: feed it files in order with ``add(file:phrases:)`` and call
/// ``finish(keyScheme:inventory:)``. Memory grows with the number of phrases by one compact
/// source record each, plus one ``Rendering`` per unique key.
public struct PlanBuilder: Sendable {
    private var occurrences = PlanOccurrences()
    private var renderings: [Rendering] = []
    private var indexByKey: [CacheKey: Int32] = [:]
    private var groupIndex: [GroupKey: Int32] = [:]
    private var lastGroup: (key: GroupKey, index: Int32)?
    private var phrasesPerGroup: [Int] = []
    private var collided: Set<Int32> = []
    private var firstSourceByID: [IDKey: Int32] = [:]
    private var conflictingIDs: Set<IDKey> = []
    private var problems: [AudioCacheError] = []

    /// Creates an empty builder.
    public init() {}

    /// Adds the phrases of one file, in file order, with their keys.
    ///
    /// Reserve room first with ``reserveCapacity(phrases:)`` when the total is known.
    /// - Parameters:
    ///   - file: The file's path as shown to the user.
    ///   - phrases: The file's valid phrases and their keys.
    public mutating func add(file: String, phrases: KeyedPhrases) {
        let keyed = phrases
        let fileIndex = Int32(occurrences.files.count)
        occurrences.files.append(file)
        let count = keyed.phrases.count
        occurrences.sources.reserveCapacity(occurrences.sources.count + count)
        occurrences.sourceRendering.reserveCapacity(occurrences.sources.count + count)
        for index in keyed.phrases.indices {
            add(keyed.phrases[index], key: keyed.keys[index], characters: keyed.characters[index], fileIndex: fileIndex)
        }
    }

    /// Makes room for about `phrases` more phrases, so that the indexes do not grow step by step.
    /// - Parameter phrases: The number of phrases expected.
    public mutating func reserveCapacity(phrases: Int) {
        indexByKey.reserveCapacity(indexByKey.count + phrases)
        firstSourceByID.reserveCapacity(firstSourceByID.count + phrases)
    }

    /// Records problems that were skipped over, to report with the plan.
    /// - Parameter skipped: The problems.
    public mutating func skip(_ skipped: [AudioCacheError]) {
        problems.append(contentsOf: skipped)
    }

    private mutating func add(_ phrase: Phrase, key: CacheKey, characters: Int, fileIndex: Int32) {
        let sourceIndex = Int32(occurrences.sources.count)
        occurrences.sources.append(
            CompactSource(
                file: fileIndex,
                line: Int32(clamping: phrase.location.line ?? 0),
                column: Int32(clamping: phrase.location.column ?? 0),
                id: phrase.id
            )
        )
        let candidate = Int32(renderings.count)
        let renderingIndex = Self.insert(key, candidate, into: &indexByKey)
        let group: Int32
        if renderingIndex == candidate {
            group = self.group(voiceID: phrase.voiceID, language: phrase.language)
            occurrences.renderingGroups.append(group)
            renderings.append(
                Rendering(
                    key: key,
                    text: phrase.text,
                    voiceID: phrase.voiceID,
                    language: phrase.language,
                    modelID: phrase.modelID,
                    characters: characters,
                    occurrences: 1,
                    firstSource: occurrences.source(Int(sourceIndex)),
                    status: .missing
                )
            )
        } else {
            let index = Int(renderingIndex)
            group = occurrences.renderingGroups[index]
            renderings[index].occurrences += 1
            if !sameBytes(phrase.text, renderings[index].text) || phrase.modelID != renderings[index].modelID {
                occurrences.differing[sourceIndex] = Variant(text: phrase.text, modelID: phrase.modelID)
                collided.insert(renderingIndex)
            }
        }
        occurrences.sourceRendering.append(renderingIndex)
        phrasesPerGroup[Int(group)] += 1
        if let id = phrase.id {
            let idKey = IDKey(id: id, group: group)
            let first = Self.insert(idKey, sourceIndex, into: &firstSourceByID)
            if first != sourceIndex && !sameBytes(text(ofSource: first), phrase.text) {
                conflictingIDs.insert(idKey)
            }
        }
    }

    /// The value stored for `key`, after storing `value` if there was none: one hash lookup.
    private static func insert<Key: Hashable>(_ key: Key, _ value: Int32, into dictionary: inout [Key: Int32]) -> Int32
    {
        func read(_ stored: inout Int32) -> Int32 { stored }
        return read(&dictionary[key, default: value])
    }

    private mutating func group(voiceID: String, language: String) -> Int32 {
        if let lastGroup, sameBytes(lastGroup.key.voiceID, voiceID), sameBytes(lastGroup.key.language, language) {
            return lastGroup.index
        }
        let key = GroupKey(voiceID: voiceID, language: language)
        let candidate = Int32(occurrences.groups.count)
        let index = Self.insert(key, candidate, into: &groupIndex)
        if index == candidate {
            occurrences.groups.append(key)
            phrasesPerGroup.append(0)
        }
        lastGroup = (key, index)
        return index
    }

    private func text(ofSource index: Int32) -> String {
        occurrences.differing[index]?.text ?? renderings[Int(occurrences.sourceRendering[Int(index)])].text
    }

    /// The finished plan, with each rendering's status taken from `inventory`.
    /// - Parameters:
    ///   - keyScheme: The scheme the keys were made with.
    ///   - inventory: What the cache holds.
    /// - Returns: The plan.
    public consuming func finish(keyScheme: KeyScheme, inventory: some CacheInventory) -> Plan {
        var finished = renderings
        renderings = []
        let groups = occurrences.groups
        var counts = [PlanCounts](repeating: PlanCounts(), count: groups.count)
        for (index, count) in phrasesPerGroup.enumerated() { counts[index].phrases = count }
        for index in finished.indices {
            let status = inventory.status(of: finished[index])
            finished[index].status = status
            let characters = finished[index].characters
            let group = Int(occurrences.renderingGroups[index])
            counts[group].renderings += 1
            counts[group].characters += characters
            switch status {
            case .cached: counts[group].cached += 1
            case .missing: counts[group].missing += 1
            case .stale: counts[group].stale += 1
            }
            if status != .cached { counts[group].charactersToFetch += characters }
        }
        for index in collided { counts[Int(occurrences.renderingGroups[Int(index)])].collisions += 1 }
        var planGroups = zip(groups, counts).map { key, counts in
            PlanGroup(voiceID: key.voiceID, language: key.language, counts: counts)
        }
        planGroups.sort {
            if !sameBytes($0.voiceID, $1.voiceID) { return $0.voiceID.utf8.lexicographicallyPrecedes($1.voiceID.utf8) }
            return $0.language.utf8.lexicographicallyPrecedes($1.language.utf8)
        }
        var totals = PlanCounts()
        for group in planGroups { totals.add(group.counts) }
        var details = occurrences
        details.collided = collided.sorted()
        details.conflictingIDs = conflictingIDs.sorted {
            firstSourceByID[$0, default: 0] < firstSourceByID[$1, default: 0]
        }
        return Plan(
            keyScheme: keyScheme,
            renderings: finished,
            groups: planGroups,
            totals: totals,
            problems: problems,
            occurrences: details
        )
    }
}

/// The phrases of one file with their cache keys and lengths, computed once (in parallel, by
/// the ``Planner``) before they are merged.
public struct KeyedPhrases: Sendable {
    /// The phrases, in file order.
    public var phrases: [Phrase]
    /// The key of each phrase.
    public var keys: [CacheKey]
    /// The length of each phrase's text in Unicode scalars.
    public var characters: [Int]

    /// Keys every phrase.
    /// - Parameters:
    ///   - phrases: The phrases, in file order.
    ///   - scheme: The key scheme.
    public init(_ phrases: [Phrase], scheme: KeyScheme) {
        var hasher = KeyHasher(scheme: scheme)
        var keys: [CacheKey] = []
        var characters: [Int] = []
        keys.reserveCapacity(phrases.count)
        characters.reserveCapacity(phrases.count)
        for phrase in phrases {
            keys.append(hasher.key(text: phrase.text, voiceID: phrase.voiceID, language: phrase.language))
            characters.append(scalarCount(phrase.text))
        }
        self.phrases = phrases
        self.keys = keys
        self.characters = characters
    }
}

/// The number of Unicode scalars in `text` (Python's `len`), counted on its UTF-8 bytes.
func scalarCount(_ text: String) -> Int {
    var text = text
    return text.withUTF8 { bytes in
        var count = 0
        for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }
}

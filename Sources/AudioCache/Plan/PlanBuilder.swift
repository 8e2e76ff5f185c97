/// Merges keyed phrases, file by file, into a ``Plan``: deduplicates by key, counts per voice and
/// language, and notices collisions and id conflicts.
///
/// A pure value with no I/O: feed it files in order with ``add(file:phrases:)`` and call
/// ``finish(keyScheme:inventory:)``. Memory grows with the number of phrases by one compact
/// source record each, plus one ``Rendering`` per unique key.
public struct PlanBuilder: Sendable {
    private var list = RenderingList()
    private var indexByKey: [CacheKey: Int32] = [:]
    private var groupIndex: [GroupKey: Int32] = [:]
    private var lastGroup: (key: GroupKey, index: Int32)?
    private var modelIndex: [String: Int32] = [:]
    private var phrasesPerGroup: [Int] = []
    private var collided: Set<Int32> = []
    /// The first source of each id (within a group), by a 64-bit hash of the id and group.
    private var firstSourceByIDHash: [UInt64: Int32] = [:]
    /// The same, exactly, for the rare ids whose hash another id already holds.
    private var firstSourceByID: [IDKey: Int32] = [:]
    /// Ids used for different texts, with their first source.
    private var conflictingIDs: [IDKey: Int32] = [:]
    private var problems: [AudioCacheError] = []

    /// How ids are hashed for ``firstSource(ofID:group:sourceIndex:)``; replaceable in tests.
    private let idHash: @Sendable (String, Int32) -> UInt64

    /// Creates an empty builder.
    public init() {
        idHash = Self.hash(id:group:)
    }

    /// Creates an empty builder that hashes ids with `idHash`, so that tests can force collisions.
    init(idHash: @escaping @Sendable (String, Int32) -> UInt64) {
        self.idHash = idHash
    }

    /// Makes room for about `phrases` more phrases, so that the indexes do not grow step by step.
    /// - Parameter phrases: The number of phrases expected.
    public mutating func reserveCapacity(phrases: Int) {
        let total = list.occurrences.sources.count + phrases
        // Grow geometrically: reserving exactly what each file needs would rehash every time.
        if indexByKey.capacity < total {
            let capacity = max(total, indexByKey.capacity * 2)
            indexByKey.reserveCapacity(capacity)
            list.reserveCapacity(capacity)
        }
        if firstSourceByIDHash.capacity < total {
            firstSourceByIDHash.reserveCapacity(max(total, firstSourceByIDHash.capacity * 2))
        }
        if list.occurrences.sources.capacity < total {
            let capacity = max(total, list.occurrences.sources.capacity * 2)
            list.occurrences.sources.reserveCapacity(capacity)
            list.occurrences.sourceRendering.reserveCapacity(capacity)
        }
    }

    /// Adds the phrases of one file, in file order, with their keys.
    ///
    /// Reserve room first with ``reserveCapacity(phrases:)`` when the total is known.
    /// - Parameters:
    ///   - file: The file's path as shown to the user.
    ///   - phrases: The file's valid phrases and their keys.
    public mutating func add(file: String, phrases: KeyedPhrases) {
        let fileIndex = Int32(list.occurrences.files.count)
        list.occurrences.files.append(file)
        for index in phrases.phrases.indices {
            add(
                phrases.phrases[index],
                key: phrases.keys[index],
                characters: phrases.characters[index],
                fileIndex: fileIndex
            )
        }
    }

    /// Records problems that were skipped over, to report with the plan.
    /// - Parameter skipped: The problems.
    public mutating func skip(_ skipped: [AudioCacheError]) {
        problems.append(contentsOf: skipped)
    }

    private mutating func add(_ phrase: Phrase, key: CacheKey, characters: Int, fileIndex: Int32) {
        let sourceIndex = Int32(list.occurrences.sources.count)
        list.occurrences.sources.append(
            CompactSource(
                file: fileIndex,
                line: Int32(clamping: phrase.location.line ?? 0),
                column: Int32(clamping: phrase.location.column ?? 0),
                id: phrase.id
            )
        )
        let candidate = Int32(list.keys.count)
        let renderingIndex = Self.insert(key, candidate, into: &indexByKey)
        let group: Int32
        let model = self.model(phrase.modelID)
        if renderingIndex == candidate {
            group = self.group(voiceID: phrase.voiceID, language: phrase.language)
            list.keys.append(key)
            list.texts.append(phrase.text)
            list.groupIndices.append(group)
            list.modelIndices.append(model)
            list.characterCounts.append(Int32(clamping: characters))
            list.occurrenceCounts.append(1)
            list.firstSources.append(sourceIndex)
            list.statuses.append(.missing)
        } else {
            let index = Int(renderingIndex)
            group = list.groupIndices[index]
            list.occurrenceCounts[index] += 1
            if model != list.modelIndices[index] || !sameBytes(phrase.text, list.texts[index]) {
                list.occurrences.differing[sourceIndex] = Variant(text: phrase.text, modelID: phrase.modelID)
                collided.insert(renderingIndex)
            }
        }
        list.occurrences.sourceRendering.append(renderingIndex)
        phrasesPerGroup[Int(group)] += 1
        if let id = phrase.id {
            let first = firstSource(ofID: id, group: group, sourceIndex: sourceIndex)
            if first != sourceIndex && !sameBytes(text(ofSource: first), phrase.text) {
                conflictingIDs[IDKey(id: id, group: group)] = first
            }
        }
    }

    /// The first source that used `id` in `group`, after recording `sourceIndex` if none did.
    ///
    /// Looks the id up by a 64-bit hash of its bytes (cheap to hash, small to store) and checks
    /// the bytes of the source found; an id whose hash is taken by another id goes to an exact
    /// table instead, so a hash collision can never merge two ids.
    private mutating func firstSource(ofID id: String, group: Int32, sourceIndex: Int32) -> Int32 {
        let first = Self.insert(idHash(id, group), sourceIndex, into: &firstSourceByIDHash)
        if first == sourceIndex { return first }
        if let firstID = list.occurrences.sources[Int(first)].id, sameBytes(firstID, id),
            list.groupIndices[Int(list.occurrences.sourceRendering[Int(first)])] == group
        {
            return first
        }
        return Self.insert(IDKey(id: id, group: group), sourceIndex, into: &firstSourceByID)
    }

    /// FNV-1a over the id's UTF-8 bytes, then the group.
    private static func hash(id: String, group: Int32) -> UInt64 {
        var id = id
        return id.withUTF8 { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            return (hash ^ UInt64(UInt32(bitPattern: group))) &* 0x100_0000_01b3
        }
    }

    /// The value stored for `key`, after storing `value` if there was none: one hash lookup.
    private static func insert<Key: Hashable>(_ key: Key, _ value: Int32, into dictionary: inout [Key: Int32]) -> Int32
    {
        func read(_ stored: inout Int32) -> Int32 { stored }
        return read(&dictionary[key, default: value])
    }

    private mutating func model(_ modelID: String?) -> Int32 {
        guard let modelID else { return -1 }
        let candidate = Int32(list.modelNames.count)
        let index = Self.insert(modelID, candidate, into: &modelIndex)
        if index == candidate { list.modelNames.append(modelID) }
        return index
    }

    private mutating func group(voiceID: String, language: String) -> Int32 {
        if let lastGroup, sameBytes(lastGroup.key.voiceID, voiceID), sameBytes(lastGroup.key.language, language) {
            return lastGroup.index
        }
        let key = GroupKey(voiceID: voiceID, language: language)
        let candidate = Int32(list.groups.count)
        let index = Self.insert(key, candidate, into: &groupIndex)
        if index == candidate {
            list.groups.append(key)
            phrasesPerGroup.append(0)
        }
        lastGroup = (key, index)
        return index
    }

    private func text(ofSource index: Int32) -> String {
        list.occurrences.differing[index]?.text ?? list.texts[Int(list.occurrences.sourceRendering[Int(index)])]
    }

    /// The finished plan, with each rendering's status taken from `inventory`.
    /// - Parameters:
    ///   - keyScheme: The scheme the keys were made with.
    ///   - inventory: What the cache holds.
    /// - Returns: The plan.
    public consuming func finish(keyScheme: KeyScheme, inventory: some CacheInventory) -> Plan {
        var finished = list
        list = RenderingList()
        finished.statuses = inventory.statuses(of: finished)
        var counts = [PlanCounts](repeating: PlanCounts(), count: finished.groups.count)
        for (index, count) in phrasesPerGroup.enumerated() { counts[index].phrases = count }
        for index in finished.indices {
            let characters = Int(finished.characterCounts[index])
            let group = Int(finished.groupIndices[index])
            counts[group].renderings += 1
            counts[group].characters += characters
            switch finished.statuses[index] {
            case .cached: counts[group].cached += 1
            case .missing: counts[group].missing += 1
            case .stale: counts[group].stale += 1
            }
            if finished.statuses[index] != .cached { counts[group].charactersToFetch += characters }
        }
        for index in collided { counts[Int(finished.groupIndices[Int(index)])].collisions += 1 }
        var planGroups = zip(finished.groups, counts).map { key, counts in
            PlanGroup(voiceID: key.voiceID, language: key.language, counts: counts)
        }
        planGroups.sort {
            if !sameBytes($0.voiceID, $1.voiceID) { return $0.voiceID.utf8.lexicographicallyPrecedes($1.voiceID.utf8) }
            return $0.language.utf8.lexicographicallyPrecedes($1.language.utf8)
        }
        var totals = PlanCounts()
        for group in planGroups { totals.add(group.counts) }
        finished.occurrences.collided = collided.sorted()
        finished.occurrences.conflictingIDs = conflictingIDs.sorted { $0.value < $1.value }.map(\.key)
        return Plan(
            keyScheme: keyScheme,
            renderings: finished,
            groups: planGroups,
            totals: totals,
            problems: problems
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
            characters.append(phrase.text.unicodeScalars.count)
        }
        self.phrases = phrases
        self.keys = keys
        self.characters = characters
    }

    /// No phrases.
    init() {
        phrases = []
        keys = []
        characters = []
    }

    mutating func append(_ phrase: consuming Phrase, key: CacheKey, characters count: Int) {
        phrases.append(phrase)
        keys.append(key)
        characters.append(count)
    }
}

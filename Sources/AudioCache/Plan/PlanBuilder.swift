/// Merges keyed phrases, file by file, into a ``Plan``: deduplicates by key, counts per voice and
/// language, and notices collisions and id conflicts.
///
/// A pure value with no I/O: feed it files in order with ``add(file:phrases:)`` and call
/// ``finish(keyScheme:inventory:)``. Memory grows with the number of phrases by one compact
/// source record each, plus one ``Rendering`` per unique key.
public struct PlanBuilder: Sendable {
    private var files: [String] = []
    private var renderings: [Rendering] = []
    private var renderingGroups: [Int32] = []
    private var indexByKey: [CacheKey: Int32] = [:]
    private var groups: [GroupKey] = []
    private var groupIndex: [GroupKey: Int32] = [:]
    private var phrasesPerGroup: [Int] = []
    private var sources: [CompactSource] = []
    private var sourceRendering: [Int32] = []
    // Occurrences whose text or model differs from their rendering's, by source index.
    private var differing: [Int32: Variant] = [:]
    private var collided: Set<Int32> = []
    private var firstSourceByID: [IDKey: Int32] = [:]
    private var conflictingIDs: Set<IDKey> = []
    private var problems: [AudioCacheError] = []

    /// Creates an empty builder.
    public init() {}

    /// Adds the phrases of one file, in file order, with their keys.
    /// - Parameters:
    ///   - file: The file's path as shown to the user.
    ///   - phrases: The file's valid phrases and their keys.
    public mutating func add(file: String, phrases: [KeyedPhrase]) {
        let fileIndex = Int32(files.count)
        files.append(file)
        sources.reserveCapacity(sources.count + phrases.count)
        sourceRendering.reserveCapacity(sources.count + phrases.count)
        for keyed in phrases { add(keyed, fileIndex: fileIndex) }
    }

    /// Records problems that were skipped over, to report with the plan.
    /// - Parameter skipped: The problems.
    public mutating func skip(_ skipped: [AudioCacheError]) {
        problems.append(contentsOf: skipped)
    }

    private mutating func add(_ keyed: KeyedPhrase, fileIndex: Int32) {
        let phrase = keyed.phrase
        let sourceIndex = Int32(sources.count)
        sources.append(
            CompactSource(
                file: fileIndex,
                line: Int32(clamping: phrase.location.line ?? 0),
                column: Int32(clamping: phrase.location.column ?? 0),
                id: phrase.id
            )
        )
        let renderingIndex: Int32
        if let existing = indexByKey[keyed.key] {
            renderingIndex = existing
            let index = Int(existing)
            renderings[index].occurrences += 1
            if !sameBytes(phrase.text, renderings[index].text) || phrase.modelID != renderings[index].modelID {
                differing[sourceIndex] = Variant(text: phrase.text, modelID: phrase.modelID)
                collided.insert(existing)
            }
        } else {
            renderingIndex = Int32(renderings.count)
            indexByKey[keyed.key] = renderingIndex
            let group = self.group(voiceID: phrase.voiceID, language: phrase.language)
            renderingGroups.append(group)
            renderings.append(
                Rendering(
                    key: keyed.key,
                    text: phrase.text,
                    voiceID: phrase.voiceID,
                    language: phrase.language,
                    modelID: phrase.modelID,
                    characters: phrase.text.unicodeScalars.count,
                    occurrences: 1,
                    firstSource: PhraseSource(file: "", line: 0),
                    status: .missing
                )
            )
        }
        sourceRendering.append(renderingIndex)
        let group = renderingGroups[Int(renderingIndex)]
        phrasesPerGroup[Int(group)] += 1
        if let id = phrase.id {
            let idKey = IDKey(id: id, group: group)
            if let first = firstSourceByID[idKey] {
                if !sameBytes(text(ofSource: first), phrase.text) { conflictingIDs.insert(idKey) }
            } else {
                firstSourceByID[idKey] = sourceIndex
            }
        }
    }

    private mutating func group(voiceID: String, language: String) -> Int32 {
        let key = GroupKey(voiceID: voiceID, language: language)
        if let index = groupIndex[key] { return index }
        let index = Int32(groups.count)
        groups.append(key)
        groupIndex[key] = index
        phrasesPerGroup.append(0)
        return index
    }

    private func text(ofSource index: Int32) -> String {
        differing[index]?.text ?? renderings[Int(sourceRendering[Int(index)])].text
    }

    private func variant(ofSource index: Int32) -> Variant {
        if let variant = differing[index] { return variant }
        let rendering = renderings[Int(sourceRendering[Int(index)])]
        return Variant(text: rendering.text, modelID: rendering.modelID)
    }

    private func source(_ index: Int32) -> PhraseSource {
        let compact = sources[Int(index)]
        return PhraseSource(
            file: files[Int(compact.file)],
            line: Int(compact.line),
            column: compact.column == 0 ? nil : Int(compact.column),
            id: compact.id
        )
    }

    /// The finished plan, with each rendering's status taken from `inventory`.
    /// - Parameters:
    ///   - keyScheme: The scheme the keys were made with.
    ///   - inventory: What the cache holds.
    /// - Returns: The plan.
    public func finish(keyScheme: KeyScheme, inventory: some CacheInventory) -> Plan {
        var finished = renderings
        var counts = [PlanCounts](repeating: PlanCounts(), count: groups.count)
        for (index, count) in phrasesPerGroup.enumerated() { counts[index].phrases = count }
        var firstSourceSeen = [Bool](repeating: false, count: renderings.count)
        for (sourceIndex, renderingIndex) in sourceRendering.enumerated() where !firstSourceSeen[Int(renderingIndex)] {
            firstSourceSeen[Int(renderingIndex)] = true
            finished[Int(renderingIndex)].firstSource = source(Int32(sourceIndex))
        }
        for index in finished.indices {
            let status = inventory.status(of: finished[index])
            finished[index].status = status
            let characters = finished[index].characters
            let group = Int(renderingGroups[index])
            counts[group].renderings += 1
            counts[group].characters += characters
            switch status {
            case .cached: counts[group].cached += 1
            case .missing: counts[group].missing += 1
            case .stale: counts[group].stale += 1
            }
            if status != .cached { counts[group].charactersToFetch += characters }
            if collided.contains(Int32(index)) { counts[group].collisions += 1 }
        }
        var planGroups = zip(groups, counts).map { key, counts in
            PlanGroup(voiceID: key.voiceID, language: key.language, counts: counts)
        }
        planGroups.sort {
            if $0.voiceID != $1.voiceID { return $0.voiceID.utf8.lexicographicallyPrecedes($1.voiceID.utf8) }
            return $0.language.utf8.lexicographicallyPrecedes($1.language.utf8)
        }
        var totals = PlanCounts()
        for group in planGroups { totals.add(group.counts) }
        return Plan(
            keyScheme: keyScheme,
            files: files,
            renderings: finished,
            groups: planGroups,
            totals: totals,
            collisions: collisions(in: finished),
            idConflicts: idConflicts(),
            problems: problems
        )
    }

    private func collisions(in finished: [Rendering]) -> [Collision] {
        guard !collided.isEmpty else { return [] }
        var variants: [Int32: VariantList] = [:]
        for (sourceIndex, renderingIndex) in sourceRendering.enumerated() where collided.contains(renderingIndex) {
            variants[renderingIndex, default: VariantList()].add(
                variant(ofSource: Int32(sourceIndex)),
                source: source(Int32(sourceIndex))
            )
        }
        return collided.sorted().map { index in
            let rendering = finished[Int(index)]
            return Collision(
                key: rendering.key,
                voiceID: rendering.voiceID,
                language: rendering.language,
                variants: variants[index, default: VariantList()].variants
            )
        }
    }

    private func idConflicts() -> [IDConflict] {
        guard !conflictingIDs.isEmpty else { return [] }
        var variants: [IDKey: VariantList] = [:]
        for (sourceIndex, compact) in sources.enumerated() {
            guard let id = compact.id else { continue }
            let key = IDKey(id: id, group: renderingGroups[Int(sourceRendering[sourceIndex])])
            guard conflictingIDs.contains(key) else { continue }
            var variant = variant(ofSource: Int32(sourceIndex))
            variant.modelID = nil
            variants[key, default: VariantList()].add(variant, source: source(Int32(sourceIndex)))
        }
        return conflictingIDs.sorted { firstSourceByID[$0, default: 0] < firstSourceByID[$1, default: 0] }.map { key in
            let group = groups[Int(key.group)]
            return IDConflict(
                id: key.id,
                voiceID: group.voiceID,
                language: group.language,
                variants: variants[key, default: VariantList()].variants
            )
        }
    }
}

/// A phrase with its cache key.
public struct KeyedPhrase: Sendable {
    /// The cache key of the phrase.
    public var key: CacheKey
    /// The phrase.
    public var phrase: Phrase

    /// Pairs a phrase with its key.
    /// - Parameters:
    ///   - key: The key.
    ///   - phrase: The phrase.
    public init(key: CacheKey, phrase: Phrase) {
        self.key = key
        self.phrase = phrase
    }
}

private struct CompactSource: Sendable {
    var file: Int32
    var line: Int32
    var column: Int32
    var id: String?
}

private struct GroupKey: Hashable, Sendable {
    var voiceID: String
    var language: String
}

private struct IDKey: Hashable, Sendable {
    var id: String
    var group: Int32
}

private struct Variant: Hashable, Sendable {
    var text: String
    var modelID: String?

    static func == (lhs: Self, rhs: Self) -> Bool {
        sameBytes(lhs.text, rhs.text) && lhs.modelID == rhs.modelID
    }

    func hash(into hasher: inout Hasher) {
        for byte in text.utf8 { hasher.combine(byte) }
        hasher.combine(modelID)
    }
}

/// Variants in order of first appearance, each with its sources.
private struct VariantList {
    var variants: [PhraseVariant] = []
    var positions: [Variant: Int] = [:]

    mutating func add(_ variant: Variant, source: PhraseSource) {
        if let position = positions[variant] {
            variants[position].sources.append(source)
        } else {
            positions[variant] = variants.count
            variants.append(PhraseVariant(text: variant.text, modelID: variant.modelID, sources: [source]))
        }
    }
}

/// Byte equality: Swift's `==` on strings treats canonically equivalent texts (NFC and NFD) as
/// equal, but the cache key does not.
func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8)
}

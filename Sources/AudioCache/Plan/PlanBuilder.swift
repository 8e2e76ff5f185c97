import OrderedCollections

/// Merges keyed phrases, file by file, into a ``Plan``: deduplicates by key, counts per voice and
/// language, and notices collisions and id conflicts.
///
/// A pure value with no I/O: feed it files in order with ``add(file:phrases:)`` and call
/// ``finish(keyScheme:inventory:)``. Memory grows with the number of phrases by one compact
/// source record each, plus one compact rendering per unique key and the bytes of its text; no
/// phrase or rendering is a heap object.
struct PlanBuilder: Sendable {
    /// The shard to keep; phrases of other shards are passed over. `nil` keeps every phrase.
    var shard: Shard?
    private var list = RenderingList()
    /// The rendering of each key, by the key's first 64 bits (uniform under MD5).
    private var indexByKey = OpenHashTable()
    /// The voice and language pairs and the models, numbered; the plan's `groups` and
    /// `modelNames` when it is finished.
    private var groups = OrderedSet<GroupKey>()
    private var models = OrderedSet<String>()
    private var phrasesPerGroup: [Int] = []
    private var collided: Set<Int32> = []
    /// The first source of each id (within a group), by a 64-bit hash of the id and group; equal
    /// hashes are told apart by the bytes of the ids, so a hash collision never merges two ids.
    private var firstSourceByID = OpenHashTable()
    /// Ids used for different texts, with their first source.
    private var conflictingIDs: [IDKey: Int32] = [:]
    private var problems: [AudioCacheError] = []
    /// What reading slots ahead of their look-ups read, kept so that the reads stay.
    private var warmth: UInt32 = 0
    /// How many phrases' slots are read ahead at once.
    private static let warmAhead = 16

    /// How an id's hash (``KeyedPhrases/Entry/idHash``) is combined with its group; replaceable in
    /// tests, to force collisions.
    private let idHash: @Sendable (UInt64, Int32) -> UInt64

    /// Creates an empty builder.
    init() {
        idHash = Self.hash(id:group:)
    }

    /// Creates an empty builder that hashes ids with `idHash`, so that tests can force collisions.
    init(idHash: @escaping @Sendable (UInt64, Int32) -> UInt64) {
        self.idHash = idHash
    }

    /// Makes room for about `phrases` more phrases, so that the indexes do not grow step by step.
    /// - Parameters:
    ///   - phrases: The number of phrases expected.
    ///   - bytes: The number of bytes of text and ids expected, when known.
    mutating func reserveCapacity(phrases: Int, bytes: Int = 0) {
        let total = list.occurrences.sources.count + phrases
        // Grow geometrically: reserving exactly what each file needs would copy every time.
        indexByKey.reserveCapacity(total)
        firstSourceByID.reserveCapacity(total)
        if list.keys.capacity < total { list.reserveCapacity(max(total, list.keys.capacity * 2)) }
        if list.occurrences.sources.capacity < total {
            let capacity = max(total, list.occurrences.sources.capacity * 2)
            list.occurrences.sources.reserveCapacity(capacity)
            list.occurrences.sources.adviseHugePages()
            list.occurrences.sourceRendering.reserveCapacity(capacity)
            list.occurrences.sourceRendering.adviseHugePages()
            list.occurrences.differingIndexes.reserveCapacity(capacity)
            list.occurrences.differingIndexes.adviseHugePages()
        }
        if bytes > 0 { list.occurrences.strings.reserveCapacity(adding: bytes) }
    }

    /// Adds the phrases of one file, in file order, with their keys.
    ///
    /// Reserve room first with ``reserveCapacity(phrases:bytes:)`` when the total is known.
    /// - Parameters:
    ///   - file: The file's path as shown to the user.
    ///   - phrases: The file's valid phrases and their keys.
    mutating func add(file: String, phrases: KeyedPhrases) {
        add(file: file, phrases: phrases, lineOffset: 0, continuing: false)
    }

    /// Adds the phrases of one file, or of one part of it.
    /// - Parameters:
    ///   - file: The file's path as shown to the user.
    ///   - phrases: The valid phrases of the file or part, and their keys.
    ///   - lineOffset: The lines of the file before the part (its phrases' lines count from it).
    ///   - continuing: Whether the phrases continue the file added last (a later part of it).
    mutating func add(file: String, phrases: KeyedPhrases, lineOffset: Int, continuing: Bool) {
        if !continuing { list.occurrences.files.append(file) }
        let fileIndex = Int32(list.occurrences.files.count - 1)
        let lineOffset = Int32(clamping: lineOffset)
        let groups = phrases.groups.elements.map { group($0) }
        let models = phrases.models.elements.map { self.models.number(of: $0).number }
        // Moved out for the loop, so that their look-ups can read the rest of `self`.
        var keys = indexByKey
        var ids = firstSourceByID
        (indexByKey, firstSourceByID) = (OpenHashTable(), OpenHashTable())
        defer { (indexByKey, firstSourceByID) = (keys, ids) }
        phrases.strings.bytes.withUnsafeBufferPointer { bytes in
            let entries = phrases.entries
            for (position, entry) in entries.enumerated() {
                if position % Self.warmAhead == 0 {
                    let block = entries[position..<min(entries.count, position + Self.warmAhead)]
                    warmth ^= warm(block, groups: groups, keys: keys, ids: ids)
                }
                if let shard, !shard.contains(entry.key) { continue }
                add(
                    entry,
                    text: entry.text.buffer(in: bytes),
                    id: entry.id.isNone ? nil : entry.id.buffer(in: bytes),
                    group: groups[Int(entry.group)],
                    model: entry.model < 0 ? -1 : models[Int(entry.model)],
                    fileIndex: fileIndex,
                    lineOffset: lineOffset,
                    keys: &keys,
                    ids: &ids
                )
            }
        }
    }

    /// Reads what merging `block` will look up, before merging it: the slots of its keys and
    /// ids, then, where a key's home slot already holds the key, what a repeated key reads of its
    /// rendering. Read one after another, the cache misses are waited for together rather than one
    /// by one (``OpenHashTable/warm(hash:)``); Benchmarks/README.md says what that saves.
    /// - Returns: Bits of what was read, to keep so that the reads are not optimized away.
    private func warm(
        _ block: ArraySlice<KeyedPhrases.Entry>,
        groups: [Int32],
        keys: OpenHashTable,
        ids: OpenHashTable
    ) -> UInt32 {
        var warmth: UInt32 = 0
        for entry in block {
            warmth ^= keys.warm(hash: entry.key.high)
            if !entry.id.isNone { warmth ^= ids.warm(hash: idHash(entry.idHash, groups[Int(entry.group)])) }
        }
        for entry in block {
            guard let rendering = keys.homeValue(hash: entry.key.high) else { continue }
            let index = Int(rendering)
            warmth ^= UInt32(truncatingIfNeeded: list.keys[index].low ^ UInt64(list.textSpans[index].start))
            warmth ^= UInt32(
                bitPattern: list.groupIndices[index] ^ list.modelIndices[index] ^ list.occurrenceCounts[index]
            )
        }
        return warmth
    }

    /// Records problems that were skipped over, to report with the plan.
    /// - Parameter skipped: The problems.
    mutating func skip(_ skipped: [AudioCacheError]) {
        problems.append(contentsOf: skipped)
    }

    @inline(__always)
    private mutating func add(
        _ entry: KeyedPhrases.Entry,
        text: UnsafeBufferPointer<UInt8>,
        id: UnsafeBufferPointer<UInt8>?,
        group phraseGroup: Int32,
        model: Int32,
        fileIndex: Int32,
        lineOffset: Int32,
        keys: inout OpenHashTable,
        ids: inout OpenHashTable
    ) {
        let sourceIndex = Int32(list.occurrences.sources.count)
        let idSpan = id.map { list.occurrences.strings.append($0) } ?? .none
        list.occurrences.sources.append(
            CompactSource(file: fileIndex, line: entry.line &+ lineOffset, column: entry.column, id: idSpan)
        )
        let candidate = Int32(list.keys.count)
        let renderingIndex = keys.insert(hash: entry.key.high, value: candidate) { list.keys[Int($0)] == entry.key }
        let group: Int32
        var differing: Int32 = -1
        if renderingIndex == candidate {
            group = phraseGroup
            list.keys.append(entry.key)
            list.textSpans.append(list.occurrences.strings.append(text))
            list.groupIndices.append(group)
            list.modelIndices.append(model)
            list.characterCounts.append(entry.characters)
            list.occurrenceCounts.append(1)
            list.firstSources.append(sourceIndex)
            list.statuses.append(.missing)
        } else {
            let index = Int(renderingIndex)
            group = list.groupIndices[index]
            list.occurrenceCounts[index] += 1
            if model != list.modelIndices[index] || !list.occurrences.strings.equals(list.textSpans[index], text) {
                let span = list.occurrences.strings.append(text)
                differing = Int32(list.occurrences.differingTexts.count)
                list.occurrences.differingTexts.append(DifferingText(text: span, model: model))
                collided.insert(renderingIndex)
            }
        }
        list.occurrences.sourceRendering.append(renderingIndex)
        list.occurrences.differingIndexes.append(differing)
        phrasesPerGroup[Int(group)] += 1
        guard let id else { return }
        let first = ids.insert(hash: idHash(entry.idHash, group), value: sourceIndex) { first in
            list.occurrences.strings.equals(list.occurrences.sources[Int(first)].id, id)
                && list.groupIndices[Int(list.occurrences.sourceRendering[Int(first)])] == group
        }
        if first != sourceIndex && !list.occurrences.strings.equals(textSpan(ofSource: first), text) {
            conflictingIDs[IDKey(id: String(decoding: id, as: UTF8.self), group: group)] = first
        }
    }

    /// Mixes an id's hash with its group.
    private static func hash(id: UInt64, group: Int32) -> UInt64 {
        FNV1a.mix(id, UInt64(UInt32(bitPattern: group)))
    }

    private mutating func group(_ key: GroupKey) -> Int32 {
        let (number, isNew) = groups.number(of: key)
        if isNew { phrasesPerGroup.append(0) }
        return number
    }

    private func textSpan(ofSource index: Int32) -> ByteSpan {
        list.occurrences.differing(ofSource: index)?.text
            ?? list.textSpans[Int(list.occurrences.sourceRendering[Int(index)])]
    }

    /// The finished plan, with each rendering's status taken from `inventory`.
    /// - Parameters:
    ///   - keyScheme: The scheme the keys were made with.
    ///   - inventory: What the cache holds.
    /// - Returns: The plan.
    consuming func finish(keyScheme: KeyScheme, inventory: some CacheInventory) -> Plan {
        var finished = list
        list = RenderingList()
        finished.groups = groups.elements
        finished.modelNames = models.elements
        finished.statuses = inventory.statuses(of: finished)
        finished.verdicts = inventory.verdicts(of: finished)
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
            if !finished.verdicts.isEmpty {
                switch finished.verdicts[index] {
                case .approved: counts[group].approved += 1
                case .flagged: counts[group].flagged += 1
                case .unreviewed: break
                }
            }
        }
        for index in collided { counts[Int(finished.groupIndices[Int(index)])].collisions += 1 }
        // A group whose phrases all belong to other shards is left out.
        var planGroups = zip(finished.groups, counts).filter { $1.phrases > 0 }.map { key, counts in
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
            list: finished,
            groups: planGroups,
            totals: totals,
            problems: problems,
            shard: shard
        )
    }
}

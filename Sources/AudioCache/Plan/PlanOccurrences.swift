/// Every phrase occurrence behind a plan, stored compactly (one small record per phrase), and
/// the queries that turn them into collisions and id conflicts on demand.
///
/// Reports that list every source of a rendering read from here; a plan that is only counted
/// never pays for building those lists.
struct PlanOccurrences: Sendable {
    var files: [String] = []
    var sources: [CompactSource] = []
    /// The rendering of each source, by source index.
    var sourceRendering: [Int32] = []
    /// The group of each rendering, by rendering index.
    var renderingGroups: [Int32] = []
    var groups: [GroupKey] = []
    /// Occurrences whose text or model differs from their rendering's, by source index.
    var differing: [Int32: Variant] = [:]
    /// Renderings with more than one variant, in rendering order (filled in by `finish`).
    var collided: [Int32] = []
    /// Ids used for different texts, in order of their first use (filled in by `finish`).
    var conflictingIDs: [IDKey] = []

    func source(_ index: Int) -> PhraseSource {
        let compact = sources[index]
        return PhraseSource(
            file: files[Int(compact.file)],
            line: Int(compact.line),
            column: compact.column == 0 ? nil : Int(compact.column),
            id: compact.id
        )
    }

    func variant(ofSource index: Int, in renderings: [Rendering]) -> Variant {
        if let variant = differing[Int32(index)] { return variant }
        let rendering = renderings[Int(sourceRendering[index])]
        return Variant(text: rendering.text, modelID: rendering.modelID)
    }

    func collisions(in renderings: [Rendering], limit: Int) -> [Collision] {
        zip(collided.prefix(limit), collisionVariants(in: renderings, limit: limit)).map { index, list in
            let rendering = renderings[Int(index)]
            return Collision(
                key: rendering.key,
                voiceID: rendering.voiceID,
                language: rendering.language,
                variants: phraseVariants(list)
            )
        }
    }

    func idConflicts(in renderings: [Rendering], limit: Int) -> [IDConflict] {
        zip(conflictingIDs.prefix(limit), idConflictVariants(in: renderings, limit: limit)).map { key, list in
            let group = groups[Int(key.group)]
            return IDConflict(
                id: key.id,
                voiceID: group.voiceID,
                language: group.language,
                variants: phraseVariants(list)
            )
        }
    }

    /// The variants of the first `limit` collided renderings (`collided.prefix(limit)`), with the
    /// indexes of their sources: what ``collisions(in:limit:)`` lists, without building a
    /// ``PhraseSource`` per occurrence.
    func collisionVariants(in renderings: [Rendering], limit: Int) -> [VariantList] {
        let chosen = collided.prefix(limit)
        guard !chosen.isEmpty else { return [] }
        // The position of each chosen rendering in `lists`, by rendering index; -1 for the others.
        var positions = [Int32](repeating: -1, count: renderings.count)
        var lists: [VariantList] = []
        lists.reserveCapacity(chosen.count)
        for index in chosen {
            positions[Int(index)] = Int32(lists.count)
            let rendering = renderings[Int(index)]
            lists.append(VariantList(first: Variant(text: rendering.text, modelID: rendering.modelID)))
        }
        for (sourceIndex, renderingIndex) in sourceRendering.enumerated() {
            let position = Int(positions[Int(renderingIndex)])
            guard position >= 0 else { continue }
            // A rendering's text and model are its first source's: only the differing ones need a look.
            if let variant = differing[Int32(sourceIndex)] {
                lists[position].add(variant, source: Int32(sourceIndex))
            } else {
                lists[position].addToFirst(source: Int32(sourceIndex))
            }
        }
        return lists
    }

    /// The texts of the first `limit` conflicting ids (`conflictingIDs.prefix(limit)`), with the
    /// indexes of their sources: what ``idConflicts(in:limit:)`` lists, without building a
    /// ``PhraseSource`` per occurrence.
    func idConflictVariants(in renderings: [Rendering], limit: Int) -> [VariantList] {
        let chosen = conflictingIDs.prefix(limit)
        guard !chosen.isEmpty else { return [] }
        var positions: [IDKey: Int] = [:]
        for (position, key) in chosen.enumerated() { positions[key] = position }
        var lists = [VariantList](repeating: VariantList(), count: chosen.count)
        for (sourceIndex, compact) in sources.enumerated() {
            guard let id = compact.id else { continue }
            let key = IDKey(id: id, group: renderingGroups[Int(sourceRendering[sourceIndex])])
            guard let position = positions[key] else { continue }
            var variant = variant(ofSource: sourceIndex, in: renderings)
            variant.modelID = nil
            lists[position].add(variant, source: Int32(sourceIndex))
        }
        return lists
    }

    /// The variants of `list` with their sources spelled out.
    func phraseVariants(_ list: VariantList) -> [PhraseVariant] {
        zip(list.variants, list.sources).map { variant, sources in
            PhraseVariant(text: variant.text, modelID: variant.modelID, sources: sources.map { source(Int($0)) })
        }
    }
}

struct CompactSource: Sendable {
    var file: Int32
    var line: Int32
    var column: Int32
    var id: String?
}

struct GroupKey: Hashable, Sendable {
    var voiceID: String
    var language: String
}

struct IDKey: Hashable, Sendable {
    var id: String
    var group: Int32
}

/// An original text and model, compared and hashed by bytes (not by canonical equivalence).
struct Variant: Hashable, Sendable {
    var text: String
    var modelID: String?

    static func == (lhs: Self, rhs: Self) -> Bool {
        sameBytes(lhs.text, rhs.text) && lhs.modelID == rhs.modelID
    }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(modelID)
    }
}

/// Variants in order of first appearance, each with the indexes of its sources in file order.
struct VariantList: Sendable {
    private(set) var variants: [Variant] = []
    /// The source indexes of each variant.
    private(set) var sources: [[Int32]] = []
    /// The position of each variant, once there are too many to search one by one.
    private var positions: [Variant: Int] = [:]

    /// Up to this many variants are searched one by one (most keys have two or three), beyond it
    /// by hash, so that a key written in thousands of ways stays linear.
    private static let linearLimit = 16

    /// An empty list.
    init() {}

    /// A list whose first variant is `first`, with no sources yet.
    init(first: Variant) {
        variants = [first]
        sources = [[]]
    }

    /// Adds a source of the first variant.
    mutating func addToFirst(source: Int32) {
        sources[0].append(source)
    }

    mutating func add(_ variant: Variant, source: Int32) {
        let position: Int?
        if variants.count <= Self.linearLimit {
            position = variants.firstIndex(of: variant)
        } else {
            if positions.isEmpty {
                for (index, known) in variants.enumerated() { positions[known] = index }
            }
            position = positions[variant]
        }
        if let position {
            sources[position].append(source)
        } else {
            if !positions.isEmpty { positions[variant] = variants.count }
            variants.append(variant)
            sources.append([source])
        }
    }
}

/// Byte equality: Swift's `==` on strings treats canonically equivalent texts (NFC and NFD) as
/// equal, but the cache key does not.
func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
    guard lhs.utf8.count == rhs.utf8.count else { return false }
    // Native strings are contiguous: compare their buffers rather than step two iterators.
    let contiguous = lhs.utf8.withContiguousStorageIfAvailable { lhsBytes in
        rhs.utf8.withContiguousStorageIfAvailable { rhsBytes in lhsBytes.elementsEqual(rhsBytes) }
    }
    if case .some(.some(let equal)) = contiguous { return equal }
    return lhs.utf8.elementsEqual(rhs.utf8)
}

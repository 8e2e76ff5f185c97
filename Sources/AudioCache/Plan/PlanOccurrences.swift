#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

    func variant(ofSource index: Int, in renderings: RenderingList) -> Variant {
        if let variant = differing[Int32(index)] { return variant }
        let rendering = Int(sourceRendering[index])
        return Variant(text: renderings.texts[rendering], modelID: renderings.modelID(at: rendering))
    }

    func collisions(in renderings: RenderingList, limit: Int) -> [Collision] {
        let chosen = collided.prefix(limit)
        guard !chosen.isEmpty else { return [] }
        var lists: [Int32: VariantList] = Dictionary(uniqueKeysWithValues: chosen.map { ($0, VariantList()) })
        for (sourceIndex, renderingIndex) in sourceRendering.enumerated() where lists[renderingIndex] != nil {
            lists[renderingIndex]?.add(variant(ofSource: sourceIndex, in: renderings), source: source(sourceIndex))
        }
        return chosen.map { index in
            let group = renderings.groups[Int(renderings.groupIndices[Int(index)])]
            return Collision(
                key: renderings.keys[Int(index)],
                voiceID: group.voiceID,
                language: group.language,
                variants: lists[index]?.variants ?? []
            )
        }
    }

    func idConflicts(in renderings: RenderingList, limit: Int) -> [IDConflict] {
        let chosen = conflictingIDs.prefix(limit)
        guard !chosen.isEmpty else { return [] }
        var lists: [IDKey: VariantList] = Dictionary(uniqueKeysWithValues: chosen.map { ($0, VariantList()) })
        for (sourceIndex, compact) in sources.enumerated() {
            guard let id = compact.id else { continue }
            let key = IDKey(id: id, group: renderings.groupIndices[Int(sourceRendering[sourceIndex])])
            guard lists[key] != nil else { continue }
            var variant = variant(ofSource: sourceIndex, in: renderings)
            variant.modelID = nil
            lists[key]?.add(variant, source: source(sourceIndex))
        }
        return chosen.map { key in
            let group = renderings.groups[Int(key.group)]
            return IDConflict(
                id: key.id,
                voiceID: group.voiceID,
                language: group.language,
                variants: lists[key]?.variants ?? []
            )
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

/// Variants in order of first appearance, each with its sources.
struct VariantList: Sendable {
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
    guard lhs.utf8.count == rhs.utf8.count else { return false }
    var lhs = lhs
    var rhs = rhs
    return lhs.withUTF8 { left in
        rhs.withUTF8 { right in
            guard let leftStart = left.baseAddress, let rightStart = right.baseAddress else { return true }
            return memcmp(leftStart, rightStart, left.count) == 0
        }
    }
}

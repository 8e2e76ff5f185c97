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
    /// The texts of the renderings and the differing occurrences, and the ids of all sources.
    var strings = ByteStore()
    var sources: [CompactSource] = []
    /// The rendering of each source, by source index.
    var sourceRendering: [Int32] = []
    /// The texts and models of the occurrences that differ from their rendering's.
    var differingTexts: [DifferingText] = []
    /// For each source, its index in `differingTexts`, or -1 when it is like its rendering.
    var differingIndexes: [Int32] = []
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
            id: strings.string(compact.id)
        )
    }

    /// The text and model of source `index` when they differ from its rendering's.
    @inline(__always)
    func differing(ofSource index: Int32) -> DifferingText? {
        let position = differingIndexes[Int(index)]
        return position < 0 ? nil : differingTexts[Int(position)]
    }

    func variant(ofSource index: Int, in renderings: RenderingList) -> Variant {
        if let differing = differing(ofSource: Int32(index)) { return variant(differing, in: renderings) }
        let rendering = Int(sourceRendering[index])
        return Variant(text: renderings.text(at: rendering), modelID: renderings.modelID(at: rendering))
    }

    func variant(_ differing: DifferingText, in renderings: RenderingList) -> Variant {
        Variant(
            text: strings.string(differing.text) ?? "",
            modelID: differing.model < 0 ? nil : renderings.modelNames[Int(differing.model)]
        )
    }

    func collisions(in renderings: RenderingList, limit: Int) -> [Collision] {
        let table = collisionVariants(in: renderings, limit: limit)
        return zip(collided.prefix(limit), 0..<table.count).map { index, entry in
            let group = renderings.groups[Int(renderings.groupIndices[Int(index)])]
            return Collision(
                key: renderings.keys[Int(index)],
                voiceID: group.voiceID,
                language: group.language,
                variants: phraseVariants(of: entry, in: table)
            )
        }
    }

    func idConflicts(in renderings: RenderingList, limit: Int) -> [IDConflict] {
        let table = idConflictVariants(in: renderings, limit: limit)
        return zip(conflictingIDs.prefix(limit), 0..<table.count).map { key, entry in
            let group = renderings.groups[Int(key.group)]
            return IDConflict(
                id: key.id,
                voiceID: group.voiceID,
                language: group.language,
                variants: phraseVariants(of: entry, in: table)
            )
        }
    }

    /// The variants of the first `limit` collided renderings (entry `e` is `collided[e]`), with the
    /// indexes of their sources: what ``collisions(in:limit:)`` lists, without building a
    /// ``PhraseSource`` per occurrence.
    func collisionVariants(in renderings: RenderingList, limit: Int) -> VariantTable<Variant> {
        collisionVariants(
            in: renderings,
            entries: 0..<min(limit, collided.count),
            sources: collidedSources(in: renderings, limit: limit),
            first: { Variant(text: renderings.text(at: $0), modelID: renderings.modelID(at: $0)) },
            differing: { variant($0, in: renderings) }
        )
    }

    /// The variants of the collided renderings `collided[entries]`: entry `e` of the table is
    /// `collided[entries.lowerBound + e]`. Parts of the collisions can be worked out in parallel
    /// from one ``CollidedSources``.
    /// - Parameters:
    ///   - renderings: The plan's renderings.
    ///   - entries: Positions in ``collided``.
    ///   - sources: The sources of the collided renderings.
    ///   - first: The variant of a rendering (by index) as its first source wrote it.
    ///   - differing: The variant of a source that differs from its rendering.
    /// - Returns: The table.
    func collisionVariants<V: Hashable>(
        in renderings: RenderingList,
        entries: Range<Int>,
        sources: CollidedSources,
        first: (Int) -> V,
        differing: (DifferingText) -> V
    ) -> VariantTable<V> {
        var builder = VariantTable<V>.Builder(firsts: collided[entries].map { first(Int($0)) })
        for (entry, collidedEntry) in entries.enumerated() {
            for source in sources.sources(of: collidedEntry) {
                // A rendering's text and model are its first source's: only the others differ.
                builder.add(self.differing(ofSource: source).map(differing), to: entry, source: source)
            }
        }
        return builder.finish()
    }

    /// The sources of the first `limit` collided renderings, grouped by rendering, each group in
    /// file order: one pass over all sources, a counting sort.
    func collidedSources(in renderings: RenderingList, limit: Int = .max) -> CollidedSources {
        let chosen = collided.prefix(limit)
        guard !chosen.isEmpty else { return CollidedSources(starts: [0], sources: []) }
        // The entry of each chosen rendering, by rendering index; -1 for the others.
        var entries = [Int32](repeating: -1, count: renderings.count)
        for (entry, index) in chosen.enumerated() { entries[Int(index)] = Int32(entry) }
        var starts = [Int32](repeating: 0, count: chosen.count + 1)
        for rendering in sourceRendering {
            let entry = entries[Int(rendering)]
            if entry >= 0 { starts[Int(entry) + 1] += 1 }
        }
        for entry in 0..<chosen.count { starts[entry + 1] += starts[entry] }
        var next = starts
        var sources = [Int32](repeating: 0, count: Int(starts[chosen.count]))
        for (source, rendering) in sourceRendering.enumerated() {
            let entry = Int(entries[Int(rendering)])
            guard entry >= 0 else { continue }
            sources[Int(next[entry])] = Int32(source)
            next[entry] += 1
        }
        return CollidedSources(starts: starts, sources: sources)
    }

    /// The texts of the first `limit` conflicting ids (entry `e` is `conflictingIDs[e]`), with the
    /// indexes of their sources: what ``idConflicts(in:limit:)`` lists, without building a
    /// ``PhraseSource`` per occurrence.
    func idConflictVariants(in renderings: RenderingList, limit: Int) -> VariantTable<Variant> {
        let chosen = conflictingIDs.prefix(limit)
        var builder = VariantTable<Variant>.Builder(count: chosen.count)
        if !chosen.isEmpty {
            var entries: [IDKey: Int] = [:]
            var hashes: Set<UInt64> = []
            for (entry, key) in chosen.enumerated() {
                entries[key] = entry
                var id = key.id
                hashes.insert(id.withUTF8 { FNV1a.hash($0) })
            }
            for (sourceIndex, compact) in sources.enumerated() where !compact.id.isNone {
                // Most sources' ids conflict with nothing: a hash of their bytes rules them out
                // without making a string.
                guard hashes.contains(strings.withBytes(compact.id) { FNV1a.hash($0) }),
                    let id = strings.string(compact.id)
                else { continue }
                let key = IDKey(id: id, group: renderings.groupIndices[Int(sourceRendering[sourceIndex])])
                guard let entry = entries[key] else { continue }
                var variant = variant(ofSource: sourceIndex, in: renderings)
                variant.modelID = nil
                builder.add(variant, to: entry, source: Int32(sourceIndex))
            }
        }
        return builder.finish()
    }

    /// The variants of entry `entry` of `table` with their sources spelled out.
    func phraseVariants(of entry: Int, in table: VariantTable<Variant>) -> [PhraseVariant] {
        table.variants(of: entry).map { position in
            let variant = table.variants[position]
            return PhraseVariant(
                text: variant.text,
                modelID: variant.modelID,
                sources: table.sources(of: position).map { source(Int($0)) }
            )
        }
    }
}

struct CompactSource: Sendable {
    var file: Int32
    var line: Int32
    var column: Int32
    /// The id's bytes in ``PlanOccurrences/strings``, or ``ByteSpan/none``.
    var id: ByteSpan
}

/// The sources of collided renderings, grouped by collision entry, each group in file order.
struct CollidedSources: Sendable {
    /// Where each entry's sources start in ``sources``, and where the last one ends.
    var starts: [Int32]
    /// The source indexes, entry by entry.
    var sources: [Int32]

    /// The source indexes of entry `entry`, in file order.
    func sources(of entry: Int) -> ArraySlice<Int32> {
        sources[Int(starts[entry])..<Int(starts[entry + 1])]
    }
}

/// The text and model of an occurrence that differs from its rendering's.
struct DifferingText: Sendable {
    /// The text's bytes in ``PlanOccurrences/strings``.
    var text: ByteSpan
    /// Index into ``RenderingList/modelNames``, or -1.
    var model: Int32
}

struct GroupKey: Hashable, Sendable {
    var voiceID: String
    var language: String
}

/// A phrase id within a voice and language, compared and hashed by bytes: ids in NFC and NFD are
/// different ids, as they are different keys.
struct IDKey: Hashable, Sendable {
    var id: String
    var group: Int32

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.group == rhs.group && sameBytes(lhs.id, rhs.id)
    }

    func hash(into hasher: inout Hasher) {
        var id = id
        id.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(group)
    }
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

/// An original text and model as bytes of a plan's ``ByteStore`` (and a model number), compared
/// and hashed by bytes: what the JSON document lists, without a `String` per variant. Valid only
/// while the store's bytes are borrowed (``ByteStore/withBytes(_:)``).
struct BorrowedVariant: Hashable {
    var text: UnsafeBufferPointer<UInt8>
    /// Index into ``RenderingList/modelNames``, or -1.
    var model: Int32

    static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.model == rhs.model, lhs.text.count == rhs.text.count else { return false }
        guard let left = lhs.text.baseAddress, let right = rhs.text.baseAddress else { return true }
        return left == right || memcmp(left, right, lhs.text.count) == 0
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes: UnsafeRawBufferPointer(text))
        hasher.combine(model)
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

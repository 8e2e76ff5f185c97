/// The renderings of a plan, in order of first occurrence, stored column by column.
///
/// A plan over a million phrases holds hundreds of thousands of renderings; keeping each field in
/// its own array (the text as a span of one byte buffer, voice and language as a group number, the
/// model as an interned number, the first source as an index) keeps that small, and makes no heap
/// object per rendering. Each ``Rendering`` is assembled when it is read.
struct RenderingList: RandomAccessCollection, Sendable {
    var keys: [CacheKey] = []
    /// Where each text lies in `occurrences.strings`.
    var textSpans: [ByteSpan] = []
    var groupIndices: [Int32] = []
    /// Index into `modelNames`, or -1 when the phrase named no model.
    var modelIndices: [Int32] = []
    var characterCounts: [Int32] = []
    var occurrenceCounts: [Int32] = []
    var firstSources: [Int32] = []
    var statuses: [RenderingStatus] = []
    /// Reviewers' verdicts; empty when the cache holds none.
    var verdicts: [ReviewVerdict] = []
    var groups: [GroupKey] = []
    var modelNames: [String] = []
    var occurrences = PlanOccurrences()

    /// The position of the first rendering.
    var startIndex: Int { 0 }
    /// The position after the last rendering.
    var endIndex: Int { keys.count }

    /// The rendering at `position`.
    /// - Parameter position: A valid index.
    subscript(position: Int) -> Rendering {
        let group = groups[Int(groupIndices[position])]
        return Rendering(
            key: keys[position],
            text: text(at: position),
            voiceID: group.voiceID,
            language: group.language,
            modelID: modelID(at: position),
            characters: Int(characterCounts[position]),
            occurrences: Int(occurrenceCounts[position]),
            firstSource: occurrences.source(Int(firstSources[position])),
            status: statuses[position],
            verdict: verdicts.isEmpty ? .unreviewed : verdicts[position]
        )
    }

    /// The original text of the rendering at `position`.
    func text(at position: Int) -> String {
        occurrences.strings.string(textSpans[position]) ?? ""
    }

    func modelID(at position: Int) -> String? {
        let index = modelIndices[position]
        return index < 0 ? nil : modelNames[Int(index)]
    }

    mutating func reserveCapacity(_ count: Int) {
        keys.reserveCapacity(count)
        keys.adviseHugePages()
        textSpans.reserveCapacity(count)
        textSpans.adviseHugePages()
        groupIndices.reserveCapacity(count)
        modelIndices.reserveCapacity(count)
        characterCounts.reserveCapacity(count)
        occurrenceCounts.reserveCapacity(count)
        firstSources.reserveCapacity(count)
        statuses.reserveCapacity(count)
    }
}

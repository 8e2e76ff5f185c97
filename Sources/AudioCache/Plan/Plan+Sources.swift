extension Plan {
    /// Every source (file, line, id) of the renderings at `indices`, in file order: what a report
    /// lists for a phrase that failed.
    /// - Parameter indices: Positions in ``renderings``.
    /// - Returns: The sources of each position asked for.
    public func sources(ofRenderingsAt indices: Set<Int>) -> [Int: [PhraseSource]] {
        guard !indices.isEmpty else { return [:] }
        var sources: [Int: [PhraseSource]] = [:]
        for (index, rendering) in occurrences.sourceRendering.enumerated() where indices.contains(Int(rendering)) {
            sources[Int(rendering), default: []].append(occurrences.source(index))
        }
        return sources
    }
}

import Foundation

@testable import AudioCache

/// The plan document through `Encodable`, as it was before `JSONWriter`: what `JSONEncoder` with
/// `.prettyPrinted`, `.sortedKeys` and `.withoutEscapingSlashes` prints from it is, byte for
/// byte, what ``PlanDocument/jsonData()`` must write (less the final newline). The reference
/// `PlanDocumentTests` holds the writer to.
struct EncodablePlanDocument: Encodable {
    var document: PlanDocument
    var format: String { document.format }
    var version: Int { document.version }
    var plan: Plan { document.plan }
    var cache: String { document.cache }
    var listRenderings: Bool { document.listRenderings }

    private enum CodingKeys: String, CodingKey {
        case format, version, cache, files, totals, groups, collisions, renderings, problems
        case keyScheme = "key_scheme"
        case idConflicts = "id_conflicts"
    }

    /// Encodes the document.
    /// - Parameter encoder: The encoder.
    /// - Throws: What the encoder throws.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(version, forKey: .version)
        try container.encode(plan.keyScheme.rawValue, forKey: .keyScheme)
        try container.encode(cache, forKey: .cache)
        try container.encode(plan.files, forKey: .files)
        try container.encode(plan.totals, forKey: .totals)
        try container.encode(plan.groups.map(GroupEntry.init), forKey: .groups)
        try container.encode(plan.collisions().map(CollisionEntry.init), forKey: .collisions)
        try container.encode(plan.idConflicts().map(IDConflictEntry.init), forKey: .idConflicts)
        try container.encode(plan.problems.flatMap(ProblemEntry.entries), forKey: .problems)
        if listRenderings {
            try container.encode(plan.renderings.map(RenderingEntry.init), forKey: .renderings)
        }
    }
}

private struct GroupEntry: Encodable {
    var group: PlanGroup

    enum CodingKeys: String, CodingKey {
        case voiceID = "voice_id"
        case language
    }

    func encode(to encoder: any Encoder) throws {
        try group.counts.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(group.voiceID, forKey: .voiceID)
        try container.encode(group.language, forKey: .language)
    }
}

private struct VariantEntry: Encodable {
    var text: String
    var modelID: String?
    var sources: [PhraseSource]

    init(_ variant: PhraseVariant) {
        text = variant.text
        modelID = variant.modelID
        sources = variant.sources
    }

    enum CodingKeys: String, CodingKey {
        case text, sources
        case modelID = "model_id"
    }
}

private struct CollisionEntry: Encodable {
    var key: String
    var voiceID: String
    var language: String
    var variants: [VariantEntry]

    init(_ collision: Collision) {
        key = collision.key.description
        voiceID = collision.voiceID
        language = collision.language
        variants = collision.variants.map(VariantEntry.init)
    }

    enum CodingKeys: String, CodingKey {
        case key, language, variants
        case voiceID = "voice_id"
    }
}

private struct IDConflictEntry: Encodable {
    var id: String
    var voiceID: String
    var language: String
    var variants: [VariantEntry]

    init(_ conflict: IDConflict) {
        id = conflict.id
        voiceID = conflict.voiceID
        language = conflict.language
        variants = conflict.variants.map(VariantEntry.init)
    }

    enum CodingKeys: String, CodingKey {
        case id, language, variants
        case voiceID = "voice_id"
    }
}

private struct ProblemEntry: Encodable {
    var file: String?
    var line: Int?
    var column: Int?
    var message: String

    static func entries(_ error: AudioCacheError) -> [ProblemEntry] {
        if !error.problems.isEmpty { return error.problems.flatMap(entries) }
        return [
            ProblemEntry(
                file: error.location?.file,
                line: error.location?.line,
                column: error.location?.column,
                message: error.message
            )
        ]
    }
}

private struct RenderingEntry: Encodable {
    var key: String
    var text: String
    var voiceID: String
    var language: String
    var modelID: String?
    var characters: Int
    var occurrences: Int
    var status: RenderingStatus
    var verdict: ReviewVerdict
    var firstSource: PhraseSource

    init(_ rendering: Rendering) {
        key = rendering.key.description
        text = rendering.text
        voiceID = rendering.voiceID
        language = rendering.language
        modelID = rendering.modelID
        characters = rendering.characters
        occurrences = rendering.occurrences
        status = rendering.status
        verdict = rendering.verdict
        firstSource = rendering.firstSource
    }

    enum CodingKeys: String, CodingKey {
        case key, text, language, characters, occurrences, status, verdict
        case voiceID = "voice_id"
        case modelID = "model_id"
        case firstSource = "first_source"
    }
}

// The plan's values as `Codable`, for the test oracle only: the library writes its documents with
// `JSONWriter` and has no use for these conformances.

extension RenderingStatus: Codable {}

extension PhraseSource: Codable {
    enum CodingKeys: String, CodingKey {
        case file, line, column, id
    }

    /// Decodes a source as the synthesized conformance did.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            file: try container.decode(String.self, forKey: .file),
            line: try container.decode(Int.self, forKey: .line),
            column: try container.decodeIfPresent(Int.self, forKey: .column),
            id: try container.decodeIfPresent(String.self, forKey: .id)
        )
    }

    /// Encodes a source as the synthesized conformance did.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(line, forKey: .line)
        try container.encodeIfPresent(column, forKey: .column)
        try container.encodeIfPresent(id, forKey: .id)
    }
}

extension PlanCounts: Codable {
    enum CodingKeys: String, CodingKey {
        case phrases, renderings, duplicates, collisions, characters, cached, missing, stale, approved, flagged
        case charactersToFetch = "characters_to_fetch"
    }

    /// Encodes the counts, including the derived `duplicates`.
    /// - Parameter encoder: The encoder.
    /// - Throws: What the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(phrases, forKey: .phrases)
        try container.encode(renderings, forKey: .renderings)
        try container.encode(duplicates, forKey: .duplicates)
        try container.encode(collisions, forKey: .collisions)
        try container.encode(characters, forKey: .characters)
        try container.encode(cached, forKey: .cached)
        try container.encode(missing, forKey: .missing)
        try container.encode(stale, forKey: .stale)
        try container.encode(approved, forKey: .approved)
        try container.encode(flagged, forKey: .flagged)
        try container.encode(charactersToFetch, forKey: .charactersToFetch)
    }

    /// Decodes counts written by ``encode(to:)``.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when a count is missing.
    /// Decodes a source as the synthesized conformance did.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        phrases = try container.decode(Int.self, forKey: .phrases)
        renderings = try container.decode(Int.self, forKey: .renderings)
        collisions = try container.decode(Int.self, forKey: .collisions)
        characters = try container.decode(Int.self, forKey: .characters)
        cached = try container.decode(Int.self, forKey: .cached)
        missing = try container.decode(Int.self, forKey: .missing)
        stale = try container.decode(Int.self, forKey: .stale)
        approved = try container.decode(Int.self, forKey: .approved)
        flagged = try container.decode(Int.self, forKey: .flagged)
        charactersToFetch = try container.decode(Int.self, forKey: .charactersToFetch)
    }
}

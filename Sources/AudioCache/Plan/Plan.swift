/// What a warm run would do for a set of manifests: every unique rendering, grouped and counted,
/// with the collisions and conflicts a content team should look at.
///
/// A plan over the same inputs and the same cache is the same value, in the same order: files in
/// byte order of their paths, renderings in order of first occurrence, groups by voice then
/// language.
public struct Plan: Sendable {
    /// The key scheme the renderings are keyed by.
    public var keyScheme: KeyScheme
    /// One entry per unique cache key, in order of first occurrence, stored compactly.
    var list: RenderingList

    /// One entry per unique cache key, in order of first occurrence. Each ``Rendering`` is made
    /// when it is read.
    public var renderings: some RandomAccessCollection<Rendering> { list }
    /// Counts per voice and language, sorted by voice then language.
    public var groups: [PlanGroup]
    /// Counts over all groups.
    public var totals: PlanCounts
    /// Problems skipped over (with `skipInvalid`), in file order.
    public var problems: [AudioCacheError]
    /// The shard the plan holds, or `nil` when it holds every rendering.
    public var shard: Shard?
    /// Every phrase occurrence, compactly.
    var occurrences: PlanOccurrences { list.occurrences }

    /// The manifest files read, in the order they were read.
    public var files: [String] { occurrences.files }

    /// The renderings that a warm run would have to fetch: missing or stale ones.
    public var renderingsToFetch: [Rendering] {
        list.indices.filter { list.statuses[$0] != .cached }.map { list[$0] }
    }

    /// How many keys several phrases share although their original text (or model) differs.
    public var collisionCount: Int { occurrences.collided.count }

    /// How many phrase ids are used for different texts within one voice and language.
    public var idConflictCount: Int { occurrences.conflictingIDs.count }

    /// Keys that several phrases share although their original text (or model) differs, in order
    /// of first occurrence, each with every source of every variant.
    /// - Parameter limit: The most collisions to return.
    /// - Returns: The first `limit` collisions.
    public func collisions(limit: Int = .max) -> [Collision] {
        occurrences.collisions(in: list, limit: limit)
    }

    /// Phrase ids used for different texts within one voice and language, in order of first use,
    /// each with every source of every text.
    /// - Parameter limit: The most conflicts to return.
    /// - Returns: The first `limit` conflicts.
    public func idConflicts(limit: Int = .max) -> [IDConflict] {
        occurrences.idConflicts(in: list, limit: limit)
    }
}

/// One unique cache key: what would be sent to a provider and stored in the cache.
public struct Rendering: Sendable, Hashable {
    /// The cache key.
    public var key: CacheKey
    /// The original text of the first phrase with this key: what a provider is sent.
    public var text: String
    /// The voice.
    public var voiceID: String
    /// The language.
    public var language: String
    /// The model of the first phrase with this key, if it named one.
    public var modelID: String?
    /// The length of ``text`` in Unicode scalars: what a provider bills.
    public var characters: Int
    /// How many phrases share this key.
    public var occurrences: Int
    /// Where the first phrase with this key was read.
    public var firstSource: PhraseSource
    /// Whether the cache already holds this rendering.
    public var status: RenderingStatus
    /// A reviewer's verdict on what the cache holds for this key.
    public var verdict: ReviewVerdict = .unreviewed
}

/// Whether a rendering is in the cache.
public enum RenderingStatus: String, Sendable, Hashable, CaseIterable {
    /// The cache holds this rendering as the manifests ask for it.
    case cached
    /// The cache does not hold this key.
    case missing
    /// The cache holds this key, rendered differently than the manifests now ask (another model),
    /// or a reviewer flagged it for re-rendering.
    case stale
}

/// Where a phrase was read: file, line, and the manifest's own id for it.
public struct PhraseSource: Sendable, Hashable {
    /// The manifest file.
    public var file: String
    /// The line where the phrase starts, counted from 1.
    public var line: Int
    /// The column, when the format has one worth reporting.
    public var column: Int?
    /// The phrase's id in the manifest.
    public var id: String?

    /// Creates a source.
    /// - Parameters:
    ///   - file: The manifest file.
    ///   - line: The line, from 1.
    ///   - column: The column, from 1.
    ///   - id: The phrase id.
    public init(file: String, line: Int, column: Int? = nil, id: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.id = id
    }
}

/// The counts a plan reports, per voice and language or in total.
public struct PlanCounts: Sendable, Hashable {
    /// Valid phrases read.
    public var phrases = 0
    /// Unique cache keys.
    public var renderings = 0
    /// Phrases that repeat a key already seen: `phrases - renderings`.
    public var duplicates: Int { phrases - renderings }
    /// Keys whose phrases differ in original text or model.
    public var collisions = 0
    /// Characters of all unique renderings.
    public var characters = 0
    /// Renderings the cache holds.
    public var cached = 0
    /// Renderings the cache lacks.
    public var missing = 0
    /// Renderings the cache holds in another form, or that a reviewer flagged.
    public var stale = 0
    /// Renderings a reviewer approved.
    public var approved = 0
    /// Renderings a reviewer flagged for re-rendering (counted as stale too).
    public var flagged = 0
    /// Characters of the missing and stale renderings: what a warm run would bill.
    public var charactersToFetch = 0

    /// Empty counts.
    public init() {}

    mutating func add(_ other: PlanCounts) {
        phrases += other.phrases
        renderings += other.renderings
        collisions += other.collisions
        characters += other.characters
        cached += other.cached
        missing += other.missing
        stale += other.stale
        approved += other.approved
        flagged += other.flagged
        charactersToFetch += other.charactersToFetch
    }
}

/// The counts for one voice and language.
public struct PlanGroup: Sendable, Hashable {
    /// The voice.
    public var voiceID: String
    /// The language.
    public var language: String
    /// The counts.
    public var counts: PlanCounts
}

/// One variant of a key: an original text (and model) and every place it was written.
public struct PhraseVariant: Sendable, Hashable {
    /// The original text.
    public var text: String
    /// The model, if named.
    public var modelID: String?
    /// Where this variant appears, in file order.
    public var sources: [PhraseSource]
}

/// Phrases that share a key but differ in original text or model. Only the first variant is
/// rendered; casing can change pronunciation, so these deserve a look.
public struct Collision: Sendable, Hashable {
    /// The shared key.
    public var key: CacheKey
    /// The voice.
    public var voiceID: String
    /// The language.
    public var language: String
    /// The variants, the rendered one first.
    public var variants: [PhraseVariant]
}

/// One phrase id used for different texts within the same voice and language.
public struct IDConflict: Sendable, Hashable {
    /// The id.
    public var id: String
    /// The voice.
    public var voiceID: String
    /// The language.
    public var language: String
    /// The texts using the id, first seen first.
    public var variants: [PhraseVariant]
}

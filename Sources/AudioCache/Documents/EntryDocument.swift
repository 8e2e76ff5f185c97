import Foundation

/// One entry as the review API shows it: `GET /api/audio-cache/entries` lists them, and a verdict
/// or an upload answers with one (docs/review.md, docs/openapi.yaml).
package struct EntryDocument: Encodable {
    var key: CacheKey
    var text: String
    var voiceID: String
    var language: String
    var source: AudioSource
    var provider: String
    var modelID: OrNull<String>
    var size: Int
    var mimeType: String
    var audioFormat: String
    /// `null` when the format does not say (Ogg, FLAC).
    var durationSeconds: OrNull<Double>
    var createdAt: Date
    var lastAccessed: Date
    var accessCount: Int
    var expiresAt: OrNull<Date>
    var pinned: Bool
    var verdict: ReviewVerdict
    var note: OrNull<String>
    var reviewedAt: OrNull<Date>
    /// Where the audio plays from: `/api/audio/{key}`.
    var audioURL: String

    /// The document of `entry`, whose audio plays for `duration` seconds.
    package init(_ entry: CacheEntry, duration: Double?) {
        key = entry.key
        text = entry.text
        voiceID = entry.voiceID
        language = entry.language
        source = entry.source
        provider = entry.rendering.provider
        modelID = OrNull(entry.rendering.modelID)
        size = entry.size
        mimeType = entry.mimeType
        audioFormat = entry.audioFormat
        durationSeconds = OrNull(duration.map(DocumentEncoding.rounded))
        createdAt = entry.createdAt
        lastAccessed = entry.lastAccessed
        accessCount = entry.accessCount
        expiresAt = OrNull(entry.expiresAt)
        pinned = entry.isPinned
        verdict = entry.verdict
        note = OrNull(entry.review?.note)
        reviewedAt = OrNull(entry.review?.reviewedAt)
        audioURL = "/api/audio/\(entry.key)"
    }

    enum CodingKeys: String, CodingKey {
        case key, text, voiceID, language, source, provider, modelID, size, mimeType, audioFormat
        case durationSeconds, createdAt, lastAccessed, accessCount, expiresAt, pinned, verdict, note
        case reviewedAt
        case audioURL = "audioUrl"
    }

    /// The document alone, as JSON.
    package func jsonData() throws -> Data {
        try DocumentEncoding.data(self)
    }
}

/// A page of entries: what `GET /api/audio-cache/entries` returns.
package struct EntryListDocument: Encodable {
    var format = "audiocache-entries"
    var version = 1
    /// Entries matching the query, in all.
    var total: Int
    var offset: Int
    var limit: Int
    var entries: [EntryDocument]

    package init(total: Int, offset: Int, limit: Int, entries: [EntryDocument]) {
        self.total = total
        self.offset = offset
        self.limit = limit
        self.entries = entries
    }

    package func jsonData() throws -> Data {
        try DocumentEncoding.data(self)
    }
}

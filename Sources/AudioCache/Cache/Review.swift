import Foundation

/// What a person who listened to an entry decided (`docs/review.md`).
public enum ReviewVerdict: String, Sendable, Hashable, CaseIterable, Codable {
    /// Nobody has decided yet (an entry without a `review` object).
    case unreviewed
    /// Approved: the entry is pinned, so eviction and TTL leave it alone.
    case approved
    /// Flagged for re-rendering: the next `warm` renders it again (unless `--keep-stale`).
    case flagged
}

/// A verdict on an entry, with the reviewer's note and when it was given.
public struct Review: Sendable, Hashable {
    /// Approved or flagged (an unreviewed entry has no review).
    public var verdict: ReviewVerdict
    /// What the reviewer wrote (why a clip was flagged: "stress on the second syllable").
    public var note: String?
    /// When the verdict was given.
    public var reviewedAt: Date

    /// Creates a review.
    public init(verdict: ReviewVerdict, note: String? = nil, reviewedAt: Date) {
        self.verdict = verdict
        self.note = note
        self.reviewedAt = reviewedAt
    }

    /// The longest note kept, in Unicode code points (what JSON Schema's `maxLength` counts).
    public static let noteLimit = 2_000
}

extension CacheEntry {
    /// The entry's verdict: its review's, or ``ReviewVerdict/unreviewed``.
    public var verdict: ReviewVerdict { review?.verdict ?? .unreviewed }
}

extension CacheDirectory {
    /// Records a reviewer's verdict on the entry of `key`, journaled like a store.
    ///
    /// - ``ReviewVerdict/approved`` pins the entry (no expiry, never evicted) and marks it approved.
    /// - ``ReviewVerdict/flagged`` marks it for re-rendering: plans count it as stale, so the next
    ///   `warm` renders it again unless told to keep stale entries; the note says why.
    /// - ``ReviewVerdict/unreviewed`` removes the verdict and its note (an approval's pin stays).
    ///
    /// Storing new audio for the key (a re-rendering, an imported recording) starts it unreviewed.
    /// - Parameters:
    ///   - key: The entry's key.
    ///   - verdict: The verdict.
    ///   - note: The reviewer's note, at most ``Review/noteLimit`` code points; blank is none.
    /// - Returns: The entry as it is now.
    /// - Throws: ``AudioCacheError``: missing input when the cache holds no such entry, usage for a
    ///   note that is too long or a read-only cache, I/O errors.
    @discardableResult
    public func review(
        _ key: CacheKey,
        verdict: ReviewVerdict,
        note: String? = nil
    ) throws(AudioCacheError) -> CacheEntry {
        try requireWritable()
        let note = note.flatMap { $0.unicodeScalars.allSatisfy(\.properties.isWhitespace) ? nil : $0 }
        if let note, note.unicodeScalars.count > Review.noteLimit {
            throw AudioCacheError(
                .usage,
                "the note has \(note.unicodeScalars.count) code points; at most \(Review.noteLimit) are kept"
            )
        }
        guard let slot = table.slot(of: key), var entry = table.entry(slot) else {
            throw AudioCacheError(.missingInput, "the cache holds no entry with key \(key)")
        }
        switch verdict {
        case .unreviewed:
            entry.review = nil
        case .approved:
            entry.isPinned = true
            entry.expiresAt = nil
            entry.review = Review(verdict: .approved, note: note, reviewedAt: CacheTimestamp.truncated(now()))
        case .flagged:
            entry.review = Review(verdict: .flagged, note: note, reviewedAt: CacheTimestamp.truncated(now()))
        }
        try put(entry, replacing: nil)
        try foldJournalIfLong()
        return entry
    }
}

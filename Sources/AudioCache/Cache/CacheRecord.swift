import Foundation

/// What lookups, eviction and statistics need to know of an entry, without its texts.
///
/// A cache keeps a compact record per entry in memory and reads the full ``CacheEntry`` (texts,
/// rendering) from `index.json` only when asked (``CacheDirectory/entry(for:)``), so that a
/// million entries open in well under a second and take little memory.
public struct CacheRecord: Sendable, Hashable {
    /// The cache key.
    public var key: CacheKey
    /// The audio file's path relative to the cache folder.
    public var path: String
    /// The audio file's size in bytes.
    public var size: Int
    /// The SHA-256 of the audio file.
    public var sha256: SHA256Hash
    /// The audio's MIME type.
    public var mimeType: String
    /// When the audio was stored.
    public var createdAt: Date
    /// When a lookup last returned the entry.
    public var lastAccessed: Date
    /// How many lookups returned the entry.
    public var accessCount: Int
    /// When the entry expires, or `nil`.
    public var expiresAt: Date?
    /// Whether eviction and TTL leave the entry alone.
    public var isPinned: Bool
    /// Where the audio came from.
    public var source: AudioSource
    /// The voice.
    public var voiceID: String
    /// The language.
    public var language: String
    /// A reviewer's verdict.
    public var verdict: ReviewVerdict = .unreviewed
}

/// Strings that repeat across entries (voices, languages, formats, models), stored once and
/// named by a number. Compared byte for byte: canonically equivalent voices stay apart.
struct InternedStrings: Sendable {
    /// The strings; number 0 is "none".
    private(set) var strings: [String] = [""]
    private var numbers: [[UInt8]: UInt32] = [[]: 0]

    /// The number of `text`, adding it when new; `nil` is 0.
    mutating func number(_ text: String?) -> UInt32 {
        guard let text else { return 0 }
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return Self.emptyString }
        if let number = numbers[bytes] { return number }
        let number = UInt32(strings.count)
        strings.append(text)
        numbers[bytes] = number
        return number
    }

    /// The number of `text` if it has one.
    func existingNumber(_ text: String) -> UInt32? {
        text.isEmpty ? Self.emptyString : numbers[Array(text.utf8)]
    }

    /// The string of a number; `nil` for 0.
    func string(_ number: UInt32) -> String? {
        if number == Self.emptyString { return "" }
        return number == 0 ? nil : strings[Int(number)]
    }

    /// The string of a number, `""` for 0.
    subscript(_ number: UInt32) -> String { string(number) ?? "" }

    /// An empty string (rather than none).
    static let emptyString = UInt32.max
}

/// One entry's compact record, as the table holds it.
struct StoredRecord: Sendable {
    var key: CacheKey
    var sha256: SHA256Hash
    var size: Int
    var createdAt: Int64
    var lastAccessed: Int64
    /// `Int64.min` when the entry never expires.
    var expiresAt: Int64
    var accessCount: Int
    var voice: UInt32
    var language: UInt32
    var mimeType: UInt32
    var audioFormat: UInt32
    var provider: UInt32
    var model: UInt32
    var outputFormat: UInt32
    var voiceSettings: UInt32
    /// Where the entry's object lies in the current `index.json`; `-1` while it exists only in
    /// memory and the journal.
    var documentOffset: Int
    var documentLength: Int32
    var flags: Flags

    struct Flags: OptionSet, Sendable {
        let rawValue: UInt32
        static let pinned = Flags(rawValue: 1 << 0)
        static let recorded = Flags(rawValue: 1 << 1)
        /// The path is the one `CacheLayout.audioPath` computes, so it need not be stored.
        static let canonicalPath = Flags(rawValue: 1 << 2)
        /// The access fields differ from those in `index.json`.
        static let accessChanged = Flags(rawValue: 1 << 3)
        /// A reviewer approved the entry.
        static let approved = Flags(rawValue: 1 << 4)
        /// A reviewer flagged the entry for re-rendering.
        static let flagged = Flags(rawValue: 1 << 5)
    }

    static let never = Int64.min

    func isExpired(atMilliseconds now: Int64) -> Bool {
        expiresAt != Self.never && expiresAt <= now
    }

    var isPinned: Bool { flags.contains(.pinned) }

    var verdict: ReviewVerdict {
        flags.contains(.approved) ? .approved : flags.contains(.flagged) ? .flagged : .unreviewed
    }
}

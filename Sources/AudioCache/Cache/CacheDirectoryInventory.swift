import Foundation

/// What a cache holds, as a plan needs to know it: cached, missing or stale, without counting an
/// access.
///
/// An entry is **stale** when it exists but was rendered differently than the manifests now ask:
/// another model than the phrase names, or (when given) another provider, output format or voice
/// settings, or a reviewer flagged it for re-rendering. Expired entries count as missing: a lookup
/// would not return them.
public struct CacheDirectoryInventory: CacheInventory {
    /// What the next rendering would be asked for, beyond what the manifests say.
    public struct Expectation: Sendable, Hashable {
        /// The provider, when known.
        public var provider: String?
        /// The model used for phrases that name none.
        public var defaultModelID: String?
        /// The output format, when known.
        public var outputFormat: String?
        /// The voice settings, when known.
        public var voiceSettings: [VoiceSetting]?

        /// Creates an expectation; `nil` fields are not compared.
        public init(
            provider: String? = nil,
            defaultModelID: String? = nil,
            outputFormat: String? = nil,
            voiceSettings: [VoiceSetting]? = nil
        ) {
            self.provider = provider
            self.defaultModelID = defaultModelID
            self.outputFormat = outputFormat
            self.voiceSettings = voiceSettings
        }
    }

    private let table: CacheTable
    private let expectation: Expectation
    private let date: Int64

    /// Takes a snapshot of a cache's records (cheap: the cache's tables are shared, not copied).
    /// - Parameters:
    ///   - cache: The cache.
    ///   - expectation: What renderings would be asked for.
    public init(_ cache: CacheDirectory, expectation: Expectation = Expectation()) async {
        table = await cache.table
        self.expectation = expectation
        date = CacheTimestamp.milliseconds(cache.now())
    }

    /// Cached, missing or stale.
    /// - Parameter rendering: The rendering the manifests ask for.
    /// - Returns: Its status.
    func status(of rendering: Rendering) -> RenderingStatus {
        guard let slot = table.slot(of: rendering.key) else { return .missing }
        return status(ofSlot: slot, modelID: rendering.modelID)
    }

    /// The status of every rendering of a plan, in order, looked up by key without making each
    /// rendering (the protocol's default makes every one, its text as a `String`: a tenth of a
    /// million-phrase plan).
    /// - Parameter renderings: The renderings.
    /// - Returns: One status per rendering.
    func statuses(of renderings: RenderingList) -> [RenderingStatus] {
        var statuses: [RenderingStatus] = []
        statuses.reserveCapacity(renderings.count)
        for index in renderings.indices {
            guard let slot = table.slot(of: renderings.keys[index]) else {
                statuses.append(.missing)
                continue
            }
            statuses.append(status(ofSlot: slot, modelID: renderings.modelID(at: index)))
        }
        return statuses
    }

    /// The verdict on each rendering's entry; empty when no entry has one.
    /// - Parameter renderings: The renderings.
    /// - Returns: One verdict per rendering, or none.
    func verdicts(of renderings: RenderingList) -> [ReviewVerdict] {
        guard table.records.contains(where: { $0.verdict != .unreviewed }) else { return [] }
        return renderings.keys.map { key in
            guard let slot = table.slot(of: key), !table.records[slot].isExpired(atMilliseconds: date) else {
                return .unreviewed
            }
            return table.records[slot].verdict
        }
    }

    /// The status of the rendering the cache holds in `slot`, asked for with model `modelID`.
    private func status(ofSlot slot: Int, modelID: String?) -> RenderingStatus {
        let record = table.records[slot]
        guard !record.isExpired(atMilliseconds: date) else { return .missing }
        // A reviewer asked for it to be rendered again, recording or not.
        if record.flags.contains(.flagged) { return .stale }
        if record.flags.contains(.recorded) { return .cached }
        let strings = table.strings
        if let model = modelID ?? expectation.defaultModelID, strings.string(record.model) != model {
            return .stale
        }
        if let provider = expectation.provider, strings[record.provider] != provider { return .stale }
        if let format = expectation.outputFormat, strings[record.outputFormat] != format { return .stale }
        if let settings = expectation.voiceSettings,
            strings[record.voiceSettings]
                != CacheTable.settingsText(
                    settings.sorted { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }
                )
        {
            return .stale
        }
        return .cached
    }
}

/// Answers whether a cache already holds a rendering, without counting it as an access.
protocol CacheInventory: Sendable {
    /// The status of one rendering in the cache.
    /// - Parameter rendering: The rendering the manifests ask for.
    /// - Returns: Cached, missing, or stale.
    func status(of rendering: Rendering) -> RenderingStatus

    /// The status of every rendering of a plan, in order.
    ///
    /// The default asks ``status(of:)`` for each; inventories that can answer in bulk override it.
    /// - Parameter renderings: The renderings.
    /// - Returns: One status per rendering.
    func statuses(of renderings: RenderingList) -> [RenderingStatus]

    /// Reviewers' verdicts on what the cache holds for every rendering of a plan, in order; empty
    /// when it holds none.
    func verdicts(of renderings: RenderingList) -> [ReviewVerdict]
}

extension CacheInventory {
    /// Asks ``status(of:)`` for each rendering.
    /// - Parameter renderings: The renderings.
    /// - Returns: One status per rendering.
    func statuses(of renderings: RenderingList) -> [RenderingStatus] {
        renderings.map { status(of: $0) }
    }

    /// None.
    func verdicts(of renderings: RenderingList) -> [ReviewVerdict] { [] }
}

/// A cache with nothing in it: every rendering is missing. Used when the cache folder does not
/// exist yet.
struct EmptyCacheInventory: CacheInventory {
    /// Creates an empty inventory.
    init() {}

    /// Always ``RenderingStatus/missing``.
    /// - Parameter rendering: Ignored.
    /// - Returns: ``RenderingStatus/missing``.
    func status(of rendering: Rendering) -> RenderingStatus { .missing }

    /// Every rendering is missing.
    /// - Parameter renderings: The renderings.
    /// - Returns: ``RenderingStatus/missing`` for each.
    func statuses(of renderings: RenderingList) -> [RenderingStatus] {
        Array(repeating: .missing, count: renderings.count)
    }
}

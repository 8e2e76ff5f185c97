/// Answers whether a cache already holds a rendering, without counting it as an access.
public protocol CacheInventory: Sendable {
    /// The status of one rendering in the cache.
    /// - Parameter rendering: The rendering the manifests ask for.
    /// - Returns: Cached, missing, or stale.
    func status(of rendering: Rendering) -> RenderingStatus
}

/// A cache with nothing in it: every rendering is missing. Used when the cache folder does not
/// exist yet.
public struct EmptyCacheInventory: CacheInventory {
    /// Creates an empty inventory.
    public init() {}

    /// Always ``RenderingStatus/missing``.
    /// - Parameter rendering: Ignored.
    /// - Returns: ``RenderingStatus/missing``.
    public func status(of rendering: Rendering) -> RenderingStatus { .missing }
}

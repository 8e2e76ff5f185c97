import AudioCache
import Synchronization

/// The cache a service answers from. A writer's never changes; a read-only replica's is replaced
/// by a freshly opened one when the folder's index changes (``IndexWatcher``). A request takes
/// ``current`` once and keeps it to the end, so a reload never drops or mixes a request.
final class CacheSource: Sendable {
    private let cache: Mutex<CacheDirectory>

    init(_ cache: CacheDirectory) {
        self.cache = Mutex(cache)
    }

    /// The cache to answer this request from.
    var current: CacheDirectory {
        cache.withLock { $0 }
    }

    /// Answers from `fresh` from now on.
    /// - Returns: The cache it replaces.
    func replace(with fresh: CacheDirectory) -> CacheDirectory {
        cache.withLock { cache in
            defer { cache = fresh }
            return cache
        }
    }
}

import AudioCache
import Logging
import ServiceLifecycle

/// Keeps a served cache's bookkeeping: writes access statistics every `flushInterval` (lookups
/// are counted in memory, so the journal is not written per request); every `expireInterval`,
/// removes the runtime entries past their TTL from a writable cache (lookups already skip them;
/// this gives their disk space back); and on graceful shutdown, once the HTTP server has drained,
/// flushes and closes the cache. With the review page on, it first reads every entry's text for
/// the page's listings.
///
/// Hummingbird runs an application's services before its HTTP server and shuts them down in
/// reverse, so this service's shutdown comes after the last request was answered.
struct CacheMaintenanceService: Service {
    let source: CacheSource
    let flushInterval: Duration
    let expireInterval: Duration
    let metrics: ServerMetrics
    let logger: Logger
    /// Whether to read what the review page's listings need at start (when the management API,
    /// and so the page, is on): the first listing is then as quick as the next.
    var preparesListing = false

    func run() async throws {
        await cancelWhenGracefulShutdown {
            if preparesListing {
                let start = ContinuousClock.now
                await source.current.prepareListing()
                logger.info("review listing ready", metadata: ["took": "\(ContinuousClock.now - start)"])
            }
            let clock = ContinuousClock()
            var nextExpiry = clock.now.advanced(by: expireInterval)
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: flushInterval)
                } catch {
                    return
                }
                let cache = source.current
                do {
                    try await cache.flush()
                } catch {
                    logger.error("cannot write access statistics", metadata: ["error": "\(error)"])
                }
                guard cache.access == .readWrite, clock.now >= nextExpiry else { continue }
                nextExpiry = clock.now.advanced(by: expireInterval)
                do {
                    let removed = try await cache.expire()
                    metrics.expired.increment(by: removed.count)
                    if !removed.isEmpty {
                        logger.info("expired entries removed", metadata: ["count": "\(removed.count)"])
                    }
                } catch {
                    logger.error("cannot remove expired entries", metadata: ["error": "\(error)"])
                }
            }
        }
        do {
            try await source.current.close()
        } catch {
            logger.error("cannot close the cache", metadata: ["error": "\(error)"])
            throw error
        }
    }
}

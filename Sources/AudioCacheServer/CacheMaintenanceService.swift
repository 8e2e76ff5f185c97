import AudioCache
import Logging
import ServiceLifecycle

/// Keeps a served cache's bookkeeping: writes access statistics every `flushInterval` (lookups
/// are counted in memory, so the journal is not written per request), and on graceful shutdown,
/// once the HTTP server has drained, flushes and closes the cache.
///
/// Hummingbird runs an application's services before its HTTP server and shuts them down in
/// reverse, so this service's shutdown comes after the last request was answered.
struct CacheMaintenanceService: Service {
    let source: CacheSource
    let flushInterval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: flushInterval)
                } catch {
                    return
                }
                do {
                    try await source.current.flush()
                } catch {
                    logger.error("cannot write access statistics", metadata: ["error": "\(error)"])
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

import AudioCache
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads a read-only replica's cache when the folder's index changes on disk (a new bundle
/// rolled out, a writer that compacted) or on `SIGHUP`: opens the folder again, read-only, and
/// swaps it in (``CacheSource``). Requests under way finish on the cache they started with; a
/// folder that cannot be opened (a bundle half copied) keeps the old cache and is tried again.
///
/// The index is `index.json` plus `index.journal` (docs/cache-format.md); a change is a different
/// file (inode), size or modification time of either. `folder` may be a symbolic link that a
/// rollout points at each new bundle in turn: each reload opens the folder it points at then, so
/// requests under way on the old cache keep reading the old bundle's files.
struct IndexWatcher: Service {
    let source: CacheSource
    let folder: String
    let interval: Duration
    let metrics: ServerMetrics
    let logger: Logger
    /// Whether a reloaded cache reads what the review page's listings need before it is swapped in.
    var preparesListing = false

    func run() async throws {
        let hangUps = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            var seen = fingerprint()
            await withTaskGroup(of: Void.self) { group in
                let (wakeUps, wake) = AsyncStream.makeStream(of: Bool.self)
                group.addTask {
                    for await _ in hangUps { wake.yield(true) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            try await Task.sleep(for: interval)
                        } catch {
                            break
                        }
                        wake.yield(false)
                    }
                    wake.finish()
                }
                for await forced in wakeUps {
                    let now = fingerprint()
                    guard forced || now != seen else { continue }
                    if await reload(reason: forced ? "SIGHUP" : "index changed") { seen = now }
                }
                group.cancelAll()
            }
        }
    }

    /// Opens the folder again and swaps it in; `false` when it cannot be opened now.
    private func reload(reason: String) async -> Bool {
        var configuration = source.current.configuration
        configuration.directory = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        do {
            let fresh = try CacheDirectory(configuration: configuration, access: .readOnly)
            if preparesListing { await fresh.prepareListing() }
            let old = source.replace(with: fresh)
            try? await old.close()
            metrics.reloads.increment()
            let entries = await fresh.count
            logger.info("reloaded the cache", metadata: ["reason": "\(reason)", "entries": "\(entries)"])
            return true
        } catch {
            logger.error("cannot reload the cache; serving the one loaded before", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// What identifies the index on disk now.
    private func fingerprint() -> [String] {
        // The folder the link points at now: a new bundle may carry an index of the same size.
        let target = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        return ["index.json", "index.journal"].map { name in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: folder + "/" + name) else {
                return "\(name): missing"
            }
            let inode = attributes[.systemFileNumber].map { "\($0)" } ?? "?"
            let size = attributes[.size].map { "\($0)" } ?? "?"
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(name): \(target) \(inode) \(size) \(modified)"
        }
    }
}

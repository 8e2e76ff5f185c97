import DequeModule
import NIOCore
import Synchronization

/// The audio most recently served, kept in memory so that a hit is answered without touching the
/// file system: up to `capacity` bytes of files no larger than `largestFile`, the oldest dropped
/// first.
///
/// Kept by SHA-256, so an entry is the same bytes whatever path or entry names it: a re-rendered
/// phrase has another hash, and nothing kept can go stale. Files are read from disk through a
/// thread pool; Hummingbird has no `sendfile(2)` path, and the serve benchmark measured the file
/// system round trips at two thirds of a hit's time (Benchmarks/README.md).
final class HotAudio: Sendable {
    private struct State {
        var buffers: [String: ByteBuffer] = [:]
        var order = Deque<String>()
        var bytes = 0
    }

    /// The most bytes kept; `0` keeps nothing.
    let capacity: Int
    /// The largest file kept.
    let largestFile: Int
    private let state = Mutex(State())

    init(capacity: Int, largestFile: Int = 1 << 20) {
        self.capacity = max(0, capacity)
        self.largestFile = min(largestFile, max(0, capacity))
    }

    /// Whether a file of `size` bytes is kept here.
    func keeps(size: Int) -> Bool {
        size > 0 && size <= largestFile
    }

    /// The bytes of the audio with hash `sha256`, if kept.
    func buffer(sha256: String) -> ByteBuffer? {
        state.withLock { $0.buffers[sha256] }
    }

    /// Keeps `buffer` as the audio with hash `sha256`, dropping the oldest to make room.
    func keep(_ buffer: ByteBuffer, sha256: String) {
        let size = buffer.readableBytes
        guard keeps(size: size) else { return }
        state.withLock { state in
            guard state.buffers[sha256] == nil else { return }
            while state.bytes + size > capacity, let oldest = state.order.popFirst() {
                state.bytes -= state.buffers.removeValue(forKey: oldest)?.readableBytes ?? 0
            }
            state.buffers[sha256] = buffer
            state.order.append(sha256)
            state.bytes += size
        }
    }
}

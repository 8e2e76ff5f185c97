import Synchronization

/// Buffers handed back after use, to be used again: a plan reads and writes hundreds of megabytes
/// in parts of a few megabytes, and memory that is new to the process costs a page fault and the
/// kernel's zeroing on first touch (on the project machine, a sixth of a run's time). Reusing the
/// parts' buffers touches each page once.
///
/// Thread-safe: reading tasks take, the task that merges or writes gives back.
final class RecyclingPool<Buffer: Sendable>: Sendable {
    private let buffers = Mutex<[Buffer]>([])
    private let limit: Int

    /// A pool that keeps at most `limit` buffers.
    init(limit: Int) {
        self.limit = limit
    }

    /// A buffer given back earlier, if any.
    func take() -> Buffer? {
        buffers.withLock { $0.popLast() }
    }

    /// Gives a buffer back for a later ``take()``; dropped when the pool is full.
    func give(_ buffer: Buffer) {
        buffers.withLock { stored in
            if stored.count < limit { stored.append(buffer) }
        }
    }
}

import Synchronization

/// A clock that moves only when a test advances it.
///
/// Unlike a real clock, sleeping until a deadline that has already come returns at once, so a
/// task never parks on "now". `run(_:)` drives the clock while a body works: it lets the other
/// tasks settle, then advances to the earliest deadline anyone sleeps until, until the body ends.
public final class ManualTestClock: Clock, Sendable {
    /// A point on a manual clock: a duration since it started.
    public struct Instant: InstantProtocol, Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The time since the clock started.
        public var offset: Duration

        /// Creates an instant.
        /// - Parameter offset: The time since the clock started.
        public init(offset: Duration) { self.offset = offset }

        /// The instant `duration` later.
        /// - Parameter duration: How much later.
        /// - Returns: The instant.
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }

        /// The duration from this instant to `other`.
        /// - Parameter other: The later instant.
        /// - Returns: The duration.
        public func duration(to other: Instant) -> Duration { other.offset - offset }

        /// Whether `lhs` comes before `rhs`.
        /// - Parameters:
        ///   - lhs: An instant.
        ///   - rhs: Another.
        /// - Returns: `lhs.offset < rhs.offset`.
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }

        /// The offset.
        public var description: String { "\(offset)" }
    }

    private struct Sleeper {
        var id: UInt64
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    /// Creates a clock at offset zero.
    public init() {}

    /// The current instant.
    public var now: Instant { state.withLock { $0.now } }

    /// Zero: a manual clock is exact.
    public var minimumResolution: Duration { .zero }

    /// How many tasks are asleep on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline a task sleeps until, if any.
    public var nextDeadline: Instant? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    /// Sleeps until the clock reaches `deadline`; returns at once when it already has.
    /// - Parameters:
    ///   - deadline: When to wake.
    ///   - tolerance: Ignored.
    /// - Throws: `CancellationError` when the task is cancelled.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index).continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward and wakes every task whose deadline has come.
    /// - Parameter duration: How far.
    public func advance(by duration: Duration) {
        advance(to: now.advanced(by: max(.zero, duration)))
    }

    /// Moves the clock to `instant` (if later) and wakes every task whose deadline has come.
    /// - Parameter instant: The new time.
    public func advance(to instant: Instant) {
        let due = state.withLock { state in
            state.now = max(state.now, instant)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Advances to the earliest deadline anyone sleeps until.
    /// - Returns: Whether there was one.
    @discardableResult
    public func advanceToNextDeadline() -> Bool {
        guard let deadline = nextDeadline else { return false }
        advance(to: deadline)
        return true
    }

    /// Runs `body` while driving the clock: lets the other tasks settle, advances to the earliest
    /// deadline, and repeats until `body` returns.
    /// - Parameter body: The work, which sleeps on this clock.
    /// - Returns: What `body` returned.
    public func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await body() }
            group.addTask {
                while !Task.isCancelled {
                    await Self.settle()
                    self.advanceToNextDeadline()
                }
                return nil
            }
            var result: T?
            while let value = await group.next() {
                if let value {
                    result = value
                    group.cancelAll()
                }
            }
            guard let result else { preconditionFailure("the body always returns a value") }
            return result
        }
    }

    /// Gives the other tasks time to run until they block.
    public static func settle() async {
        for _ in 0..<20 { await Task.yield() }
        try? await Task.sleep(for: .microseconds(200))
        for _ in 0..<20 { await Task.yield() }
    }
}

import AudioCache
import NIOCore
import Synchronization

/// One provider call for one key, shared by every request that asks for the key while it runs:
/// the audio in the parts the provider sent it, then how the call ended.
///
/// Each request reads the parts from the first, at its own pace, so a request that joins late
/// gets the same bytes as the one that started the call; a request that stops reading (its client
/// went away) changes nothing for the others. A reader waiting for the next part is woken by that
/// part or by the end, which the provider's deadline bounds.
final class SpeechFlight: Sendable {
    /// What a reader gets next.
    enum Event: Sendable {
        /// The parts from the one asked for to the last received so far (never empty).
        case audio([ByteBuffer])
        /// The call is over and every part was read.
        case finished(ReadThrough.Outcome)
    }

    private struct State {
        var parts: [ByteBuffer] = []
        var outcome: ReadThrough.Outcome?
        var waiting: [CheckedContinuation<Void, Never>] = []

        func event(from index: Int) -> Event? {
            if index < parts.count { return .audio(Array(parts[index...])) }
            return outcome.map(Event.finished)
        }
    }

    private let state = Mutex(State())

    init() {}

    /// A flight that ended before it started (the breaker is open, the server is stopping).
    init(finished outcome: ReadThrough.Outcome) {
        state.withLock { $0.outcome = outcome }
    }

    /// Adds a part of the audio and wakes the readers waiting for it.
    /// - Returns: How many parts the flight holds now.
    @discardableResult
    func append(_ part: [UInt8]) -> Int {
        guard !part.isEmpty else { return state.withLock { $0.parts.count } }
        let (count, waiting) = state.withLock { state in
            state.parts.append(ByteBuffer(bytes: part))
            defer { state.waiting = [] }
            return (state.parts.count, state.waiting)
        }
        for reader in waiting { reader.resume() }
        return count
    }

    /// Ends the flight and wakes every reader.
    func finish(_ outcome: ReadThrough.Outcome) {
        let waiting = state.withLock { state in
            state.outcome = outcome
            defer { state.waiting = [] }
            return state.waiting
        }
        for reader in waiting { reader.resume() }
    }

    /// The parts from `index` on, or the end once every part was read; waits while there is
    /// neither.
    /// - Parameter index: How many parts the reader has already had.
    /// - Returns: The next event.
    func next(from index: Int) async -> Event {
        while true {
            if let event = state.withLock({ $0.event(from: index) }) { return event }
            await withCheckedContinuation { (reader: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    guard state.event(from: index) == nil else { return true }
                    state.waiting.append(reader)
                    return false
                }
                if ready { reader.resume() }
            }
        }
    }
}

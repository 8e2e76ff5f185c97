import AudioCache
import Foundation
import Synchronization

/// Shows a warm run's progress on standard error: a bar redrawn in place on a terminal, or a
/// plain line every few seconds otherwise (CI logs get no control characters).
final class ProgressPrinter: Sendable {
    private struct State {
        var last: WarmProgress?
        var lastDrawn: ContinuousClock.Instant?
        var started = ContinuousClock.now
        var drewBar = false
    }

    private let enabled: Bool
    private let isTerminal: Bool
    private let interval: Duration
    private let state = Mutex(State())

    /// Creates a printer.
    /// - Parameter enabled: Whether to print at all (`--quiet` and `--json` turn it off).
    init(enabled: Bool) {
        self.enabled = enabled
        isTerminal = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        interval = isTerminal ? .milliseconds(100) : .seconds(5)
    }

    /// Records progress and prints when it is time.
    func update(_ progress: WarmProgress) {
        guard enabled else { return }
        let line: String? = state.withLock { state in
            state.last = progress
            let now = ContinuousClock.now
            if let drawn = state.lastDrawn, now - drawn < interval, progress.done < progress.total { return nil }
            state.lastDrawn = now
            if isTerminal { state.drewBar = true }
            return Self.describe(progress, elapsed: now - state.started, bar: isTerminal)
        }
        guard let line else { return }
        FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    /// Ends the bar's line.
    func finish() {
        let drewBar = state.withLock { $0.drewBar }
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func describe(_ progress: WarmProgress, elapsed: Duration, bar: Bool) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(progress.requests) / seconds : 0
        let remaining = progress.total - progress.done
        let eta = progress.done > 0 && seconds > 0 ? Double(remaining) * seconds / Double(progress.done) : nil
        var text = ""
        if bar {
            let width = 24
            let filled = progress.total == 0 ? width : width * progress.done / progress.total
            text += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
        }
        text += "\(progress.done)/\(progress.total)"
        text += String(format: "  %.1f req/s", rate)
        text += "  \(progress.charactersBilled) chars"
        text += "  \(progress.failed) failed"
        if let eta { text += "  ETA \(Int(eta.rounded()))s" }
        return text
    }
}

/// SIGINT and SIGTERM: the first runs a handler (stop starting requests), the second exits at once
/// with 130 (everything stored so far is safe: each store is atomic).
///
/// `onFirst` and `stop` are called from the command's own task only; the signal handlers touch
/// nothing but the counter.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let count = Mutex(0)

    /// Starts listening.
    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
        }
    }

    /// Runs `handler` on the first signal; exits with 130 on the second.
    func onFirst(_ handler: @escaping @Sendable () -> Void) {
        var created: [DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                let seen = self.count.withLock { value in
                    value += 1
                    return value
                }
                if seen == 1 {
                    FileHandle.standardError.write(
                        Data("\nInterrupted: finishing the requests in flight (interrupt again to quit now)\n".utf8)
                    )
                    handler()
                } else {
                    exit(130)
                }
            }
            source.resume()
            created.append(source)
        }
        sources = created
    }

    /// Stops listening and restores the default actions.
    func stop() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_DFL)
        }
    }
}

import Foundation

/// What a run of the built `audiocache` binary produced.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `audiocache` executable as a real subprocess.
enum CommandRunner {
    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `audiocache` binary next to the test bundle.
    static var executable: URL {
        Bundle.main.bundleURL.appendingPathComponent("audiocache")
    }

    /// Runs `audiocache` with `arguments` in `directory` and waits for it without holding a
    /// thread of the cooperative pool (other suites' timers must keep running).
    static func run(
        _ arguments: [String],
        in directory: URL = packageRoot,
        environment: [String: String] = [:]
    ) async throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "AUDIO_CACHE_DIR")
        for (name, value) in environment { env[name] = value }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        // Read both pipes to the end on their own threads, so a large output cannot block the child.
        let outputData = Data.readingToEnd(stdout)
        let errorData = Data.readingToEnd(stderr)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return CommandResult(
            status: status,
            stdout: String(decoding: outputData.value, as: UTF8.self),
            stderr: String(decoding: errorData.value, as: UTF8.self)
        )
    }
}

extension Data {
    /// Reads a pipe to its end on a background thread; `value` waits for it.
    static func readingToEnd(_ pipe: Pipe) -> PendingRead {
        let pending = PendingRead()
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread {
            pending.finish(handle.readDataToEndOfFile())
        }
        return pending
    }
}

/// The result of a read on another thread.
final class PendingRead: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func finish(_ data: Data) {
        condition.lock()
        self.data = data
        condition.broadcast()
        condition.unlock()
    }

    var value: Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data ?? Data()
    }
}

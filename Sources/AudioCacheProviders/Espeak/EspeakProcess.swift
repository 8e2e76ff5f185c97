import AudioCache
import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// One run of the espeak-ng program: no shell, the text on standard input from an unlinked
/// temporary file, a deadline after which the process group is killed.
enum EspeakProcess {
    /// What the program did.
    struct Output: Sendable {
        /// How the program ended.
        enum Status: Sendable, Hashable {
            /// It exited with this status.
            case exited(Int32)
            /// A signal stopped it.
            case signaled(Int32)
        }

        /// How it ended.
        var status: Status
        /// Its standard output.
        var standardOutput: [UInt8]
        /// Its standard error.
        var standardError: [UInt8]
    }

    /// The most standard error kept (espeak-ng writes a line or two).
    static let standardErrorLimit = 64 << 10

    private enum Race: Sendable {
        case finished(Output)
        case timedOut
    }

    /// Runs the program once.
    ///
    /// The text is written to a temporary file that is unlinked at once and handed over as standard
    /// input: it never reaches the argument list, and nothing is written to a pipe the program may
    /// already have closed (which would raise `SIGPIPE` in this process). The program runs in a
    /// session of its own, so the kill at the deadline (or on cancellation) reaches anything it
    /// started, and the call returns only once the process has been reaped.
    /// - Parameters:
    ///   - options: The executable, timeout and output limit.
    ///   - arguments: The arguments (never the text).
    ///   - text: The text, as UTF-8.
    ///   - receive: Called with each part of standard output as the program writes it, if given.
    /// - Returns: How the program ended and what it wrote.
    /// - Throws: ``SpeechProviderError``: `espeak_ng_missing`, `timeout`, `cancelled`,
    ///   `audio_too_long`, `spawn_failed`, `temporary_file`, `espeak_ng_io`.
    static func run(
        options: EspeakProvider.Options,
        arguments: [String],
        text: [UInt8],
        receive: (@Sendable ([UInt8]) async -> Void)? = nil
    ) async throws(SpeechProviderError) -> Output {
        let input = try textFile(text)
        defer { try? input.close() }
        let executable: Executable = options.executable.map { .path(FilePath($0)) } ?? .name(EspeakProvider.programName)
        let platformOptions = sessionOptions()
        let maximumAudioBytes = options.maximumAudioBytes
        let timeout = options.timeout
        do {
            let race = try await withThrowingTaskGroup(of: Race.self) { group in
                group.addTask {
                    let result = try await Subprocess.run(
                        executable,
                        arguments: Arguments(arguments),
                        platformOptions: platformOptions,
                        input: .fileDescriptor(input, closeAfterSpawningProcess: false),
                        output: .sequence,
                        error: .bytes(limit: standardErrorLimit)
                    ) { execution in
                        var audio: [UInt8] = []
                        for try await buffer in execution.standardOutput {
                            let part = buffer.withUnsafeBytes { [UInt8]($0) }
                            guard audio.count + part.count <= maximumAudioBytes else {
                                throw SpeechProviderError(
                                    .phrase,
                                    reason: "audio_too_long",
                                    "espeak-ng produced more than \(maximumAudioBytes) bytes of output"
                                )
                            }
                            audio += part
                            await receive?(part)
                        }
                        return audio
                    }
                    let status: Output.Status
                    switch result.terminationStatus {
                    case .exited(let code): status = .exited(code)
                    case .signaled(let signal): status = .signaled(signal)
                    }
                    return .finished(
                        Output(
                            status: status,
                            standardOutput: result.closureResult,
                            standardError: result.standardError
                        )
                    )
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                }
                // Whichever ends first wins; leaving the group cancels the other and waits for it, so a
                // timed-out process is killed and reaped before this returns.
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            }
            switch race {
            case .finished(let output):
                return output
            case .timedOut:
                throw SpeechProviderError(
                    .transient(retryAfter: nil),
                    reason: "timeout",
                    "espeak-ng did not finish within \(timeout) and was stopped"
                )
            }
        } catch let error as SpeechProviderError {
            throw error
        } catch {
            throw providerError(for: error, executable: options.executable)
        }
    }

    /// A session of its own for the program, and `SIGKILL` to its whole process group on teardown.
    private static func sessionOptions() -> PlatformOptions {
        var platformOptions = PlatformOptions()
        platformOptions.createSession = true
        platformOptions.teardownSequence = [
            .send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1))
        ]
        return platformOptions
    }

    /// The provider's view of a failure to run the program.
    private static func providerError(
        for error: any Error,
        executable: String?
    ) -> SpeechProviderError {
        if error is CancellationError || Task.isCancelled {
            return SpeechProviderError(
                .transient(retryAfter: nil),
                reason: "cancelled",
                "the espeak-ng run was cancelled"
            )
        }
        let program = executable.map { "espeak-ng at \($0)" } ?? "espeak-ng"
        guard let error = error as? SubprocessError else {
            return SpeechProviderError(
                .transient(retryAfter: nil),
                reason: "espeak_ng_io",
                "running \(program) failed: \(error)"
            )
        }
        let cannotRun: Set<Errno> = [
            .noSuchFileOrDirectory, .permissionDenied, .notDirectory, .execFormatError, .tooManySymbolicLinkLevels,
        ]
        switch error.code {
        case .executableNotFound:
            let place = executable == nil ? " on PATH" : ""
            return SpeechProviderError(
                .run,
                reason: "espeak_ng_missing",
                "\(program) was not found\(place): \(EspeakProvider.installHint)"
            )
        case .spawnFailed where error.underlyingError.map { cannotRun.contains($0) } ?? false:
            return SpeechProviderError(
                .run,
                reason: "espeak_ng_missing",
                "\(program) cannot be run (\(error)): \(EspeakProvider.installHint)"
            )
        case .spawnFailed:
            return SpeechProviderError(
                .transient(retryAfter: nil),
                reason: "spawn_failed",
                "\(program) could not be started: \(error)"
            )
        case .outputLimitExceeded:
            return SpeechProviderError(
                .phrase,
                reason: "espeak_ng_failed",
                "espeak-ng wrote more than \(standardErrorLimit) bytes of errors"
            )
        default:
            return SpeechProviderError(
                .transient(retryAfter: nil),
                reason: "espeak_ng_io",
                "running \(program) failed: \(error)"
            )
        }
    }

    /// A temporary file holding `text`, already unlinked, open for reading from its start.
    private static func textFile(_ text: [UInt8]) throws(SpeechProviderError) -> FileDescriptor {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("audiocache-espeak-\(UUID().uuidString).txt").path
        do {
            let descriptor = try FileDescriptor.open(
                FilePath(path),
                .readWrite,
                options: [.create, .exclusiveCreate],
                permissions: [.ownerReadWrite]
            )
            do {
                try FileManager.default.removeItem(atPath: path)
                _ = try descriptor.writeAll(text)
                _ = try descriptor.seek(offset: 0, from: .start)
                return descriptor
            } catch {
                try? descriptor.close()
                throw error
            }
        } catch {
            throw SpeechProviderError(
                .transient(retryAfter: nil),
                reason: "temporary_file",
                "the text for espeak-ng could not be written to a temporary file: \(error)"
            )
        }
    }
}

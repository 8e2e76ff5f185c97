import Foundation

/// Runs `python3` with arguments in a real subprocess and captures its exit status and output, for
/// tests that drive a script's command line (`PythonReference` runs scripts that write a file).
enum PythonProcess {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// The repository's root folder, found from this file's path.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // AudioCacheTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// Runs `python3 arguments…` and waits for it.
    /// - Parameters:
    ///   - arguments: The arguments after `python3`.
    ///   - currentDirectory: Where to run; the repository root by default.
    /// - Returns: The exit status and what the process wrote.
    /// - Throws: When `python3` cannot be started or its output cannot be read.
    static func run(_ arguments: [String], currentDirectory: URL = repositoryRoot) throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("audiocache-python-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("stdout.txt")
        let errorURL = directory.appendingPathComponent("stderr.txt")
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }
        let error = try FileHandle(forWritingTo: errorURL)
        defer { try? error.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = currentDirectory
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUTF8"] = "1"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        do {
            try process.run()
        } catch {
            throw PythonReference.Failure(description: "could not start python3 (is it on PATH?): \(error)")
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: try String(contentsOf: outputURL, encoding: .utf8),
            standardError: try String(contentsOf: errorURL, encoding: .utf8)
        )
    }
}

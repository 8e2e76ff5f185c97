import Foundation

/// A fresh folder under the system's temporary folder, removed when the value is released.
final class TemporaryFolder: @unchecked Sendable {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("audiocache-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `contents` to `relativePath`, creating folders on the way, and returns the full path.
    @discardableResult
    func write(_ relativePath: String, _ contents: String) throws -> String {
        try write(relativePath, bytes: Array(contents.utf8))
    }

    /// Writes raw bytes to `relativePath`, creating folders on the way, and returns the full path.
    @discardableResult
    func write(_ relativePath: String, bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file.path
    }

    /// Creates a folder (and its parents) at `relativePath`.
    func makeFolder(_ relativePath: String) throws {
        try FileManager.default.createDirectory(at: url.appendingPathComponent(relativePath), withIntermediateDirectories: true)
    }

    /// Creates a symbolic link at `relativePath` pointing at `destination` (as written).
    func link(_ relativePath: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: url.appendingPathComponent(relativePath).path, withDestinationPath: destination)
    }
}

import Foundation

/// A fresh folder under the system's temporary folder, removed when the value is released.
public final class TemporaryFolder: @unchecked Sendable {
    /// The folder.
    public let url: URL
    /// The folder's path.
    public var path: String { url.path }

    /// Creates the folder.
    /// - Throws: When the folder cannot be created.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("audiocache-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `contents` to `relativePath`, creating folders on the way.
    /// - Parameters:
    ///   - relativePath: Where, below the folder.
    ///   - contents: The text, written as UTF-8.
    /// - Returns: The full path.
    /// - Throws: When the file cannot be written.
    @discardableResult
    public func write(_ relativePath: String, _ contents: String) throws -> String {
        try write(relativePath, bytes: Array(contents.utf8))
    }

    /// Writes raw bytes to `relativePath`, creating folders on the way.
    /// - Parameters:
    ///   - relativePath: Where, below the folder.
    ///   - bytes: The contents.
    /// - Returns: The full path.
    /// - Throws: When the file cannot be written.
    @discardableResult
    public func write(_ relativePath: String, bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file.path
    }

    /// Creates a folder (and its parents) at `relativePath`.
    /// - Parameter relativePath: Where, below the folder.
    /// - Throws: When the folder cannot be created.
    public func makeFolder(_ relativePath: String) throws {
        try FileManager.default.createDirectory(
            at: url.appendingPathComponent(relativePath),
            withIntermediateDirectories: true
        )
    }

    /// Creates a symbolic link at `relativePath` pointing at `destination` (as written).
    /// - Parameters:
    ///   - relativePath: Where, below the folder.
    ///   - destination: What the link points at.
    /// - Throws: When the link cannot be made.
    public func link(_ relativePath: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(
            atPath: url.appendingPathComponent(relativePath).path,
            withDestinationPath: destination
        )
    }
}

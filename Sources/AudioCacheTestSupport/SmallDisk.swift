import Foundation

/// A real file system of a few kilobytes (a `tmpfs` mounted on a temporary folder), for tests of
/// what happens when the disk fills. Mounting needs root (or `CAP_SYS_ADMIN`), which CI has; where
/// it is refused, ``isAvailable`` is `false` and the tests that need it are skipped.
public final class SmallDisk: @unchecked Sendable {
    /// The temporary folder the file system is mounted on.
    public let folder: TemporaryFolder
    /// The mount point's path.
    public var path: String { folder.path }

    /// Mounts a file system of `kilobytes` on a fresh temporary folder.
    /// - Parameter kilobytes: Its size.
    /// - Throws: When `mount` fails.
    public init(kilobytes: Int) throws {
        folder = try TemporaryFolder()
        let status = Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", folder.path])
        guard status == 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: folder.path])
        }
    }

    deinit {
        _ = Self.run("/bin/umount", ["-l", folder.path])
    }

    /// Whether a small file system can be mounted here.
    public static let isAvailable: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/bin/mount") else { return false }
        return (try? SmallDisk(kilobytes: 16)) != nil
    }()

    private static func run(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

import Crypto
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the cache needs for crash safety, with errors that name the path.
///
/// Foundation's `FileManager` and `Data.write(options: .atomic)` neither flush to disk nor flush
/// the folder after a rename, so a crash could leave a renamed-but-empty file; these calls do both.
package enum FileSystem {
    /// Creates `path` and its missing parents, flushing the folder that holds each new one (unless
    /// `flushing` is `false`: a bulk operation that flushes everything once at the end).
    /// - Throws: ``AudioCacheError`` (I/O) when a folder cannot be made or a file is in the way.
    static func makeFolder(_ path: String, flushing: Bool = true) throws(AudioCacheError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw AudioCacheError(.io, at: SourceLocation(file: path), "is a file, but a folder is needed here")
            }
            return
        }
        if let slash = path.lastIndex(of: "/"), slash > path.startIndex {
            try makeFolder(String(path[..<slash]), flushing: flushing)
        }
        guard mkdir(path, 0o755) == 0 else {
            guard errno == EEXIST else {
                throw AudioCacheError.system("cannot create folder", at: path)
            }
            return
        }
        // The new folder's name must survive a crash too, or a journaled entry could name a file
        // whose folder is gone.
        if flushing { try flushFolder(containing: path) }
    }

    /// Writes a file in full through a temporary file in `temporaryFolder` (on the same file
    /// system), flushed, renamed over `path`, and the folder flushed: readers see the old file or
    /// the new one, never a part.
    /// - Parameters:
    ///   - path: The file to write.
    ///   - temporaryFolder: Where to write first.
    ///   - produce: Called with a function that appends bytes to the file; call it as often as needed.
    /// - Throws: ``AudioCacheError`` (I/O); the temporary file is removed.
    static func writeAtomically(
        _ path: String,
        through temporaryFolder: String,
        _ produce: (_ write: (UnsafeRawBufferPointer) throws(AudioCacheError) -> Void) throws(AudioCacheError) -> Void
    ) throws(AudioCacheError) {
        let temporary = temporaryFolder + "/" + temporaryName(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AudioCacheError.system("cannot create file", at: temporary)
        }
        var isOpen = true
        do throws(AudioCacheError) {
            try produce { bytes throws(AudioCacheError) in try writeAll(descriptor, bytes, path: temporary) }
            guard fsync(descriptor) == 0 else {
                throw AudioCacheError.system("cannot flush file", at: temporary)
            }
            isOpen = false
            guard close(descriptor) == 0 else {
                throw AudioCacheError.system("cannot close file", at: temporary)
            }
            guard rename(temporary, path) == 0 else {
                throw AudioCacheError.system("cannot rename into place", at: path)
            }
        } catch {
            if isOpen { close(descriptor) }
            unlink(temporary)
            throw error
        }
        try flushFolder(containing: path)
    }

    /// ``writeAtomically(_:through:_:)`` for bytes already in memory.
    package static func writeAtomically(
        _ path: String,
        through temporaryFolder: String,
        bytes: [UInt8]
    ) throws(AudioCacheError) {
        try writeAtomically(path, through: temporaryFolder) { write throws(AudioCacheError) in
            try pass(bytes, to: write)
        }
    }

    /// Hands `bytes` to a writer such as the one ``writeAtomically(_:through:_:)`` passes out.
    static func pass(
        _ bytes: [UInt8],
        to write: (UnsafeRawBufferPointer) throws(AudioCacheError) -> Void
    ) throws(AudioCacheError) {
        var failure: AudioCacheError?
        bytes.withUnsafeBytes { buffer in
            do throws(AudioCacheError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes all of `bytes` to an open file, retrying short writes and interruptions.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(AudioCacheError) {
        var offset = 0
        while offset < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw AudioCacheError.system("cannot write", at: path)
            }
            offset += written
        }
    }

    /// Opens an existing file for appending, first cutting it to `length` bytes when given.
    /// - Returns: The open descriptor; close it with ``closeFile(_:)``.
    /// - Throws: ``AudioCacheError`` (I/O).
    static func openForAppending(_ path: String, truncatingTo length: Int? = nil) throws(AudioCacheError) -> Int32 {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw AudioCacheError.system("cannot open for appending", at: path) }
        if let length, ftruncate(descriptor, off_t(length)) != 0 {
            let error = AudioCacheError.system("cannot cut the file to its last whole record", at: path)
            _ = close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Waits until what was written to an open file is on disk.
    /// - Throws: ``AudioCacheError`` (I/O).
    static func flush(_ descriptor: Int32, path: String) throws(AudioCacheError) {
        guard fsync(descriptor) == 0 else { throw AudioCacheError.system("cannot flush file", at: path) }
    }

    /// Closes an open file.
    static func closeFile(_ descriptor: Int32) {
        _ = close(descriptor)
    }

    /// Flushes the folder that holds `path`, so that a rename or a new file in it survives a crash.
    static func flushFolder(containing path: String) throws(AudioCacheError) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let descriptor = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw AudioCacheError.system("cannot open folder", at: folder)
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw AudioCacheError.system("cannot flush folder", at: folder)
        }
    }

    /// Removes a file; a file that is already gone is not an error.
    /// Flushes every file system's dirty data to disk (`sync(2)`): one call after a bulk operation
    /// (a merge links a million files) instead of one `fsync` per folder.
    static func flushEverything() {
        sync()
    }

    static func removeFile(_ path: String) throws(AudioCacheError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw AudioCacheError.system("cannot remove file", at: path)
        }
    }

    /// The names in a folder (without `.` and `..`), or `[]` when it does not exist.
    static func contents(of folder: String) throws(AudioCacheError) -> [String] {
        guard let stream = opendir(folder) else {
            if errno == ENOENT { return [] }
            throw AudioCacheError.system("cannot read folder", at: folder)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let item = readdir(stream) {
            let name = withUnsafePointer(to: item.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// What kind of thing is at `path`, without following a final symbolic link.
    enum Kind { case missing, file, folder, other }

    /// The kind and size of what is at `path`.
    static func inspect(_ path: String) -> (kind: Kind, size: Int) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return (.missing, 0) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return (.file, Int(info.st_size))
        case S_IFDIR: return (.folder, 0)
        default: return (.other, 0)
        }
    }

    /// The SHA-256 of a file's contents, read in 256 KiB pieces into one buffer; `nil` when it
    /// cannot be read.
    static func sha256(of path: String) -> SHA256Hash? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return SHA256Hash(digest: hasher.finalize())
    }

    /// How ``linkOrCopy(_:to:size:replacing:)`` put a file in place.
    package enum Placement: Sendable {
        case linked, copied, present
    }

    /// Puts the file at `source` at `destination` too: a hard link, or a copy (written atomically
    /// through `destination`'s folder) when the two are on different file systems or links are not
    /// allowed. Folders are made without flushing each (callers that need it flush once).
    /// - Parameters:
    ///   - source: The file.
    ///   - destination: Where it goes too.
    ///   - size: The file's size.
    ///   - replacing: Whether a file already at `destination` is replaced; when `false`, a file of
    ///     `size` bytes there is kept (``Placement/present``: files named after their content).
    /// - Returns: Whether the file was linked, copied, or already there.
    /// - Throws: ``AudioCacheError`` (I/O).
    package static func linkOrCopy(
        _ source: String,
        to destination: String,
        size: Int,
        replacing: Bool
    ) throws(AudioCacheError) -> Placement {
        let slash = destination.lastIndex(of: "/")
        let folder = slash.map { String(destination[..<$0]) } ?? "."
        if slash != nil { try makeFolder(folder, flushing: false) }
        if link(source, destination) == 0 { return .linked }
        if errno == EEXIST {
            let existing = inspect(destination)
            if !replacing && existing.kind == .file && existing.size == size { return .present }
            try removeFile(destination)
            if link(source, destination) == 0 { return .linked }
        }
        guard [EXDEV, EPERM, EMLINK].contains(errno) else {
            throw AudioCacheError.system("cannot link \(source) to", at: destination)
        }
        guard let bytes = FileManager.default.contents(atPath: source) else {
            throw AudioCacheError.system("cannot read", at: source)
        }
        try writeAtomically(destination, through: folder, bytes: Array(bytes))
        return .copied
    }

    /// Up to `count` bytes from the start of a file; `nil` when it cannot be read.
    package static func head(of path: String, count: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, 0) }
        guard read >= 0 else { return nil }
        bytes.removeLast(count - read)
        return bytes
    }

    private static func temporaryName(for path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? "file"
        return ".\(name).\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
    }
}

/// An exclusive, advisory lock on a file (`flock`), held until released or the process exits
/// (the kernel releases it even after a crash, so a stale lock never blocks a cache).
final class FileLock: Sendable {
    private let descriptor: Mutex<Int32?>
    /// The locked file.
    let path: String

    /// Takes the lock at `path` without waiting.
    /// - Parameters:
    ///   - path: The lock file; created when missing.
    ///   - purpose: What the lock guards, for the message when it is taken.
    /// - Throws: ``AudioCacheError`` of kind ``AudioCacheError/Kind/locked`` naming the holder's
    ///   process id when another process holds it, or an I/O error.
    init(path: String, purpose: String) throws(AudioCacheError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AudioCacheError.system("cannot open lock file", at: path)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = read(descriptor, &buffer, buffer.count)
            close(descriptor)
            let holder = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
                .trimmingSuffix { $0 == "\n" }
            let who = holder.isEmpty ? "another process" : "process \(holder)"
            throw AudioCacheError(
                .locked,
                "\(purpose) is in use by \(who) (lock \(path)); wait for it to finish, or stop it, and try again"
            )
        }
        _ = ftruncate(descriptor, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = Mutex(descriptor)
        self.path = path
    }

    /// Releases the lock; releasing it again does nothing.
    func release() {
        descriptor.withLock { descriptor in
            guard let open = descriptor else { return }
            flock(open, LOCK_UN)
            close(open)
            descriptor = nil
        }
    }

    deinit {
        release()
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var text = self
        while let last = text.last, predicate(last) { text.removeLast() }
        return text
    }
}

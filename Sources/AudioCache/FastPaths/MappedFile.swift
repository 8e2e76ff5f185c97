#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only access to a whole regular file through `mmap`, so that large manifests cost page
/// cache rather than heap.
enum MappedFile {
    /// Calls `body` with the contents of the regular file at `path`.
    ///
    /// The file is opened without blocking and checked to be a regular file before it is read, so
    /// a FIFO or a device named as a manifest is refused instead of hanging the run.
    /// - Parameters:
    ///   - path: The file to read.
    ///   - body: Receives the bytes; they are valid only during the call.
    /// - Returns: What `body` returns.
    /// - Throws: ``AudioCacheError`` when the file cannot be opened, is not a regular file or is
    ///   empty, or what `body` throws.
    static func withContents<R>(
        of path: String,
        _ body: (UnsafeRawBufferPointer) throws(AudioCacheError) -> R
    ) throws(AudioCacheError) -> R {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw .missingInput(path, "cannot open file: \(systemMessage())")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw .missingInput(path, "cannot read file: \(systemMessage())")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            if info.st_mode & S_IFMT == S_IFDIR {
                throw .badData(at: SourceLocation(file: path), "is a folder, but a manifest file was expected")
            }
            throw .badData(at: SourceLocation(file: path), "is not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw .badData(at: SourceLocation(file: path), "file is empty (0 bytes)")
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw .missingInput(path, "cannot map file: \(systemMessage())")
        }
        defer { munmap(address, size) }
        #if canImport(Glibc)
        _ = madvise(address, size, MADV_SEQUENTIAL)
        #endif
        return try body(UnsafeRawBufferPointer(start: address, count: size))
    }
}

/// The text of the current `errno`.
func systemMessage(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

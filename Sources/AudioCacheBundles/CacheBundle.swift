import AudioCache
import Crypto
import Foundation
import ZIPFoundation

/// A cache folder packed into one file that a pipeline can move (a CI artifact, an object in a
/// bucket, a layer of an image), and unpacked again into a folder any runtime opens.
///
/// A bundle holds `index.json` (with the journal folded into it first), `index.table` when there
/// is one, and the audio file of every entry, in that order, audio in byte order of its path.
/// Every entry has the time of the index's `updated_at`, owner and group 0 and no names, mode
/// 0644: the same cache gives the same bytes. Beside it, `NAME.sha256` holds its SHA-256 in the
/// form `sha256sum -c` reads.
public enum CacheBundle {
    /// What ``write(_:to:format:)`` packed.
    public struct Written: Sendable, Hashable {
        /// The bundle's path.
        public var path: String
        /// Its SHA-256.
        public var sha256: String
        /// Files packed (the index files and the audio).
        public var files: Int
        /// Bytes packed, before compression.
        public var bytes: Int
        /// The bundle's size.
        public var size: Int
        /// The checksum file written beside it.
        public var checksumPath: String
    }

    /// What ``extract(_:into:)`` unpacked.
    public struct Extracted: Sendable, Hashable {
        /// Files unpacked.
        public var files: Int
        /// Bytes unpacked.
        public var bytes: Int
        /// Whether a checksum file beside the bundle was found and matched.
        public var checksumChecked: Bool
    }

    /// The time every entry of a bundle carries: the cache's `updated_at`, in whole seconds.
    static func modificationTime(of cache: CacheDirectory) async -> Date {
        Date(timeIntervalSince1970: (await cache.updatedAt.timeIntervalSince1970).rounded(.down))
    }

    /// Packs a cache into a bundle at `path` (written beside it under a temporary name and then
    /// renamed, so a reader never sees a part), and writes `path.sha256`.
    ///
    /// The journal is folded into `index.json` first when it holds anything
    /// (``CacheDirectory/compactIfNeeded()``), so the cache must be open read-write.
    /// - Parameters:
    ///   - cache: The cache, open read-write.
    ///   - path: Where to write the bundle.
    ///   - format: How to pack it; by default from the name (`.tar.gz`, `.tgz`, `.zip`).
    /// - Returns: What was packed.
    /// - Throws: ``AudioCacheError``: usage for an unknown format or a read-only cache, bad data
    ///   for an entry whose file is missing or resized (run `audiocache verify`), I/O errors.
    public static func write(
        _ cache: CacheDirectory,
        to path: String,
        format: BundleFormat? = nil
    ) async throws(AudioCacheError) -> Written {
        guard let format = format ?? BundleFormat(path: path) else {
            throw AudioCacheError(.usage, "\(path): a bundle is named .tar.gz, .tgz or .zip")
        }
        try await cache.compactIfNeeded()
        let root = cache.root
        var members = ["index.json"]
        if FileManager.default.fileExists(atPath: root + "/index.table") { members.append("index.table") }
        let records = await cache.allRecords().sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        // The index files are packed as they are; each audio file must be the size its entry records.
        let sizes = [Int?](repeating: nil, count: members.count) + records.map(\.size)
        members += records.map(\.path)
        let date = await modificationTime(of: cache)
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        var written: Written
        do {
            switch format {
            case .tarGzip: written = try writeTar(members, sizes: sizes, from: root, to: temporary, date: date)
            case .zip: written = try writeZip(members, sizes: sizes, from: root, to: temporary, date: date)
            }
            written.path = path
            written.checksumPath = path + ".sha256"
            let name = URL(fileURLWithPath: path).lastPathComponent
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
            try Data("\(written.sha256)  \(name)\n".utf8).write(
                to: URL(fileURLWithPath: written.checksumPath),
                options: .atomic
            )
        } catch let error as AudioCacheError {
            throw error
        } catch {
            throw AudioCacheError(.io, at: SourceLocation(file: path), "cannot write the bundle: \(error)")
        }
        return written
    }

    /// Reads a member of the cache folder whole into `buffer` with `read(2)` (no mapping: most
    /// are small), refusing it when the index records another size.
    /// - Returns: Its size.
    private static func readMember(
        _ member: String,
        expectedSize: Int?,
        in root: String,
        into buffer: inout [UInt8]
    ) throws(AudioCacheError) -> Int {
        let path = root + "/" + member
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if expectedSize == nil { throw AudioCacheError.system("cannot read", at: path) }
            throw mismatch(member, path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw mismatch(member, path) }
        let size = Int(info.st_size)
        if let expectedSize, expectedSize != size { throw mismatch(member, path) }
        if buffer.count < size { buffer = [UInt8](repeating: 0, count: max(size, buffer.count * 2)) }
        var offset = 0
        while offset < size {
            let count = buffer.withUnsafeMutableBytes { bytes in
                read(descriptor, bytes.baseAddress.map { $0 + offset }, size - offset)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw AudioCacheError.system("cannot read", at: path) }
            offset += count
        }
        return size
    }

    private static func mismatch(_ member: String, _ path: String) -> AudioCacheError {
        AudioCacheError(
            .badData,
            at: SourceLocation(file: path),
            "an entry names \(member), but the file is missing or not the size the index records; run audiocache verify"
        )
    }

    private static func writeTar(
        _ members: [String],
        sizes: [Int?],
        from root: String,
        to path: String,
        date: Date
    ) throws -> Written {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let output = FileHandle(forWritingAtPath: path)
        else { throw AudioCacheError.system("cannot create", at: path) }
        defer { try? output.close() }
        let gzip = try GzipWriter(to: output)
        var bytes = 0
        let zeros = [UInt8](repeating: 0, count: TarHeader.blockSize)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        for (member, expected) in zip(members, sizes) {
            let size = try readMember(member, expectedSize: expected, in: root, into: &buffer)
            let header = TarHeader(
                path: member,
                kind: .file,
                size: size,
                mode: 0o644,
                modificationTime: Int(date.timeIntervalSince1970)
            )
            guard let block = header.encoded() else {
                throw AudioCacheError(.badData, at: SourceLocation(file: member), "cannot be packed in a tar archive")
            }
            try block.withUnsafeBytes { try gzip.write($0) }
            try buffer.withUnsafeBytes { try gzip.write(UnsafeRawBufferPointer(rebasing: $0[..<size])) }
            try zeros.withUnsafeBytes {
                try gzip.write(UnsafeRawBufferPointer(rebasing: $0[..<TarHeader.padding(after: size)]))
            }
            bytes += size
        }
        // The end of the archive: two blocks of zeros.
        for _ in 0..<2 { try zeros.withUnsafeBytes { try gzip.write($0) } }
        let digest = try gzip.finish()
        try output.synchronize()
        return Written(
            path: path,
            sha256: digest.lowercaseHex,
            files: members.count,
            bytes: bytes,
            size: gzip.writtenBytes,
            checksumPath: ""
        )
    }

    private static func writeZip(
        _ members: [String],
        sizes: [Int?],
        from root: String,
        to path: String,
        date: Date
    ) throws -> Written {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        var bytes = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        for (member, expected) in zip(members, sizes) {
            let size = try readMember(member, expectedSize: expected, in: root, into: &buffer)
            let data = Data(buffer[..<size])
            // Audio is compressed already; the index is text.
            let method: CompressionMethod = member.hasPrefix("index.") ? .deflate : .none
            try archive.addEntry(
                with: member,
                type: .file,
                uncompressedSize: Int64(data.count),
                modificationDate: date,
                permissions: 0o644,
                compressionMethod: method,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
            )
            bytes += data.count
        }
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var hash = SHA256()
        var size = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hash.update(data: chunk)
            size += chunk.count
        }
        return Written(
            path: path,
            sha256: hash.finalize().lowercaseHex,
            files: members.count,
            bytes: bytes,
            size: size,
            checksumPath: ""
        )
    }
}

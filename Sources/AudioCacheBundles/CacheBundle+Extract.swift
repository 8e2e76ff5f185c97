import AudioCache
import CompressNIO
import Crypto
import Foundation
import ZIPFoundation

extension CacheBundle {
    /// Unpacks a bundle into `folder`, which must not exist or be empty: into a temporary folder
    /// beside it first, renamed into place once everything is out, so nothing is half-written.
    ///
    /// Refused, with nothing written: an entry that would land outside `folder` (an absolute
    /// path, a `..` component), a symbolic or hard link, a device, a FIFO, any other entry type
    /// than a file or a folder, a name given twice, a damaged or cut-short archive, and a bundle
    /// whose checksum file (`FILE.sha256` beside it, when there is one) does not match. The
    /// unpacked folder must then open as a cache.
    /// - Parameters:
    ///   - path: The bundle.
    ///   - folder: Where to unpack it.
    /// - Returns: What was unpacked.
    /// - Throws: ``AudioCacheError``: missing input for a missing bundle; bad data for an unsafe,
    ///   damaged or mismatched bundle; usage for a folder that is not empty; I/O errors.
    public static func extract(_ path: String, into folder: String) throws(AudioCacheError) -> Extracted {
        try extract(path, into: folder, only: nil)
    }

    /// Unpacks only `index.json` and `index.table` of a bundle into `folder`, with the same checks
    /// as ``extract(_:into:)`` (but for the checksum): enough to open the cache read-only and read
    /// its entries, as `audiocache diff` does, without unpacking the audio.
    /// - Parameters:
    ///   - path: The bundle.
    ///   - folder: An empty or missing folder.
    /// - Throws: ``AudioCacheError`` as ``extract(_:into:)``.
    public static func extractIndex(_ path: String, into folder: String) throws(AudioCacheError) {
        _ = try extract(path, into: folder, only: ["index.json", "index.table"])
    }

    private static func extract(
        _ path: String,
        into folder: String,
        only: Set<String>?
    ) throws(AudioCacheError) -> Extracted {
        guard let head = FileSystem.head(of: path, count: 4) else {
            throw AudioCacheError(.missingInput, at: SourceLocation(file: path), "cannot open the bundle")
        }
        guard let format = BundleFormat(magic: head) else {
            throw AudioCacheError(.badData, at: SourceLocation(file: path), "is not a bundle (neither gzip nor zip)")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard contents.isEmpty else {
            throw AudioCacheError(.usage, at: SourceLocation(file: folder), "is not empty; unpack into a new folder")
        }
        let checksumChecked = only == nil ? try checkChecksum(of: path) : false
        let parent = URL(fileURLWithPath: folder).deletingLastPathComponent().path
        let temporary = parent + "/.\(URL(fileURLWithPath: folder).lastPathComponent).partial-\(UUID().uuidString)"
        var extracted: Extracted
        do {
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
            switch format {
            case .tarGzip: extracted = try extractTar(path, into: temporary, only: only)
            case .zip: extracted = try extractZip(path, into: temporary, only: only)
            }
            extracted.checksumChecked = checksumChecked
            guard CacheDirectory.hasIndex(in: temporary) else {
                throw AudioCacheError(
                    .badData,
                    at: SourceLocation(file: path),
                    "holds no index.json: it is not a cache bundle"
                )
            }
            // A whole bundle must open as a cache (its index parses); the index alone is opened by
            // the caller anyway.
            if only == nil {
                _ = try CacheDirectory(configuration: CacheConfiguration(directory: temporary), access: .readOnly)
            }
            if FileManager.default.fileExists(atPath: folder) { try FileManager.default.removeItem(atPath: folder) }
            try FileManager.default.moveItem(atPath: temporary, toPath: folder)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let error = error as? AudioCacheError { throw error }
            if error is CompressNIOError || error is TarHeader.ParseError {
                throw AudioCacheError(
                    .badData,
                    at: SourceLocation(file: path),
                    "the archive is damaged (\(error)); nothing was unpacked"
                )
            }
            throw AudioCacheError(.io, at: SourceLocation(file: folder), "cannot unpack \(path): \(error)")
        }
        return extracted
    }

    /// Unpacks `path` into `folder` unless `folder` already holds that very bundle, unpacked by an
    /// earlier call: what `audiocache serve --bundle` does at each start. The bundle's SHA-256
    /// (from `PATH.sha256` when it exists, else computed) is kept in `folder/.bundle.sha256`.
    /// - Returns: `true` when the bundle was unpacked now, `false` when it was there already.
    /// - Throws: ``AudioCacheError`` as ``extract(_:into:)``; usage when `folder` holds anything
    ///   else.
    public static func extractUnlessPresent(_ path: String, into folder: String) throws(AudioCacheError) -> Bool {
        let marker = folder + "/.bundle.sha256"
        let digest = try checksum(of: path)
        if let kept = try? String(contentsOfFile: marker, encoding: .utf8), kept == digest + "\n",
            CacheDirectory.hasIndex(in: folder)
        {
            return false
        }
        _ = try extract(path, into: folder)
        try FileSystem.writeAtomically(marker, through: folder, bytes: Array((digest + "\n").utf8))
        return true
    }

    /// The SHA-256 of a bundle: what `PATH.sha256` says when that file exists (``extract(_:into:)``
    /// checks it), else computed.
    static func checksum(of path: String) throws(AudioCacheError) -> String {
        if let digest = expectedChecksum(of: path), SHA256Hash(hex: digest) != nil { return digest }
        return try computedChecksum(of: path)
    }

    /// The first field of `PATH.sha256` (as `sha256sum` writes it), lowercased; `nil` when there
    /// is no such file.
    private static func expectedChecksum(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: path + ".sha256", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.map(String.init)?.lowercased() ?? ""
    }

    private static func computedChecksum(of path: String) throws(AudioCacheError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AudioCacheError(.missingInput, at: SourceLocation(file: path), "cannot open the bundle")
        }
        defer { try? handle.close() }
        var hash = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(data: chunk) }
        return hash.finalize().lowercaseHex
    }

    /// Compares the bundle with `PATH.sha256` when that file exists.
    /// - Returns: Whether a checksum was checked.
    private static func checkChecksum(of path: String) throws(AudioCacheError) -> Bool {
        guard let expected = expectedChecksum(of: path) else { return false }
        let actual = try computedChecksum(of: path)
        guard actual == expected else {
            throw AudioCacheError(
                .badData,
                at: SourceLocation(file: path),
                "its SHA-256 is \(actual), but \(path).sha256 says \(expected): the bundle is damaged or not the one named"
            )
        }
        return true
    }

    /// Refuses `path` as an entry name unless it stays inside the folder.
    private static func checkName(_ name: String, in bundle: String, seen: inout Set<String>) throws(AudioCacheError) {
        guard BundlePath.isSafe(name) else {
            throw AudioCacheError(
                .badData,
                at: SourceLocation(file: bundle),
                "entry \"\(name)\" would land outside the folder it is unpacked into; nothing was unpacked"
            )
        }
        guard seen.insert(name).inserted else {
            throw AudioCacheError(.badData, at: SourceLocation(file: bundle), "entry \"\(name)\" appears twice")
        }
    }

    /// Creates `file` (never through an existing name) and writes `bytes` to it.
    private static func create(_ file: String) throws(AudioCacheError) -> FileHandle {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw AudioCacheError(.io, at: SourceLocation(file: folder), "cannot create folder: \(error)")
        }
        let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AudioCacheError.system("cannot create", at: file) }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    private static func extractTar(_ path: String, into folder: String, only: Set<String>?) throws -> Extracted {
        guard let input = FileHandle(forReadingAtPath: path) else {
            throw AudioCacheError(.missingInput, at: SourceLocation(file: path), "cannot open the bundle")
        }
        defer { try? input.close() }
        let gzip = try GzipReader(from: input)
        var pending: [UInt8] = []
        var offset = 0
        var ended = false
        /// Exactly `count` more bytes of the archive, or `nil` when it ends first.
        func take(_ count: Int) throws -> ArraySlice<UInt8>? {
            while pending.count - offset < count {
                guard let chunk = try gzip.next() else { return nil }
                if offset > 0 {
                    pending.removeFirst(offset)
                    offset = 0
                }
                pending += chunk.readableBytesView
            }
            defer { offset += count }
            return pending[offset..<offset + count]
        }
        func damaged(_ what: String) -> AudioCacheError {
            AudioCacheError(.badData, at: SourceLocation(file: path), "\(what); nothing was unpacked")
        }
        var seen: Set<String> = []
        var extracted = Extracted(files: 0, bytes: 0, checksumChecked: false)
        while !ended {
            guard let block = try take(TarHeader.blockSize) else { throw damaged("the archive is cut short") }
            if block.allSatisfy({ $0 == 0 }) {
                ended = true
                break
            }
            let header: TarHeader
            do {
                header = try TarHeader(parsing: block)
            } catch {
                throw damaged("a tar header is damaged (\(error))")
            }
            try checkName(header.path, in: path, seen: &seen)
            switch header.kind {
            case .folder:
                try FileManager.default.createDirectory(
                    atPath: folder + "/" + header.path,
                    withIntermediateDirectories: true
                )
            case .file:
                let wanted = only?.contains(header.path) ?? true
                let output = wanted ? try create(folder + "/" + header.path) : nil
                var left = header.size
                while left > 0 {
                    let count = min(left, 1 << 20)
                    guard let bytes = try take(count) else { throw damaged("the archive is cut short") }
                    try bytes.withUnsafeBytes { try output?.write(contentsOf: $0) }
                    left -= count
                }
                try output?.close()
                guard try take(TarHeader.padding(after: header.size)) != nil else {
                    throw damaged("the archive is cut short")
                }
                if wanted {
                    extracted.files += 1
                    extracted.bytes += header.size
                }
                // A bundle packs its index first: the rest need not be read.
                if let only, seen.isSuperset(of: only) || (seen.contains("index.json") && !wanted) { ended = true }
            case .other(let flag):
                let kinds: [UInt8: String] = [
                    UInt8(ascii: "1"): "a hard link", UInt8(ascii: "2"): "a symbolic link",
                    UInt8(ascii: "3"): "a character device", UInt8(ascii: "4"): "a block device",
                    UInt8(ascii: "6"): "a FIFO",
                ]
                let kind = kinds[flag] ?? "an entry of type \"\(String(decoding: [flag], as: UTF8.self))\""
                throw damaged("entry \"\(header.path)\" is \(kind), which a bundle never holds")
            }
        }
        return extracted
    }

    private static func extractZip(_ path: String, into folder: String, only: Set<String>?) throws -> Extracted {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw AudioCacheError(.badData, at: SourceLocation(file: path), "is not a readable zip archive: \(error)")
        }
        var seen: Set<String> = []
        var extracted = Extracted(files: 0, bytes: 0, checksumChecked: false)
        // Every name is checked before anything is written.
        for entry in archive {
            try checkName(entry.path, in: path, seen: &seen)
            if entry.type == .symlink {
                throw AudioCacheError(
                    .badData,
                    at: SourceLocation(file: path),
                    "entry \"\(entry.path)\" is a symbolic link, which a bundle never holds; nothing was unpacked"
                )
            }
        }
        for entry in archive where only?.contains(entry.path) ?? true {
            if entry.type == .directory {
                try FileManager.default.createDirectory(
                    atPath: folder + "/" + entry.path,
                    withIntermediateDirectories: true
                )
                continue
            }
            let output = try create(folder + "/" + entry.path)
            do {
                _ = try archive.extract(entry) { data in try output.write(contentsOf: data) }
            } catch {
                throw AudioCacheError(
                    .badData,
                    at: SourceLocation(file: path),
                    "entry \"\(entry.path)\" is damaged: \(error)"
                )
            }
            try output.close()
            extracted.files += 1
            extracted.bytes += Int(entry.uncompressedSize)
        }
        return extracted
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One manifest file to read, with the defaults its place in a folder layout gives it.
struct ManifestFile: Sendable, Hashable {
    /// The path to show the user: the folder as given on the command line joined with the path
    /// below it.
    var path: String
    /// The format chosen by extension.
    var format: ManifestFormat
    /// Defaults from the folder layout `<voice_id>/<language>/…` (empty for files named directly).
    var folderDefaults: PhraseDefaults
    /// The size in bytes when the file was found (a hint for planning memory, not a promise).
    var size: Int

    /// Creates a manifest file entry.
    /// - Parameters:
    ///   - path: The path to show and open.
    ///   - format: The manifest format.
    ///   - folderDefaults: Defaults from the folder layout.
    ///   - size: The size in bytes, if known.
    init(path: String, format: ManifestFormat, folderDefaults: PhraseDefaults = PhraseDefaults(), size: Int = 0) {
        self.path = path
        self.format = format
        self.folderDefaults = folderDefaults
        self.size = size
    }
}

/// Finds the manifest files among the files and folders a user names.
///
/// Folders are walked recursively in byte order of their entries, so the same tree always yields
/// the same list. Hidden entries (starting with `.`) and documentation (`README*`, `*.md`,
/// `*.txt`) are skipped; any other file with an unsupported extension is a problem, because a
/// misnamed manifest must not be silently left out. A symbolic link is followed only when its
/// target stays inside the folder being walked.
enum ManifestDiscovery {
    /// The manifest files under `paths`, in order, and the problems found while looking.
    /// - Parameter paths: Files and folders as the user gave them.
    /// - Returns: The files to read and the problems (unsupported files, links leaving a folder).
    /// - Throws: ``AudioCacheError`` when a named path does not exist or cannot be read, or a named
    ///   folder holds no manifest (and no misnamed file) at any depth.
    static func find(
        in paths: [String]
    ) throws(AudioCacheError) -> (files: [ManifestFile], problems: [AudioCacheError]) {
        var files: [ManifestFile] = []
        var problems: [AudioCacheError] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw .missingInput(path, "no such file or folder")
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                guard let root = realPath(path) else {
                    throw .missingInput(path, "cannot resolve folder: \(systemMessage())")
                }
                var visited: Set<FileIdentity> = [FileIdentity(info)]
                let (filesBefore, problemsBefore) = (files.count, problems.count)
                try walk(
                    folder: path,
                    root: root,
                    depth: 0,
                    defaults: PhraseDefaults(),
                    visited: &visited,
                    files: &files,
                    problems: &problems
                )
                // A folder with nothing to read is a wrong path, not an empty catalogue: a CI job
                // pointed at it must not go green. (A folder of misnamed files reports them.)
                if files.count == filesBefore && problems.count == problemsBefore {
                    throw .missingInput(path, "no manifests (\(ManifestFormat.extensions.joined(separator: ", ")))")
                }
            } else if let format = ManifestFormat(pathExtension: pathExtension(of: path)) {
                files.append(ManifestFile(path: path, format: format, size: Int(info.st_size)))
            } else {
                problems.append(unsupported(path))
            }
        }
        return (files, problems)
    }

    private static func walk(
        folder: String,
        root: String,
        depth: Int,
        defaults: PhraseDefaults,
        visited: inout Set<FileIdentity>,
        files: inout [ManifestFile],
        problems: inout [AudioCacheError]
    ) throws(AudioCacheError) {
        guard depth < 64 else {
            problems.append(.badData(at: SourceLocation(file: folder), "folders nest more than 64 levels deep"))
            return
        }
        for name in try entries(of: folder) {
            if name.hasPrefix(".") { continue }
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            var linkInfo = stat()
            guard lstat(path, &linkInfo) == 0 else {
                problems.append(.missingInput(path, "cannot read: \(systemMessage())"))
                continue
            }
            var info = linkInfo
            if linkInfo.st_mode & S_IFMT == S_IFLNK {
                guard let target = realPath(path), stat(path, &info) == 0 else {
                    problems.append(.badData(at: SourceLocation(file: path), "symbolic link is broken"))
                    continue
                }
                guard target == root || target.hasPrefix(root + "/") else {
                    problems.append(
                        .badData(
                            at: SourceLocation(file: path),
                            "symbolic link leaves the folder \(root); links must stay inside it"
                        )
                    )
                    continue
                }
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard visited.insert(FileIdentity(info)).inserted else { continue }
                var inner = defaults
                if depth == 0 { inner.voiceID = name } else if depth == 1 { inner.language = name }
                try walk(
                    folder: path,
                    root: root,
                    depth: depth + 1,
                    defaults: inner,
                    visited: &visited,
                    files: &files,
                    problems: &problems
                )
            case S_IFREG:
                if let format = ManifestFormat(pathExtension: pathExtension(of: name)) {
                    files.append(
                        ManifestFile(path: path, format: format, folderDefaults: defaults, size: Int(info.st_size))
                    )
                } else if !isDocumentation(name) {
                    problems.append(unsupported(path))
                }
            default:
                problems.append(.badData(at: SourceLocation(file: path), "is not a regular file or folder"))
            }
        }
    }

    private static func entries(of folder: String) throws(AudioCacheError) -> [String] {
        guard let directory = opendir(folder) else {
            throw .missingInput(folder, "cannot read folder: \(systemMessage())")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func unsupported(_ path: String) -> AudioCacheError {
        .badData(
            at: SourceLocation(file: path),
            "unsupported manifest extension; use \(ManifestFormat.extensions.dropLast().joined(separator: ", ")) or \(ManifestFormat.extensions.last ?? "")"
        )
    }

    private static func isDocumentation(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasPrefix("readme") || lower.hasSuffix(".md") || lower.hasSuffix(".txt")
    }

    static func pathExtension(of path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: true).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// A file's device and inode, to recognise a folder already walked (link cycles).
private struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// How a cache bundle is packed, by the file's name.
public enum BundleFormat: String, Sendable, CaseIterable {
    /// A POSIX (ustar) tar archive compressed with gzip: `.tar.gz` or `.tgz`.
    case tarGzip = "tar.gz"
    /// A zip archive: `.zip` (audio stored as it is, the index deflated).
    case zip

    /// The format a file name asks for, or `nil`.
    /// - Parameter path: The bundle's path.
    public init?(path: String) {
        let name = path.lowercased()
        if name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") {
            self = .tarGzip
        } else if name.hasSuffix(".zip") {
            self = .zip
        } else {
            return nil
        }
    }

    /// The format of a bundle's first bytes (gzip's or zip's magic number), or `nil`.
    /// - Parameter head: The file's first bytes.
    public init?(magic head: [UInt8]) {
        if head.starts(with: [0x1F, 0x8B]) {
            self = .tarGzip
        } else if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            self = .zip
        } else {
            return nil
        }
    }
}

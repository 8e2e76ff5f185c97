/// The names a bundle may hold: relative paths inside the folder it is unpacked into.
enum BundlePath {
    /// Whether `path` names a place inside the extraction folder: not empty, not absolute, no
    /// empty, `.` or `..` component, no NUL or backslash, at most 4,096 bytes. Symbolic links
    /// are refused separately, by entry type, so no component can lead elsewhere either.
    static func isSafe(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= 4_096, bytes.first != UInt8(ascii: "/") else { return false }
        guard !bytes.contains(0), !bytes.contains(UInt8(ascii: "\\")) else { return false }
        var trimmed = bytes[...]
        // A folder's entry ends with a slash.
        if trimmed.last == UInt8(ascii: "/") { trimmed = trimmed.dropLast() }
        return trimmed.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy { component in
            !component.isEmpty && !component.elementsEqual([UInt8(ascii: ".")])
                && !component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
        }
    }
}

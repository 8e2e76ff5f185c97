/// Bounds a scanner keeps to, so that no input can exhaust memory, time or the call stack: the
/// one interface between the scanners and the rules of what they scan (a manifest's
/// ``ManifestLimits``, the cache index's own).
struct ScanLimits: Sendable, Hashable {
    /// The deepest nesting of containers.
    var maxDepth: Int
    /// The most bytes one field or string may hold.
    var maxFieldBytes: Int
    /// What a "too long" message adds after the bound, such as `a text may hold at most 5000
    /// characters`; empty for nothing.
    var tooLongHint: String

    /// The message for a field or string longer than ``maxFieldBytes``.
    /// - Parameter what: `field` or `string`.
    /// - Returns: `what is longer than N bytes`, and the hint.
    func tooLongMessage(_ what: String) -> String {
        let bound = "\(what) is longer than \(maxFieldBytes) bytes"
        return tooLongHint.isEmpty ? bound : "\(bound); \(tooLongHint)"
    }
}

/// Bounds on what a manifest may contain, so that no input can exhaust memory or time.
public struct ManifestLimits: Sendable, Hashable {
    /// The longest text, in Unicode scalars (what Python's `len()` counts). Default 5,000.
    public var maxTextCharacters: Int
    /// The deepest nesting of JSON arrays and objects or XML elements. Default 32.
    public var maxNestingDepth: Int
    /// The most problems collected from one file before the rest of it is skipped. Default 1,000.
    public var maxProblemsPerFile: Int

    /// Creates limits.
    /// - Parameters:
    ///   - maxTextCharacters: The longest text, in Unicode scalars.
    ///   - maxNestingDepth: The deepest nesting of containers or elements.
    ///   - maxProblemsPerFile: The most problems reported for one file.
    public init(maxTextCharacters: Int = 5_000, maxNestingDepth: Int = 32, maxProblemsPerFile: Int = 1_000) {
        self.maxTextCharacters = maxTextCharacters
        self.maxNestingDepth = maxNestingDepth
        self.maxProblemsPerFile = maxProblemsPerFile
    }

    /// The most UTF-8 bytes a single field may hold before a reader gives up on it: four bytes for
    /// each allowed character, plus room for quoting and escapes.
    public var maxFieldBytes: Int { maxTextCharacters * 4 + 4_096 }

    /// What the scanners keep to when they read a manifest.
    var scanning: ScanLimits {
        ScanLimits(
            maxDepth: maxNestingDepth,
            maxFieldBytes: maxFieldBytes,
            tooLongHint: "a text may hold at most \(maxTextCharacters) characters"
        )
    }
}

/// Python's text operations that the cache key depends on, reproduced exactly.
///
/// The reference Python implementation normalizes a phrase as `" ".join(text.lower().split())`.
/// These functions give the same result for every string a Swift `String` can hold, using tables generated from
/// Python itself (`scripts/generate-unicode-tables.py`) rather than Swift's own Unicode data, which
/// follows a different Unicode version and has no Final_Sigma rule.
enum PythonText {
    /// The Unicode version of the tables: Python's `unicodedata.unidata_version`.
    ///
    /// When the runtime moves to a Python with another Unicode version, regenerate the tables.
    static let unicodeVersion: String = PythonUnicodeTables.unicodeVersion

    /// Python's `str.isspace()` for one scalar.
    ///
    /// True for `\t \n \v \f \r`, U+001C–U+001F, space, U+0085, U+00A0, U+1680, U+2000–U+200A,
    /// U+2028, U+2029, U+202F, U+205F and U+3000; false for U+200B and U+180E among others.
    /// - Parameter scalar: The scalar to classify.
    /// - Returns: Whether `str.split()` splits on it.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        PythonCaseTable.shared.entry(scalar.value) == PythonCaseTable.space
    }

    /// Python's `str.lower()`.
    ///
    /// Full lowercase mappings (`"İ"` becomes `"i\u{307}"`), the Final_Sigma rule for `"Σ"`, and no
    /// Unicode normalization.
    /// - Parameter text: The text to lowercase.
    /// - Returns: The lowercase text.
    static func lowercased(_ text: String) -> String {
        transform(text, splitting: false)
    }

    /// Python's `" ".join(text.lower().split())`: the text part of the cache key.
    ///
    /// Lowercases as `lowercased(_:)`, then splits on runs of `isSpace(_:)` scalars and joins the
    /// words with single spaces, so leading and trailing whitespace disappear.
    /// - Parameter text: The text as written.
    /// - Returns: The normalized text.
    static func normalize(_ text: String) -> String {
        transform(text, splitting: true)
    }

    private static func transform(_ text: String, splitting: Bool) -> String {
        let table = PythonCaseTable.shared
        return PythonTextTransform.withUTF8(text) { input in
            String(unsafeUninitializedCapacity: PythonTextTransform.capacity(forInputCount: input.count)) { output in
                guard let base = output.baseAddress else { return 0 }
                return PythonTextTransform.transform(input, splitting: splitting, into: base, table: table)
            }
        }
    }
}

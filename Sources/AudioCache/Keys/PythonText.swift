// PLACEHOLDER: replaced by the exact, table-driven implementation (Unicode tables from Python).
/// Python's text operations that the cache key depends on, reproduced exactly.
public enum PythonText {
    /// Python's `str.isspace()` for one scalar.
    public static func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }
    /// Python's `" ".join(text.lower().split())`.
    public static func normalize(_ text: String) -> String {
        text.lowercased().unicodeScalars.split(whereSeparator: isSpace).map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
    }
}

/// The byte between the fields of a CSV file: a comma, or the semicolon spreadsheets write in
/// locales whose decimal separator is a comma, or a tab (`.tsv`, "Unicode Text").
enum CSVDelimiter: UInt8, CustomStringConvertible, CaseIterable {
    case comma = 0x2C
    case semicolon = 0x3B
    case tab = 0x09

    /// How a message names it: `','`, `';'` or `a tab`.
    var description: String {
        switch self {
        case .comma: "','"
        case .semicolon: "';'"
        case .tab: "a tab"
        }
    }

    /// The delimiter of a file, found from its header line as Python's `csv.Sniffer` would for a
    /// header: the candidate that occurs most often outside quotes before the first line break
    /// outside quotes; ties, and a header with none (one column), go to the comma, then the tab,
    /// then the semicolon.
    /// - Parameters:
    ///   - base: The file.
    ///   - start: Where the header starts.
    ///   - end: The end of the file.
    /// - Returns: The delimiter.
    static func detect(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> CSVDelimiter {
        var commas = 0
        var semicolons = 0
        var tabs = 0
        var insideQuotes = false
        var offset = start
        // A header whose fields are short is read to its end; a very long first line is judged
        // by its first 64 KiB.
        let limit = min(end, start + 65_536)
        while offset < limit {
            let byte = base[offset]
            offset += 1
            if byte == UInt8(ascii: "\"") {
                insideQuotes.toggle()
            } else if !insideQuotes {
                switch byte {
                case 0x0A, 0x0D: offset = limit
                case comma.rawValue: commas += 1
                case semicolon.rawValue: semicolons += 1
                case tab.rawValue: tabs += 1
                default: break
                }
            }
        }
        if commas >= tabs && commas >= semicolons { return .comma }
        return tabs >= semicolons ? .tab : .semicolon
    }
}

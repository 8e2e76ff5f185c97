/// What a `GET` or `HEAD` of a stored file answers, decided from the request's conditional and
/// range headers alone (RFC 9110 §13 and §14), with no I/O.
enum ByteRangeRequest: Equatable, Sendable {
    /// 200 with the whole file.
    case whole
    /// 206 with these bytes.
    case part(ClosedRange<Int>)
    /// 304: the client's copy (`If-None-Match`) is current.
    case notModified
    /// 416: the range starts past the end of the file.
    case unsatisfiable

    /// Decides the answer for a file.
    ///
    /// - `If-None-Match` that lists the file's entity tag (weak comparison) or `*` answers 304.
    /// - A `Range` of one byte range (`bytes=0-99`, `bytes=100-`, or the suffix `bytes=-100`, the
    ///   last 100 bytes) answers 206 with that range, cut at the end of the file; one that starts
    ///   past the end (or a suffix of 0 bytes) answers 416. Several ranges, another unit, or a header
    ///   that does not parse are ignored (the whole file, as RFC 9110 allows), and so is a range
    ///   whose `If-Range` names another entity tag.
    /// - Parameters:
    ///   - size: The file's size in bytes.
    ///   - entityTag: The file's strong entity tag, quotes included (`"3fa2…"`).
    ///   - ifNoneMatch: The `If-None-Match` header.
    ///   - range: The `Range` header.
    ///   - ifRange: The `If-Range` header.
    /// - Returns: The answer.
    static func decide(
        size: Int,
        entityTag: String,
        ifNoneMatch: String?,
        range: String?,
        ifRange: String?
    ) -> ByteRangeRequest {
        if let ifNoneMatch, matches(ifNoneMatch, entityTag) { return .notModified }
        guard let range, size > 0 else { return .whole }
        // If-Range with a date, or another tag: the client's partial copy is not this file.
        if let ifRange, ifRange.trimmingSpaces != entityTag { return .whole }
        guard let spec = parse(range) else { return .whole }
        switch spec {
        case .from(let first, let last):
            guard first < size else { return .unsatisfiable }
            return .part(first...min(last ?? size - 1, size - 1))
        case .suffix(let count):
            guard count > 0 else { return .unsatisfiable }
            return .part(max(0, size - count)...(size - 1))
        }
    }

    private enum Spec {
        case from(Int, Int?)
        case suffix(Int)
    }

    /// One `bytes=` range, or `nil` for anything else.
    private static func parse(_ header: String) -> Spec? {
        let text = header.trimmingSpaces
        guard text.lowercased().hasPrefix("bytes=") else { return nil }
        let set = text.dropFirst("bytes=".count)
        guard !set.contains(","), let dash = set.firstIndex(of: "-") else { return nil }
        let first = set[..<dash].trimmingSpaces
        let last = set[set.index(after: dash)...].trimmingSpaces
        if first.isEmpty {
            guard let count = number(last) else { return nil }
            return .suffix(count)
        }
        guard let start = number(first) else { return nil }
        if last.isEmpty { return .from(start, nil) }
        guard let end = number(last), end >= start else { return nil }
        return .from(start, end)
    }

    /// A non-negative decimal of at most 18 digits.
    private static func number(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    /// Whether an `If-None-Match` list names `entityTag` (weak comparison: `W/` is ignored).
    private static func matches(_ list: String, _ entityTag: String) -> Bool {
        let tag = entityTag.opaque
        return list.split(separator: ",").contains { candidate in
            let candidate = String(candidate).trimmingSpaces
            return candidate == "*" || candidate.opaque == tag
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isBlank).reversed().drop(while: isBlank).reversed())
    }

    /// An entity tag without its weakness prefix.
    fileprivate var opaque: String {
        hasPrefix("W/") ? String(dropFirst(2)) : String(self)
    }
}

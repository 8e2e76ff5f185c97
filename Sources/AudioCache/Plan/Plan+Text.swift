extension Plan {
    /// The plan as a table for people: counts per voice and language and in total, then the
    /// collisions and id conflicts, then what a warm run would fetch.
    /// - Parameters:
    ///   - cache: The cache folder, as given.
    ///   - listLimit: The most collisions and id conflicts to list; the rest are counted.
    /// - Returns: Lines of text ending in a newline.
    public func summaryText(cache: String, listLimit: Int = 20) -> String {
        let fileWord = files.count == 1 ? "file" : "files"
        var out = "Plan: \(files.count) \(fileWord), key scheme \(keyScheme.rawValue), cache \(cache)"
        if let shard { out += ", shard \(shard) (the renderings whose key falls in it)" }
        out += "\n\n"
        let header = [
            "VOICE", "LANGUAGE", "PHRASES", "UNIQUE", "DUPLICATES", "COLLISIONS", "CHARACTERS", "CACHED", "MISSING",
            "STALE",
        ]
        var rows = groups.map { group in [group.voiceID, group.language] + Self.columns(group.counts) }
        rows.append(["total", ""] + Self.columns(totals))
        out += Self.table(header: header, rows: rows)
        out += Self.listing(
            count: collisionCount,
            noun: ("collision", "collisions"),
            explanation: "phrases share a key but differ in text or model; the first is rendered",
            entries: collisions(limit: listLimit).map { ("\($0.voiceID)/\($0.language) \($0.key)", $0.variants) },
            limit: listLimit
        )
        out += Self.listing(
            count: idConflictCount,
            noun: ("id conflict", "id conflicts"),
            explanation: "one id used for different texts",
            entries: idConflicts(limit: listLimit).map {
                ("\(quoted($0.id)) \($0.voiceID)/\($0.language)", $0.variants)
            },
            limit: listLimit
        )
        if !problems.isEmpty {
            let count = problems.reduce(0) { $0 + max(1, $1.problems.count) }
            out += "\n\(count) invalid \(count == 1 ? "entry" : "entries") skipped (listed on standard error)\n"
        }
        let toFetch = totals.missing + totals.stale
        out += "\nTo fetch: \(Self.grouped(toFetch)) \(toFetch == 1 ? "rendering" : "renderings"), "
        out += "\(Self.grouped(totals.charactersToFetch)) characters\n"
        return out
    }

    private static func columns(_ counts: PlanCounts) -> [String] {
        [
            counts.phrases, counts.renderings, counts.duplicates, counts.collisions, counts.characters,
            counts.cached, counts.missing, counts.stale,
        ].map(grouped)
    }

    /// A titled list of collisions or id conflicts, each a heading and its variants, with a count
    /// of those past `limit`; empty when there are none.
    private static func listing(
        count: Int,
        noun: (singular: String, plural: String),
        explanation: String,
        entries: [(heading: String, variants: [PhraseVariant])],
        limit: Int
    ) -> String {
        guard count > 0 else { return "" }
        var out = "\n\(grouped(count)) \(count == 1 ? noun.singular : noun.plural): \(explanation)\n"
        for entry in entries {
            out += "  \(entry.heading)\n"
            out += variantLines(entry.variants)
        }
        if count > limit { out += "  … and \(grouped(count - limit)) more (all of them are in --json)\n" }
        return out
    }

    private static func variantLines(_ variants: [PhraseVariant]) -> String {
        var out = ""
        for variant in variants {
            let places = variant.sources.prefix(3).map { "\($0.file):\($0.line)" }.joined(separator: ", ")
            let more = variant.sources.count > 3 ? " and \(variant.sources.count - 3) more" : ""
            let model = variant.modelID.map { " [model \($0)]" } ?? ""
            out += "    \(quoted(variant.text))\(model) at \(places)\(more)\n"
        }
        return out
    }

    /// Left-aligns the first two columns and right-aligns the rest.
    private static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column < 2 ? cell + padding : padding + cell
            }.joined(separator: "  ").trailingSpacesTrimmed()
        }.joined(separator: "\n") + "\n"
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }
}

extension String {
    fileprivate func trailingSpacesTrimmed() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}

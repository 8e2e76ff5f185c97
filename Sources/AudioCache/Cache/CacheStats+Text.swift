import Foundation

extension CacheStats {
    /// The statistics as `audiocache stats` prints them for people: totals, hit rate, a table per
    /// voice and per language, and the most accessed entries.
    /// - Returns: Lines of text, each ending with a line feed.
    public func summaryText() -> String {
        var text = "Cache \(directory) (key scheme \(keyScheme.rawValue))\n"
        text += "Entries:   \(entries) (\(pinnedEntries) pinned, \(expiredEntries) expired)\n"
        text += "Size:      \(ByteCount.describe(totalBytes)) (\(totalBytes) bytes)"
        if maxSizeBytes > 0 {
            text += " of \(ByteCount.describe(maxSizeBytes)) (\(maxSizeBytes) bytes)\n"
        } else {
            text += ", no size limit\n"
        }
        let rate = hitRate.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a"
        text += "Hit rate:  \(rate) (\(hits) hits, \(misses) misses since \(CacheTimestamp.string(since)))\n"
        let unreviewed = entries - approvedEntries - flaggedEntries
        text += "Reviews:   \(approvedEntries) approved, \(flaggedEntries) flagged, \(unreviewed) unreviewed\n"
        func table(_ title: String, _ column: String, _ groups: [Group]) {
            guard !groups.isEmpty else { return }
            text += "\n\(title)\n"
            let width = max(8, groups.map(\.name.count).max() ?? 0)
            text += "  \(pad(column, width))  \(pad("entries", 8, right: true))  \(pad("bytes", 14, right: true))"
            text += "  \(pad("accesses", 9, right: true))\n"
            for group in groups {
                text += "  \(pad(group.name, width))  \(pad("\(group.entries)", 8, right: true))"
                text += "  \(pad("\(group.bytes)", 14, right: true))  \(pad("\(group.accesses)", 9, right: true))\n"
            }
        }
        table("By voice:", "voice", voices)
        table("By language:", "language", languages)
        if !mostAccessed.isEmpty {
            text += "\nMost accessed:\n"
            for entry in mostAccessed {
                text += "  \(entry.key)  \(entry.voiceID)  \(entry.language)  \(entry.accessCount)  "
                text += "\(oneLine(entry.text))\n"
            }
        }
        return text
    }
}

/// `text` left-aligned (or right-aligned) in `width` characters.
private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}

/// `text` on one line: line breaks and tabs shown as spaces.
private func oneLine(_ text: String) -> String {
    String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
}

extension VerifyReport {
    /// The report as `audiocache verify` prints it for people: each problem, orphan and temporary
    /// file on a line, then a summary.
    /// - Parameters:
    ///   - cache: The cache folder, as the user named it.
    ///   - removedOnOpen: Temporary files that opening the cache removed.
    /// - Returns: Lines of text, each ending with a line feed.
    public func summaryText(cache: String, removedOnOpen: Int) -> String {
        var text = ""
        for problem in problems {
            text += "\(problem.key) \(problem.path): \(problem.detail)\n"
        }
        for path in orphanFiles { text += "\(path): orphan file (no entry names it)\n" }
        for path in temporaryFiles { text += "\(path): temporary file left by an interrupted write\n" }
        let bytes = ByteCount.describe(checkedBytes)
        text += "Checked \(checkedEntries) entries (\(bytes)) in \(cache): \(problems.count) broken, "
        text += "\(orphanFiles.count) orphan files, \(temporaryFiles.count) temporary files"
        if repaired {
            text += "; repaired (broken entries dropped, orphan and temporary files deleted)"
        }
        text += ".\n"
        if removedOnOpen > 0 { text += "Removed \(removedOnOpen) temporary files left by an earlier run.\n" }
        return text
    }
}

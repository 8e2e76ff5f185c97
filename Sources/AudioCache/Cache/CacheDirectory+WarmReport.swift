import Foundation

extension CacheDirectory {
    /// The name of the last warm report in the cache folder (docs/warm-report.md).
    public static let lastWarmReportName = "last-warm-report.json"

    /// Keeps `report` in the cache folder as `last-warm-report.json`, written atomically, so that
    /// the review page can show what the last run billed and what failed.
    /// - Throws: ``AudioCacheError`` (usage when read-only, I/O).
    public func keepLastWarmReport(_ report: WarmReport) throws(AudioCacheError) {
        try requireWritable()
        let data: Data
        do {
            data = try report.jsonData()
        } catch {
            throw AudioCacheError(.io, "cannot encode the warm report: \(error)")
        }
        try FileSystem.writeAtomically(
            layout.absolute(Self.lastWarmReportName),
            through: layout.temporaryFolder,
            bytes: Array(data)
        )
    }

    /// The last warm report kept in the cache folder, as JSON, or `nil` when there is none.
    public nonisolated func lastWarmReport() -> Data? {
        FileManager.default.contents(atPath: layout.absolute(Self.lastWarmReportName))
    }
}

import Foundation

/// The verify document: what `audiocache verify --json` prints (docs/cache-commands.md).
struct VerifyDocument: Encodable {
    struct Problem: Encodable {
        var key: CacheKey
        var path: String
        var kind: String
        var detail: String
    }

    var format = "audiocache-verify"
    var version = 1
    var cache: String
    var checkedEntries: Int
    var checkedBytes: Int
    var clean: Bool
    var repaired: Bool
    var problems: [Problem]
    var orphanFiles: [String]
    var temporaryFiles: [String]
    var removedTemporaryFilesOnOpen: Int

    init(cache: String, report: VerifyReport, removedTemporaryFilesOnOpen: Int) {
        self.cache = cache
        checkedEntries = report.checkedEntries
        checkedBytes = report.checkedBytes
        clean = report.isClean
        repaired = report.repaired
        problems = report.problems.map {
            Problem(key: $0.key, path: $0.path, kind: $0.kind.rawValue, detail: $0.detail)
        }
        orphanFiles = report.orphanFiles
        temporaryFiles = report.temporaryFiles
        self.removedTemporaryFilesOnOpen = removedTemporaryFilesOnOpen
    }
}

extension VerifyReport {
    /// The report as one JSON document (docs/cache-commands.md), as `audiocache verify --json`
    /// prints it.
    /// - Parameters:
    ///   - cache: The cache folder, as the user named it.
    ///   - removedTemporaryFilesOnOpen: Temporary files that opening the cache removed
    ///     (``CacheDirectory/OpenReport/removedTemporaryFiles``).
    /// - Returns: The UTF-8 bytes, keys sorted, ending with a line feed.
    /// - Throws: `EncodingError` only for a number JSON cannot carry, which the report never holds.
    public func jsonData(cache: String, removedTemporaryFilesOnOpen: Int) throws -> Data {
        try DocumentEncoding.data(
            VerifyDocument(cache: cache, report: self, removedTemporaryFilesOnOpen: removedTemporaryFilesOnOpen)
        )
    }
}

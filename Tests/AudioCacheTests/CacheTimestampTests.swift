import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

/// The index's hand-written timestamps against Foundation's `ISO8601DateFormatter`.
@Suite struct CacheTimestampTests {
    static func formatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }

    /// 1970 to 9999 (what the index writes), with every leap day of a few centuries among them.
    static func milliseconds(count: Int) -> [Int64] {
        var random = SplitMix64(seed: 0x7157_A3B0)
        var values = (0..<count).map { _ in Int64.random(in: 0...253_402_300_799_999, using: &random) }
        for year in [1972, 2000, 2024, 2096, 2400, 2800, 9996] {
            let day = Int64(Self.days(toYear: year) + 59)  // February 29
            let start = day * 86_400_000
            values += [start, start + 86_399_999, start + Int64.random(in: 0..<86_400_000, using: &random)]
        }
        return values + [0, 951_782_400_000, 4_107_542_400_000, 253_402_300_799_999]
    }

    static func days(toYear year: Int) -> Int {
        (1970..<year).reduce(0) { total, y in total + (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 366 : 365) }
    }

    @Test func writesWhatFoundationWrites() {
        let formatter = Self.formatter()
        var failures: [String] = []
        for milliseconds in Self.milliseconds(count: 20_000) {
            // A tenth of a millisecond in, so that Foundation's rounding down cannot tip it over.
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000 + 0.0001)
            let ours = CacheTimestamp.string(date)
            let theirs = formatter.string(from: date)
            if ours != theirs { failures.append("\(milliseconds): \(ours) vs \(theirs)") }
        }
        #expect(failures.isEmpty, "\(failures.count) differ, first: \(failures.prefix(5))")
    }

    @Test func readsWhatFoundationReads() throws {
        let formatter = Self.formatter()
        var failures: [String] = []
        for milliseconds in Self.milliseconds(count: 20_000) {
            let text = CacheTimestamp.string(CacheTimestamp.date(milliseconds: milliseconds))
            let ours = CacheTimestamp.parse(text).map(CacheTimestamp.milliseconds)
            let theirs = formatter.date(from: text).map(CacheTimestamp.milliseconds)
            if ours != milliseconds || theirs != milliseconds {
                failures.append(
                    "\(milliseconds) \(text): \(ours.map(String.init) ?? "nil") vs \(theirs.map(String.init) ?? "nil")"
                )
            }
        }
        #expect(failures.isEmpty, "\(failures.count) differ, first: \(failures.prefix(5))")
    }

    @Test func aMillisecondSurvivesEveryRoundTrip() {
        // A whole millisecond's `Date` often reads back a hair below it; rounding down would lose a
        // millisecond on each trip through the index.
        var failures: [Int64] = []
        for milliseconds in Self.milliseconds(count: 100_000) {
            var date = CacheTimestamp.date(milliseconds: milliseconds)
            for _ in 0..<3 {
                date = CacheTimestamp.parse(CacheTimestamp.string(date)) ?? .distantPast
            }
            if CacheTimestamp.milliseconds(date) != milliseconds || CacheTimestamp.truncated(date) != date {
                failures.append(milliseconds)
            }
        }
        #expect(failures.isEmpty, "\(failures.count) drift, first: \(failures.prefix(5))")
    }

    @Test(arguments: [
        ("2000-02-29T00:00:00.000Z", true),
        ("2024-02-29T23:59:59.999Z", true),
        ("2023-04-25T18:30:00Z", true),
        ("2023-04-25T18:30:00.5z", true),
        ("2023-04-25T18:30:00.123456Z", true),
        ("2100-02-29T00:00:00.000Z", false),
        ("2023-02-29T00:00:00.000Z", false),
        ("2023-13-01T00:00:00.000Z", false),
        ("2023-04-31T00:00:00.000Z", false),
        ("2023-04-25T24:00:00.000Z", false),
        ("2023-04-25T18:60:00.000Z", false),
        ("2023-04-25T18:30:00.Z", false),
        ("2023-04-25T18:30:00.000", false),
        ("2023-04-25T18:30:00.000+00:00", false),
        ("2023-04-25 18:30:00.000Z", false),
        ("", false),
    ])
    func parsesOnlyValidTimestamps(text: String, isValid: Bool) {
        #expect((CacheTimestamp.parse(text) != nil) == isValid)
        if isValid, let date = CacheTimestamp.parse(text) {
            #expect(Self.formatter().date(from: text).map { abs($0.timeIntervalSince(date)) < 0.001 } ?? true)
        }
    }
}

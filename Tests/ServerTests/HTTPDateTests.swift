import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

/// `Last-Modified` in RFC 9110's IMF-fixdate, checked against Foundation's own formatter.
@Suite("HTTP dates")
struct HTTPDateTests {
    private static let oracle = Date.VerbatimFormatStyle(
        format: """
            \(weekday: .abbreviated), \(day: .twoDigits) \(month: .abbreviated) \(year: .padded(4)) \
            \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\
            \(second: .twoDigits) GMT
            """,
        locale: Locale(identifier: "en_US_POSIX"),
        timeZone: .gmt,
        calendar: Calendar(identifier: .gregorian)
    )

    @Test("RFC 9110's example")
    func example() {
        #expect(
            CacheTimestamp.httpDate(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT"
        )
    }

    @Test("the same text as Foundation's formatter for 20,000 instants from 1900 to 2200, leap days included")
    func matchesFoundation() {
        var random = SplitMix64(seed: 7)
        // 1970, 2000-02-29, its last instant, 2100-03-01 (2100 is no leap year), 1969-12-31, 1900.
        var instants: [TimeInterval] = [
            0, 951_782_400, 951_868_799.999, 4_107_542_400, 7_258_118_399, -1, -0.5, -2_208_988_800,
        ]
        for _ in 0..<20_000 {
            let seconds = Int64(random.next() % 9_467_107_200) - 2_208_988_800
            instants.append(TimeInterval(seconds) + Double(random.next() % 1_000) / 1_000)
        }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(CacheTimestamp.httpDate(date) == date.formatted(Self.oracle), "\(instant)")
        }
    }
}

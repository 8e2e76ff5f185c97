import Foundation

/// The timestamps of the cache index: UTC, millisecond precision, written as the reference Python implementation
/// writes them (`2023-04-25T18:30:00.000Z`).
///
/// Formatting and parsing are done by hand (civil-from-days arithmetic) because a million-entry
/// index holds three million of them and `ISO8601DateFormatter` is far too slow for that.
package enum CacheTimestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z, rounded to the nearest.
    ///
    /// Not rounded down: `Date` keeps seconds since 2001 in a `Double`, so the date of a whole
    /// millisecond count often reads back a hair below it (`…122.9999`), and rounding down would
    /// move it one millisecond earlier on every round trip through the index.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The date of a millisecond count.
    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// `date` rounded to the millisecond, so that it survives a round trip through the index.
    static func truncated(_ date: Date) -> Date {
        self.date(milliseconds: milliseconds(date))
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` to `bytes`. Times before 1970 or after 9999 are clamped.
    static func append(milliseconds: Int64, to bytes: inout [UInt8]) {
        let clamped = min(max(milliseconds, 0), 253_402_300_799_999)  // 9999-12-31T23:59:59.999Z
        let days = clamped / 86_400_000
        var remainder = clamped % 86_400_000
        let (year, month, day) = civil(fromDays: days)
        let millisecond = remainder % 1000
        remainder /= 1000
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(remainder / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(remainder / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(remainder % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(millisecond, 3)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// The timestamp as a string.
    static func string(_ date: Date) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(milliseconds: milliseconds(date), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`: RFC 9110's IMF-fixdate of `date`, in whole seconds, as
    /// HTTP's `Last-Modified` carries it (the served audio's creation time). Worked out with the
    /// same civil-from-days arithmetic: Foundation's formatters took several percent of a cached
    /// hit's time in `audiocache serve`.
    package static func httpDate(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let second = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        // 1970-01-01 was a Thursday.
        let weekday = Int(((days % 7) + 11) % 7)
        func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
        return "\(dayNames[weekday]), \(twoDigits(day)) \(monthNames[Int(month) - 1]) \(paddedYear) "
            + "\(twoDigits(second / 3_600)):\(twoDigits(second / 60 % 60)):\(twoDigits(second % 60)) GMT"
    }

    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…]Z` (fraction optional, any number of digits, read to the
    /// millisecond; `z` accepted), or returns `nil`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        func number(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
                index += 1
            }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
            let day = number(2), expect(UInt8(ascii: "T")), let hour = number(2), expect(UInt8(ascii: ":")),
            let minute = number(2), expect(UInt8(ascii: ":")), let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24,
            minute < 60, second < 60
        else { return nil }
        var millisecond: Int64 = 0
        if expect(UInt8(ascii: ".")) {
            var scale: Int64 = 100
            var count = 0
            while index < bytes.count, case let digit = bytes[index] &- UInt8(ascii: "0"), digit < 10 {
                millisecond += Int64(digit) * scale
                scale /= 10
                count += 1
                index += 1
            }
            guard count > 0 else { return nil }
        }
        guard index + 1 == bytes.count, bytes[index] | 0x20 == UInt8(ascii: "z") else { return nil }
        let days = self.days(fromCivil: year, month, day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millisecond
    }

    /// Parses a timestamp string.
    static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse($0) }.map { date(milliseconds: $0) }
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days_from_civil and civil_from_days (public domain), for the proleptic
    // Gregorian calendar.
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

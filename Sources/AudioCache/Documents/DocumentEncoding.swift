import Foundation

/// How the documents that are not on a hot path are written: the warm report, `stats --json`,
/// `verify --json` (and the management API, which returns the same documents).
///
/// `JSONEncoder` with sorted keys, a two-space indent, unescaped slashes and a final line feed, so
/// that the same value always gives the same bytes; property names in snake case (`voiceID` is
/// `voice_id`, `maxInFlight` is `max_in_flight`), as every document of docs/ spells them; dates as the cache index writes them
/// (``CacheTimestamp``: UTC, milliseconds, `2023-04-25T18:30:00.000Z`). The plan document, which
/// can hold millions of renderings, is written by hand in the same layout (``PlanDocument``).
package enum DocumentEncoding {
    /// `value` as a document.
    /// - Parameter value: The document.
    /// - Returns: Its UTF-8 bytes, ending with a line feed.
    /// - Throws: `EncodingError` when `value` holds a number JSON cannot carry (NaN, infinity).
    package static func data(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(CacheTimestamp.string(date))
        }
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// A number of seconds or a rate rounded to the millisecond, as documents show them.
    static func rounded(_ value: Double) -> Double {
        value.isFinite ? (value * 1000).rounded() / 1000 : 0
    }
}

/// An optional that a document writes as `null` when it is absent: a documented field is always
/// there (synthesized `Encodable` would leave a `nil` out).
struct OrNull<Wrapped: Encodable>: Encodable {
    var value: Wrapped?

    init(_ value: Wrapped?) {
        self.value = value
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

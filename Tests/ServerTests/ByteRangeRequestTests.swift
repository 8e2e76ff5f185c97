import Testing

@testable import AudioCacheServer

/// Conditional and range requests decided without I/O (RFC 9110 §13, §14).
@Suite("Range and If-None-Match decisions")
struct ByteRangeRequestTests {
    private static let tag = "\"abc\""

    private static func decide(
        _ range: String?,
        size: Int = 1_000,
        ifNoneMatch: String? = nil,
        ifRange: String? = nil
    ) -> ByteRangeRequest {
        ByteRangeRequest.decide(size: size, entityTag: tag, ifNoneMatch: ifNoneMatch, range: range, ifRange: ifRange)
    }

    @Test(
        "one byte range",
        arguments: [
            ("bytes=0-99", ByteRangeRequest.part(0...99)),
            ("bytes=100-", .part(100...999)),
            ("bytes=-100", .part(900...999)),
            ("bytes=-5000", .part(0...999)),
            ("bytes=990-5000", .part(990...999)),
            ("bytes=999-999", .part(999...999)),
            ("BYTES=1-2", .part(1...2)),
            ("bytes=1000-", .unsatisfiable),
            ("bytes=-0", .unsatisfiable),
            ("bytes=0-1,5-6", .whole),
            ("bytes=5-1", .whole),
            ("items=0-1", .whole),
            ("bytes=a-b", .whole),
            ("bytes=", .whole),
            ("bytes=-", .whole),
            ("bytes=99999999999999999999-", .whole),
        ]
    )
    func ranges(_ header: String, _ expected: ByteRangeRequest) {
        #expect(Self.decide(header) == expected)
    }

    @Test("If-None-Match with the tag, a weak tag, a list or * answers 304; another tag does not")
    func ifNoneMatch() {
        #expect(Self.decide(nil, ifNoneMatch: "\"abc\"") == .notModified)
        #expect(Self.decide(nil, ifNoneMatch: "W/\"abc\"") == .notModified)
        #expect(Self.decide("bytes=0-1", ifNoneMatch: "\"x\", \"abc\"") == .notModified)
        #expect(Self.decide(nil, ifNoneMatch: "*") == .notModified)
        #expect(Self.decide(nil, ifNoneMatch: "\"abd\"") == .whole)
    }

    @Test("If-Range naming another tag, or a date, gets the whole file")
    func ifRange() {
        #expect(Self.decide("bytes=0-1", ifRange: "\"abc\"") == .part(0...1))
        #expect(Self.decide("bytes=0-1", ifRange: "\"old\"") == .whole)
        #expect(Self.decide("bytes=0-1", ifRange: "Sun, 06 Nov 1994 08:49:37 GMT") == .whole)
    }
}

import Testing

@testable import AudioCacheServer

/// The breaker as a plain value, on a clock that moves only when told.
@Suite("Circuit breaker")
struct CircuitBreakerTests {
    private let start = ContinuousClock.now

    private func at(_ seconds: Double) -> ContinuousClock.Instant {
        start.advanced(by: .milliseconds(Int(seconds * 1_000)))
    }

    @Test("opens after the threshold of failures in a row; a success in between resets the count")
    func opens() {
        var breaker = CircuitBreaker<ContinuousClock.Instant>(threshold: 3, coolDown: .seconds(10))
        for _ in 0..<2 { breaker.record(success: false, at: at(0)) }
        breaker.record(success: true, at: at(0))
        for _ in 0..<2 { breaker.record(success: false, at: at(1)) }
        #expect(breaker.admit(at: at(1)) == .allowed)
        breaker.record(success: false, at: at(1))
        #expect(breaker.state == .open(until: at(11)))
        #expect(breaker.admit(at: at(4)) == .refused(retryAfter: .seconds(7)))
    }

    @Test("after the cool-down one trial goes through: success closes, failure opens again")
    func halfOpen() {
        var breaker = CircuitBreaker<ContinuousClock.Instant>(threshold: 1, coolDown: .seconds(5))
        breaker.record(success: false, at: at(0))
        #expect(breaker.admit(at: at(5)) == .allowed)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.admit(at: at(5)) == .refused(retryAfter: .seconds(1)))
        breaker.record(success: false, at: at(6))
        #expect(breaker.state == .open(until: at(11)))
        #expect(breaker.admit(at: at(11)) == .allowed)
        breaker.record(success: true, at: at(11))
        #expect(breaker.state == .closed(failures: 0))
    }
}

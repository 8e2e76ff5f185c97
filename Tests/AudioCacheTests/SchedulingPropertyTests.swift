import AudioCacheTestSupport
import PropertyBased
import Testing

@testable import AudioCache

/// The pure schedules of a warm run: the token bucket, the retry policy and the concurrency window.
@Suite struct SchedulingPropertyTests {
    /// Whether no window of the sorted `starts` holds more than `burst + window / interval` starts.
    static func respectsBucket(_ starts: [Duration], burst: Int, interval: Duration) -> Bool {
        let sorted = starts.sorted()
        for i in sorted.indices {
            for j in sorted.indices where j > i {
                let allowed = burst + Int(((sorted[j] - sorted[i]) / interval + 1e-9).rounded(.down))
                if j - i + 1 > allowed { return false }
            }
        }
        return true
    }

    @Test func bucketStartsABurstThenOneEveryInterval() {
        var bucket = TokenBucket(rate: 10, burst: 3)
        let waits = (0..<6).map { _ in bucket.take(at: .zero) }
        #expect(waits == [.zero, .zero, .zero, .milliseconds(100), .milliseconds(200), .milliseconds(300)])
        #expect(bucket.delay(at: .milliseconds(250)) == .milliseconds(150))
        #expect(bucket.delay(at: .seconds(1)) == .zero)
        var idle = TokenBucket(rate: 10, burst: 3)
        _ = idle.take(at: .zero)
        #expect((0..<3).map { _ in idle.take(at: .seconds(5)) } == [.zero, .zero, .zero])
    }

    @Test func bucketWithoutRateNeverWaits() {
        var bucket = TokenBucket(rate: nil, burst: 1)
        #expect((0..<100).allSatisfy { _ in bucket.take(at: .zero) == .zero })
        #expect(TokenBucket(rate: 0, burst: 1).interval == nil)
    }

    /// Reserved starts never exceed `burst + rate · t` in any window, and `delay` foretells `take`.
    @Test func bucketNeverExceedsBurstPlusRate() async {
        let arrivals = Gen.int(in: 0...3_000).array(of: 1...60)
        await propertyCheck(count: 300, input: Gen.double(in: 0.5...50), Gen.int(in: 1...6), arrivals) {
            rate,
            burst,
            arrivals in
            var bucket = TokenBucket(rate: rate, burst: burst)
            var starts: [Duration] = []
            for arrival in arrivals.sorted() {
                let now = Duration.milliseconds(arrival)
                let expected = bucket.delay(at: now)
                let wait = bucket.take(at: now)
                #expect(wait == expected && wait >= .zero)
                starts.append(now + wait)
            }
            if let interval = bucket.interval {
                #expect(Self.respectsBucket(starts, burst: burst, interval: interval))
            }
        }
    }

    /// A starter that checks after each wait and takes a token only when it is free (what the
    /// scheduler does) also keeps to the bucket.
    @Test func checkingAfterEachWaitKeepsToTheBucket() async {
        let arrivals = Gen.int(in: 0...2_000).array(of: 1...40)
        await propertyCheck(count: 200, input: Gen.double(in: 1...40), Gen.int(in: 1...4), arrivals) {
            rate,
            burst,
            arrivals in
            var bucket = TokenBucket(rate: rate, burst: burst)
            var now = Duration.zero
            var starts: [Duration] = []
            for arrival in arrivals.sorted() {
                now = max(now, .milliseconds(arrival))
                var loops = 0
                while bucket.delay(at: now) > .zero, loops < 3 {
                    now += bucket.delay(at: now)
                    loops += 1
                }
                #expect(bucket.take(at: now) == .zero)
                starts.append(now)
            }
            if let interval = bucket.interval {
                #expect(Self.respectsBucket(starts, burst: burst, interval: interval))
            }
        }
    }

    @Test func retryCapsDoubleUpToTheMaximum() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(500), maxDelay: .seconds(30))
        #expect(policy.cap(afterAttempt: 1) == .milliseconds(500))
        #expect(policy.cap(afterAttempt: 2) == .seconds(1))
        #expect(policy.cap(afterAttempt: 4) == .seconds(4))
        #expect(policy.cap(afterAttempt: 10) == .seconds(30))
        #expect(policy.cap(afterAttempt: 1_000) == .seconds(30))
    }

    /// The delay is within the jitter bounds, at least `Retry-After`, and `nil` once attempts run out.
    @Test func retryDelayBounds() async {
        let retryAfter = Gen.int(in: -1...60_000)
        await propertyCheck(count: 500, input: Gen.int(in: 1...12), retryAfter, Gen.uint64(in: 0...UInt64.max)) {
            attempt,
            afterMilliseconds,
            seed in
            let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .seconds(5))
            let after = afterMilliseconds < 0 ? nil : Duration.milliseconds(afterMilliseconds)
            var random = SplitMix64(seed: seed)
            let delay = policy.delay(afterAttempt: attempt, retryAfter: after, random: &random)
            if attempt >= 6 {
                #expect(delay == nil)
            } else if let delay {
                #expect(delay >= (after ?? .zero))
                #expect(delay >= .zero && delay <= max(policy.cap(afterAttempt: attempt), after ?? .zero))
            } else {
                Issue.record("no delay after attempt \(attempt) of 6")
            }
        }
    }

    @Test func retryJitterSpreadsOverTheWholeRange() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .seconds(1), maxDelay: .seconds(30))
        var random = SplitMix64(seed: 7)
        let delays = (0..<200).compactMap { _ in policy.delay(afterAttempt: 3, retryAfter: nil, random: &random) }
        #expect(delays.count == 200)
        #expect(delays.contains { $0 < .seconds(1) } && delays.contains { $0 > .seconds(3) })
        #expect(delays.allSatisfy { $0 <= .seconds(4) })
        #expect(RetryPolicy(maxAttempts: 1).delay(afterAttempt: 1, retryAfter: .seconds(1), random: &random) == nil)
    }

    @Test func windowHalvesAndGrowsBackByOnePerWindow() {
        var window = ConcurrencyWindow(maximum: 8)
        #expect(window.current == 8)
        window.onTooManyConcurrent()
        #expect(window.current == 4)
        for _ in 0..<3 { window.onSuccess() }
        #expect(window.current == 4)
        window.onSuccess()
        #expect(window.current == 5)
        window.setProviderLimit(3)
        #expect(window.current == 3)
        for _ in 0..<20 { window.onSuccess() }
        #expect(window.current == 3)
        window.setProviderLimit(nil)
        for _ in 0..<100 { window.onSuccess() }
        #expect(window.current == 8)
        for _ in 0..<10 { window.onTooManyConcurrent() }
        #expect(window.current == 1)
    }

    /// Whatever happens, the window stays within `1...ceiling`, halves on a 429 and grows by at most one.
    @Test func windowStaysWithinBounds() async {
        let events = Gen.int(in: 0...12).array(of: 0...80)
        await propertyCheck(count: 300, input: Gen.int(in: 1...32), events) { maximum, events in
            var window = ConcurrencyWindow(maximum: maximum)
            for event in events {
                let before = window.current
                switch event {
                case 0: window.onTooManyConcurrent()
                case 1: window.setProviderLimit(nil)
                case 2...4: window.setProviderLimit(event * 3 - 6)
                default: window.onSuccess()
                }
                #expect(window.current >= 1 && window.current <= window.ceiling && window.ceiling <= maximum)
                switch event {
                case 0: #expect(window.current == max(1, before / 2))
                case 5...: #expect(window.current == before || window.current == before + 1)
                default: #expect(window.current <= max(before, 1))
                }
            }
        }
    }
}

extension SchedulingPropertyTests {
    /// However late the starts come, taking each at the earliest the window allows never puts more
    /// than the capacity in any one-second window; and with nothing late it never delays a start.
    @Test func theStartWindowKeepsEverySecondWithinItsCapacity() {
        var random = SplitMix64(seed: 7)
        for (rate, burst) in [(20.0, 1), (2.5, 1), (5.0, 8), (0.5, 1)] {
            var window = StartWindow(rate: rate, burst: burst)
            let capacity = max(burst, Int(rate.rounded(.up)))
            #expect(window.capacity == capacity)
            var starts: [Duration] = []
            var now = Duration.zero
            for _ in 0..<300 {
                now += .milliseconds(Int64(random.next() % 120))
                let start = window.earliestStart(at: now)
                #expect(start >= now)
                window.record(start: start)
                starts.append(start)
                now = start
            }
            for index in starts.indices where index + capacity < starts.count {
                #expect(starts[index + capacity] - starts[index] >= StartWindow.length)
            }
        }
        var unlimited = StartWindow(rate: nil, burst: 3)
        unlimited.record(start: .zero)
        #expect(unlimited.earliestStart(at: .zero) == .zero)
        var spaced = StartWindow(rate: 10, burst: 1)
        for tick in 0..<50 {
            let now = Duration.milliseconds(Int64(tick * 101))
            #expect(spaced.earliestStart(at: now) == now)
            spaced.record(start: now)
        }
    }
}

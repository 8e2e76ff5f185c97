/// The strict side of `--rate`: never more than `capacity` starts in any one-second window, where
/// `capacity` is the rate rounded up, or the burst when that is larger.
///
/// A pure value over the times of the last `capacity` starts (offsets from any fixed instant, as
/// ``TokenBucket``'s). The bucket spaces the starts; this keeps a start that follows a late one
/// from coming so soon after it that one second holds one start too many. The window is a little
/// longer than a second (``length``): requests take a varying time to reach the provider, and its
/// second is counted where they arrive.
struct StartWindow: Sendable, Hashable {
    /// The most starts in any window of ``length``; `nil` when unlimited.
    let capacity: Int?
    /// One second, and the few milliseconds by which a request's way to the provider may vary.
    static let length = Duration.seconds(1) + .milliseconds(5)
    /// The last `capacity` starts, oldest at `head`.
    private var starts: [Duration] = []
    private var head = 0

    /// Creates an empty window.
    /// - Parameters:
    ///   - rate: Starts per second, or `nil` for no limit.
    ///   - burst: How many may start at once.
    init(rate: Double?, burst: Int) {
        guard let rate, rate > 0, rate.isFinite else {
            capacity = nil
            return
        }
        capacity = max(max(1, burst), Int(min(rate.rounded(.up), Double(Int32.max))))
    }

    /// The earliest time at or after `now` when a start keeps every one-second window within the
    /// capacity.
    func earliestStart(at now: Duration) -> Duration {
        guard let capacity, starts.count == capacity else { return now }
        return max(now, starts[head] + Self.length)
    }

    /// Records a start (at or after ``earliestStart(at:)``).
    mutating func record(start: Duration) {
        guard let capacity else { return }
        if starts.count < capacity {
            starts.append(start)
        } else {
            starts[head] = start
            head = (head + 1) % capacity
        }
    }
}

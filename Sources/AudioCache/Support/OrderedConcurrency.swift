/// Runs `produce` for every index in `0..<count` on up to `width` child tasks at once, and hands
/// each result to `consume` on the calling task strictly in index order.
///
/// The work that must be serial (merging, writing) runs in `consume` while later indexes are
/// produced. At most one result beyond those being produced waits for `consume`, so memory stays
/// bounded by about `width + 1` results however far `produce` could run ahead.
///
/// - Parameters:
///   - count: The number of indexes.
///   - width: The most `produce` calls running at once; at least 1.
///   - produce: Makes the value of one index, in a child task.
///   - consume: Receives the values in index order.
/// - Throws: The first error `produce` or `consume` throws, after the other children are
///   cancelled; `CancellationError` when cancelled.
func forEachInOrder<Value: Sendable>(
    count: Int,
    width: Int,
    produce: @escaping @Sendable (Int) throws -> Value,
    consume: (Int, consuming Value) throws -> Void
) async throws {
    let width = max(1, width)
    try await withThrowingTaskGroup(of: (Int, Value).self) { group in
        var next = 0
        var consumed = 0
        var running = 0
        var finished: [Int: Value] = [:]
        func startMore() {
            while next < count && running < width && next - consumed <= width {
                let index = next
                group.addTask { (index, try produce(index)) }
                next += 1
                running += 1
            }
        }
        startMore()
        while let (index, value) = try await group.next() {
            running -= 1
            finished[index] = value
            startMore()
            while let value = finished.removeValue(forKey: consumed) {
                try Task.checkCancellation()
                try consume(consumed, consume value)
                consumed += 1
                startMore()
            }
        }
    }
}

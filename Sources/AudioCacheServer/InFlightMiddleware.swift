import CoreMetrics
import Hummingbird
import Synchronization

/// Keeps a gauge of the requests being answered (`audiocache_requests_in_flight`).
struct InFlightMiddleware<Context: RequestContext>: RouterMiddleware {
    private let gauge: Gauge
    private let count = Counting()

    init(gauge: Gauge) {
        self.gauge = gauge
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        gauge.record(count.add(1))
        defer { gauge.record(count.add(-1)) }
        return try await next(request, context)
    }

    /// The count, shared by every request.
    private final class Counting: Sendable {
        private let value = Atomic<Int>(0)

        func add(_ delta: Int) -> Int {
            value.wrappingAdd(delta, ordering: .relaxed).newValue
        }
    }
}

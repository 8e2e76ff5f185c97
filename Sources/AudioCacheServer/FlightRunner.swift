import ServiceLifecycle

/// Runs read-through flights in tasks of their own, children of this service rather than of the
/// request that started them: a flight goes on when that request's client goes away (the others
/// that joined still get their audio, and it is still stored), and a graceful shutdown waits for
/// the flights under way, after the HTTP server has drained and before the cache is closed.
final class FlightRunner: Service, Sendable {
    typealias Job = @Sendable () async -> Void

    private let jobs: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation

    init() {
        (jobs, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    /// Starts `job`, or refuses it once the service is shutting down.
    /// - Returns: Whether the job will run.
    func start(_ job: @escaping Job) -> Bool {
        if case .terminated = continuation.yield(job) { return false }
        return true
    }

    func run() async {
        let continuation = continuation
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await job in jobs {
                    group.addTask { await job() }
                }
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
    }
}

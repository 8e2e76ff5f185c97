import AudioCache
import Foundation
import Synchronization

/// When each request left the client and when its answer came back, as the warmer saw them.
final class RequestTimes: Sendable {
    struct Request {
        var voiceID: String
        var text: String
        var started: ContinuousClock.Instant
        var ended: ContinuousClock.Instant
    }

    private let requests = Mutex<[Request]>([])

    func append(_ request: Request) {
        requests.withLock { $0.append(request) }
    }

    var all: [Request] { requests.withLock { $0 } }
}

/// A provider that times the requests of another: the instant `render` is called is the instant
/// the scheduler's token was taken (the warmer calls it with no suspension in between).
struct TimedProvider<Base: SpeechProvider>: SpeechProvider {
    let base: Base
    let times: RequestTimes

    var name: String { base.name }

    func render(_ request: SpeechRequest) async throws(SpeechProviderError) -> SpeechAudio {
        let started = ContinuousClock.now
        defer {
            times.append(
                RequestTimes.Request(
                    voiceID: request.voiceID,
                    text: request.text,
                    started: started,
                    ended: ContinuousClock.now
                )
            )
        }
        return try await base.render(request)
    }
}

import AudioCache
import Foundation
import Logging

/// Renders the phrases a served cache misses: one provider call per key however many requests
/// ask for it at once (single flight), a deadline on each call, a circuit breaker in front of a
/// failing provider, and the audio stored (unpinned, with the cache's TTL) once it is complete and
/// valid, so that the next request is a hit.
///
/// A provider that streams (``StreamingSpeechProvider``) hands each part of the audio to the
/// ``SpeechFlight`` as it arrives, and every request of the flight answers with it at once; with
/// any other provider the flight's requests are answered when it ends. Flights run in the
/// ``FlightRunner``'s tasks, not in the request that started them.
actor ReadThrough {
    /// What a flight ended with; every request that joined it gets the same.
    enum Outcome: Sendable {
        /// The audio, and the entry it is stored as (`nil` when the cache is read-only or the
        /// store failed: the audio is still answered).
        case rendered(SpeechAudio, CacheEntry?)
        /// The provider refused or failed, or the breaker is open.
        case failed(SpeechProviderError)
    }

    /// The provider's state, as `/ready` and `/metrics` report it.
    enum ProviderState: String, Sendable {
        case closed = "ok"
        case open = "cooling_down"
        case halfOpen = "probing"
    }

    private let provider: any SpeechProvider
    private let cache: CacheDirectory
    private let timeout: Duration
    private let clock = ContinuousClock()
    private let logger: Logger
    private let metrics: ServerMetrics
    private let runner: FlightRunner
    private var breaker: CircuitBreaker<ContinuousClock.Instant>
    private var flights: [CacheKey: SpeechFlight] = [:]

    init(
        provider: any SpeechProvider,
        cache: CacheDirectory,
        timeout: Duration,
        breaker: CircuitBreaker<ContinuousClock.Instant>,
        runner: FlightRunner,
        metrics: ServerMetrics,
        logger: Logger
    ) {
        self.provider = provider
        self.cache = cache
        self.timeout = timeout
        self.breaker = breaker
        self.runner = runner
        self.metrics = metrics
        self.logger = logger
    }

    /// Where the breaker stands.
    var providerState: ProviderState {
        switch breaker.state {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        }
    }

    /// The flight rendering `request`'s key: the one under way, or a new one.
    func flight(for request: SpeechRequest) -> SpeechFlight {
        if let flight = flights[request.key] { return flight }
        if case .refused(let retryAfter) = breaker.admit(at: clock.now) {
            metrics.providerRefused.increment()
            return SpeechFlight(
                finished: .failed(
                    SpeechProviderError(
                        .transient(retryAfter: retryAfter),
                        reason: "provider_cooling_down",
                        "the \(provider.name) provider failed repeatedly; it is not called until its cool-down ends"
                    )
                )
            )
        }
        let flight = SpeechFlight()
        guard runner.start({ await self.fly(request, flight) }) else {
            return SpeechFlight(
                finished: .failed(
                    SpeechProviderError(.transient(retryAfter: nil), reason: "shutting_down", "the server is stopping")
                )
            )
        }
        flights[request.key] = flight
        return flight
    }

    /// Calls the provider, stores what it rendered, and then ends the flight: a request that comes
    /// after the end finds the entry in the cache, never a second call.
    private func fly(_ request: SpeechRequest, _ flight: SpeechFlight) async {
        metrics.providerCalls.increment()
        let started = clock.now
        let result = await callWithDeadline(request, flight)
        metrics.providerLatency.recordNanoseconds(Int64(started.duration(to: clock.now) / .nanoseconds(1)))
        let outcome: Outcome
        switch result {
        case .success(let audio):
            breaker.record(success: true, at: clock.now)
            outcome = .rendered(audio, await keep(audio, for: request))
        case .failure(let error):
            metrics.providerErrors.increment()
            switch error.scope {
            case .voice, .phrase: breaker.record(success: true, at: clock.now)
            case .run, .transient, .tooManyConcurrent: breaker.record(success: false, at: clock.now)
            }
            logger.warning(
                "provider failed",
                metadata: ["key": "\(request.key)", "reason": "\(error.reason)", "provider": "\(provider.name)"]
            )
            outcome = .failed(error)
        }
        flights[request.key] = nil
        flight.finish(outcome)
    }

    /// The provider's answer, or a timeout error once `timeout` has passed (the call is then
    /// cancelled: AsyncHTTPClient drops the request, swift-subprocess ends espeak-ng).
    private func callWithDeadline(
        _ request: SpeechRequest,
        _ flight: SpeechFlight
    ) async -> Result<SpeechAudio, SpeechProviderError> {
        let provider = provider
        let timeout = timeout
        let firstPart = metrics.providerFirstByte
        return await withTaskGroup(of: Result<SpeechAudio, SpeechProviderError>?.self) { group in
            group.addTask {
                do throws(SpeechProviderError) {
                    guard let streaming = provider as? any StreamingSpeechProvider else {
                        return .success(try await provider.render(request))
                    }
                    let clock = ContinuousClock()
                    let started = clock.now
                    return .success(
                        try await streaming.stream(request) { part in
                            if flight.append(part) == 1 {
                                firstPart.recordNanoseconds(Int64(started.duration(to: clock.now) / .nanoseconds(1)))
                            }
                        }
                    )
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                } catch {
                    return nil
                }
                return .failure(
                    SpeechProviderError(
                        .transient(retryAfter: nil),
                        reason: "timeout",
                        "the \(provider.name) provider did not answer within \(timeout)"
                    )
                )
            }
            var first: Result<SpeechAudio, SpeechProviderError>?
            while first == nil, let next = await group.next() {
                first = next
            }
            group.cancelAll()
            return first
                ?? .failure(
                    SpeechProviderError(.transient(retryAfter: nil), reason: "cancelled", "the call was cancelled")
                )
        }
    }

    /// Stores the audio as a runtime entry; `nil` when the cache is read-only or the store failed.
    private func keep(_ audio: SpeechAudio, for request: SpeechRequest) async -> CacheEntry? {
        guard cache.access == .readWrite else { return nil }
        do {
            return try await cache.store(
                audio.bytes,
                for: .init(
                    text: request.text,
                    voiceID: request.voiceID,
                    language: request.language,
                    rendering: audio.rendering,
                    isPinned: false,
                    response: ProviderResponse(requestID: audio.requestID, characterCost: audio.billedCharacters)
                )
            )
        } catch {
            logger.error("cannot store rendered audio", metadata: ["key": "\(request.key)", "error": "\(error)"])
            return nil
        }
    }
}

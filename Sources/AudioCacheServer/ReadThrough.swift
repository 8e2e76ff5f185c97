import AudioCache
import Foundation
import Logging

/// Renders the phrases a served cache misses: one provider call per key however many requests
/// ask for it at once (single flight), a deadline on each call, a circuit breaker in front of a
/// failing provider, and the audio stored (unpinned, with the cache's TTL) before anyone is
/// answered, so that the next request is a hit.
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
    private var breaker: CircuitBreaker<ContinuousClock.Instant>
    private var waiting: [CacheKey: [CheckedContinuation<Outcome, Never>]] = [:]

    init(
        provider: any SpeechProvider,
        cache: CacheDirectory,
        timeout: Duration,
        breaker: CircuitBreaker<ContinuousClock.Instant>,
        metrics: ServerMetrics,
        logger: Logger
    ) {
        self.provider = provider
        self.cache = cache
        self.timeout = timeout
        self.breaker = breaker
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

    /// Renders and stores `request`, or joins the flight already doing so for its key.
    func render(_ request: SpeechRequest) async -> Outcome {
        if waiting[request.key] != nil {
            return await withCheckedContinuation { continuation in
                waiting[request.key, default: []].append(continuation)
            }
        }
        waiting[request.key] = []
        let outcome = await fly(request)
        for waiter in waiting.removeValue(forKey: request.key) ?? [] {
            waiter.resume(returning: outcome)
        }
        return outcome
    }

    private func fly(_ request: SpeechRequest) async -> Outcome {
        if case .refused(let retryAfter) = breaker.admit(at: clock.now) {
            metrics.providerRefused.increment()
            return .failed(
                SpeechProviderError(
                    .transient(retryAfter: retryAfter),
                    reason: "provider_cooling_down",
                    "the \(provider.name) provider failed repeatedly; it is not called until its cool-down ends"
                )
            )
        }
        metrics.providerCalls.increment()
        let started = clock.now
        let result = await callWithDeadline(request)
        metrics.providerLatency.recordNanoseconds(Int64(started.duration(to: clock.now) / .nanoseconds(1)))
        switch result {
        case .success(let audio):
            breaker.record(success: true, at: clock.now)
            return .rendered(audio, await keep(audio, for: request))
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
            return .failed(error)
        }
    }

    /// The provider's answer, or a timeout error once `timeout` has passed (the call is then
    /// cancelled: AsyncHTTPClient drops the request, swift-subprocess ends espeak-ng).
    private func callWithDeadline(_ request: SpeechRequest) async -> Result<SpeechAudio, SpeechProviderError> {
        let provider = provider
        let timeout = timeout
        return await withTaskGroup(of: Result<SpeechAudio, SpeechProviderError>?.self) { group in
            group.addTask {
                do throws(SpeechProviderError) {
                    return .success(try await provider.render(request))
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

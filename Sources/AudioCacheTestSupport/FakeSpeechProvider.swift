import AudioCache
import Foundation
import Synchronization

/// An in-memory speech provider that records every request and answers with real WAV bytes, or
/// with the error a rule chooses: for the warm pipeline's tests.
public final class FakeSpeechProvider: SpeechProvider {
    /// Decides the answer to an attempt: `nil` renders, an error fails the attempt.
    public typealias Rule = @Sendable (_ request: SpeechRequest, _ attempt: Int) -> SpeechProviderError?

    /// The provider name recorded in the index.
    public let name: String
    private let rule: Rule
    private let delay: Duration
    private let state = Mutex(State())

    private struct State {
        var attempts: [CacheKey: Int] = [:]
        var requests: [SpeechRequest] = []
        var inFlight = 0
        var maxInFlight = 0
    }

    /// Creates a provider.
    /// - Parameters:
    ///   - name: The provider name.
    ///   - delay: How long each render takes (on the continuous clock).
    ///   - rule: Which attempts fail, and how.
    public init(name: String = "fake", delay: Duration = .zero, rule: @escaping Rule = { _, _ in nil }) {
        self.name = name
        self.delay = delay
        self.rule = rule
    }

    /// Every request received, in order, failed ones included.
    public var requests: [SpeechRequest] { state.withLock { $0.requests } }
    /// The most requests that were in flight at once.
    public var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    /// The WAV bytes this provider renders for a request (the same each time).
    /// - Parameter request: The request.
    /// - Returns: The audio.
    public static func audio(for request: SpeechRequest) -> [UInt8] {
        let seed = request.key.description.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) % 997 }
        return AudioFixtures.wav(samples: 200 + request.text.unicodeScalars.count, seed: seed)
    }

    /// Renders, or fails as the rule says.
    /// - Parameter request: The request.
    /// - Returns: The audio.
    /// - Throws: The rule's error.
    public func render(_ request: SpeechRequest) async throws(SpeechProviderError) -> SpeechAudio {
        let attempt = state.withLock { state in
            state.requests.append(request)
            state.attempts[request.key, default: 0] += 1
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
            return state.attempts[request.key, default: 1]
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if delay > .zero { try? await Task.sleep(for: delay) }
        if let error = rule(request, attempt) { throw error }
        return SpeechAudio(
            bytes: Self.audio(for: request),
            rendering: RenderingDescription(
                provider: name,
                modelID: request.modelID,
                outputFormat: "wav",
                text: request.text
            ),
            billedCharacters: request.text.unicodeScalars.count,
            requestID: "fake-\(request.key)"
        )
    }
}

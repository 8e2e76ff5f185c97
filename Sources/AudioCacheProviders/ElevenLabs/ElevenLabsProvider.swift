import AsyncHTTPClient
import AudioCache
import Foundation
import NIOCore

/// ElevenLabs text-to-speech over HTTP, with AsyncHTTPClient.
///
/// Each phrase is one `POST {base}/v1/text-to-speech/{voice_id}?output_format=…` with the key in
/// `xi-api-key` and a JSON body: `text` (the original text), `model_id` (the phrase's model, else
/// ``ElevenLabsConfiguration/modelID``) and, where configured, `voice_settings`, `language_code`
/// and `seed`. The provider neither retries nor paces itself: it says what each failure means
/// (see ``classify(status:headers:body:now:redacting:)``) and the warm scheduler acts on it.
///
/// The caller owns the `HTTPClient`: create it and shut it down in one scope.
///
/// ```swift
/// guard let key = try ElevenLabsConfiguration.apiKey() else { return }  // ELEVENLABS_API_KEY
/// let client = HTTPClient(eventLoopGroupProvider: .singleton)
/// do {
///     let provider = try ElevenLabsProvider(
///         configuration: ElevenLabsConfiguration(apiKey: key),
///         httpClient: client
///     )
///     let subscription = try await provider.subscription()
///     print("\(subscription.remaining) characters left")
///     let audio = try await provider.render(request)
///     // audio.bytes: MP3, checked; audio.billedCharacters, audio.requestID…
/// } catch {
///     // SpeechProviderError: error.scope says what it means for the run
/// }
/// try await client.shutdown()
/// ```
///
/// ## Responses
/// Audio is only returned when the status is 200, the content type is audio, the body is not
/// empty, matches `Content-Length` and starts like the format asked for; anything else is a
/// transient `bad_audio` or `truncated_body`, never cached. `character-cost`, `request-id`,
/// `history-item-id` and `maximum-concurrent-requests` fill the matching ``SpeechAudio`` fields.
///
/// ## The key
/// It is sent in `xi-api-key` and nowhere else: descriptions and dumps of the provider and its
/// configuration show `<redacted>`, and every error message is stripped of it.
public struct ElevenLabsProvider: StreamingSpeechProvider, CustomStringConvertible, CustomReflectable {
    /// The concurrency to start with when none is configured (the adaptive window then follows
    /// the account's `maximum-concurrent-requests`).
    public static let defaultConcurrency = 4

    /// How many voices one `GET /v2/voices` page asks for.
    public static let voicesPageSize = 100

    /// `elevenlabs`.
    public let name = "elevenlabs"

    /// What to ask for, and where.
    public let configuration: ElevenLabsConfiguration

    /// The HTTP client; its owner shuts it down.
    let httpClient: HTTPClient

    /// Creates a provider.
    /// - Parameters:
    ///   - configuration: What to ask for, and where.
    ///   - httpClient: The client to send requests with; the caller owns it and shuts it down
    ///     after the last request.
    /// - Throws: ``SpeechProviderError`` with scope ``SpeechProviderError/Scope/run`` and reason
    ///   `invalid_option` when the base URL is not an `http`/`https` URL with a host, the model,
    ///   output format or key is empty, a voice setting is not finite, or the timeout or audio
    ///   limit is not positive.
    public init(configuration: ElevenLabsConfiguration, httpClient: HTTPClient) throws(SpeechProviderError) {
        try Self.check(configuration)
        self.configuration = configuration
        self.httpClient = httpClient
    }

    /// `ElevenLabsProvider(<base URL>, model: …, format: …)`, without the key.
    public var description: String {
        "ElevenLabsProvider(\(configuration.baseURL), model: \(configuration.modelID), format: \(configuration.outputFormat))"
    }

    /// The name and configuration (whose key shows as `<redacted>`), without the HTTP client's
    /// internals.
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "configuration": configuration], displayStyle: .struct)
    }

    /// Renders one phrase.
    /// - Parameter request: What to say; the voice id is the ElevenLabs voice id.
    /// - Returns: Checked audio in the configured output format, with what the response said about
    ///   billing and ids.
    /// - Throws: ``SpeechProviderError``, as ``classify(status:headers:body:now:redacting:)`` and
    ///   the type's documentation describe.
    public func render(_ request: SpeechRequest) async throws(SpeechProviderError) -> SpeechAudio {
        let response = try await exchange(
            try speechRequest(for: request),
            maximumBytes: configuration.maximumAudioBytes
        )
        return try speechAudio(from: response, for: request)
    }

    /// Renders one phrase through the streaming endpoint
    /// (`POST /v1/text-to-speech/{voice_id}/stream`), passing each chunk of audio on as it arrives.
    ///
    /// Chunks are passed on only once the response is a 200 with an audio content type, so a
    /// refusal throws before any chunk; the whole body is then checked as ``render(_:)`` checks it.
    /// ``ElevenLabsConfiguration/requestTimeout`` bounds the whole exchange, the last chunk
    /// included.
    /// - Parameters:
    ///   - request: What to say; the voice id is the ElevenLabs voice id.
    ///   - receive: Called with each chunk of audio, in order.
    /// - Returns: The whole checked audio, with what the response said about billing and ids.
    /// - Throws: ``SpeechProviderError``, as ``render(_:)`` does.
    public func stream(
        _ request: SpeechRequest,
        to receive: @escaping @Sendable ([UInt8]) async -> Void
    ) async throws(SpeechProviderError) -> SpeechAudio {
        let response = try await exchange(
            try speechRequest(for: request, streaming: true),
            maximumBytes: configuration.maximumAudioBytes,
            forwardingAudioTo: receive
        )
        return try speechAudio(from: response, for: request)
    }

    /// Sends `request` and reads the whole response, within ``ElevenLabsConfiguration/requestTimeout``.
    /// - Parameters:
    ///   - request: The request.
    ///   - maximumBytes: The largest body accepted.
    ///   - receive: Given, the body's parts of a 200 audio response as they arrive.
    /// - Returns: The response.
    /// - Throws: ``SpeechProviderError`` for transport failures, as
    ///   ``classify(transportError:redacting:)`` maps them.
    func exchange(
        _ request: ElevenLabsHTTPRequest,
        maximumBytes: Int,
        forwardingAudioTo receive: (@Sendable ([UInt8]) async -> Void)? = nil
    ) async throws(SpeechProviderError)
        -> ElevenLabsHTTPResponse
    {
        let client = httpClient
        let timeout = configuration.requestTimeout
        let secret = configuration.apiKey
        let outputFormat = configuration.outputFormat
        do {
            return try await withThrowingTaskGroup(of: ElevenLabsHTTPResponse?.self) { group in
                group.addTask {
                    let response = try await client.execute(request.httpClientRequest, timeout: timeAmount(timeout))
                    // Audio is passed on from a 200 with an audio type, once its first bytes are
                    // the container asked for; until then it is held back.
                    var forward =
                        receive != nil && response.status == .ok
                        && Self.isAudio(response.headers, outputFormat: outputFormat)
                    var body: [UInt8] = []
                    var passed = 0
                    do {
                        for try await part in response.body {
                            guard body.count + part.readableBytes <= maximumBytes else {
                                throw SpeechProviderError(
                                    .phrase,
                                    reason: "audio_too_large",
                                    "the ElevenLabs response was larger than \(maximumBytes) bytes"
                                )
                            }
                            body += Array(buffer: part)
                            if forward, passed == 0, body.count >= Self.containerHeadBytes {
                                forward = Self.startsAsExpected(body, outputFormat: outputFormat)
                            }
                            if forward, passed > 0 || body.count >= Self.containerHeadBytes, let receive {
                                await receive(Array(body[passed...]))
                                passed = body.count
                            }
                        }
                        // A cancelled body ends early without an error: it is not the whole audio.
                        try Task.checkCancellation()
                    } catch {
                        // A connection lost while the body arrives leaves it cut short.
                        var failure = Self.classify(transportError: error, redacting: secret)
                        if failure.reason == "connection_lost" {
                            failure = SpeechProviderError(
                                .transient(retryAfter: nil),
                                reason: "truncated_body",
                                "the ElevenLabs response ended early (\(failure.message))"
                            )
                        }
                        throw failure
                    }
                    return ElevenLabsHTTPResponse(
                        status: Int(response.status.code),
                        headers: response.headers,
                        body: body
                    )
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw SpeechProviderError(
                        .transient(retryAfter: nil),
                        reason: "timeout",
                        "the ElevenLabs request took longer than \(timeout)"
                    )
                }
                return response
            }
        } catch {
            throw Self.classify(transportError: error, redacting: secret)
        }
    }

    private static func check(_ configuration: ElevenLabsConfiguration) throws(SpeechProviderError) {
        func invalid(_ message: String) -> SpeechProviderError {
            SpeechProviderError(.run, reason: "invalid_option", message)
        }
        guard let url = URL(string: configuration.baseURL), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil
        else {
            throw invalid("the ElevenLabs base URL \"\(configuration.baseURL)\" is not an http or https URL")
        }
        guard !configuration.apiKey.value.isEmpty else { throw invalid("the ElevenLabs API key is empty") }
        guard !configuration.modelID.isEmpty else { throw invalid("the ElevenLabs model id is empty") }
        guard !configuration.outputFormat.isEmpty else { throw invalid("the ElevenLabs output format is empty") }
        let settings = configuration.voiceSettings
        for value in [settings.stability, settings.similarityBoost, settings.style, settings.speed] {
            if let value, !value.isFinite { throw invalid("an ElevenLabs voice setting is not a finite number") }
        }
        guard configuration.requestTimeout > .zero else {
            throw invalid("the ElevenLabs request timeout must be positive")
        }
        guard configuration.maximumAudioBytes > 0 else { throw invalid("the ElevenLabs audio limit must be positive") }
    }
}

/// `duration` as a SwiftNIO `TimeAmount`.
private func timeAmount(_ duration: Duration) -> TimeAmount {
    let (seconds, attoseconds) = duration.components
    let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    return .nanoseconds(overflow ? .max : nanoseconds &+ attoseconds / 1_000_000_000)
}

import AudioCache
import Foundation
import NIOHTTP1

/// A response as plain values: status, headers and the whole body.
struct ElevenLabsHTTPResponse: Sendable, Equatable {
    /// The HTTP status code.
    var status: Int
    /// The headers.
    var headers: HTTPHeaders
    /// The body.
    var body: [UInt8]
}

extension ElevenLabsProvider {
    /// The audio in a text-to-speech response, or what its failure means.
    ///
    /// A body is only returned when the status is 200, the content type is `audio/*` (or
    /// `application/octet-stream` for the headerless `pcm_`, `ulaw_` and `alaw_` formats), it is
    /// not empty, its length matches `Content-Length` when one was sent, and its first bytes are
    /// the container `outputFormat` asks for.
    /// - Parameters:
    ///   - response: The response.
    ///   - outputFormat: The `output_format` asked for.
    ///   - now: The current time, for `Retry-After` dates.
    ///   - secret: The API key, kept out of messages.
    /// - Returns: The audio.
    /// - Throws: ``SpeechProviderError``: what ``classify(status:headers:body:now:redacting:)``
    ///   says for a status other than 200; ``SpeechProviderError/Scope/transient(retryAfter:)``
    ///   with `bad_audio` or `truncated_body` for a bad body.
    static func audio(
        from response: ElevenLabsHTTPResponse,
        outputFormat: String,
        now: Date = Date(),
        redacting secret: Secret? = nil
    ) throws(SpeechProviderError) -> [UInt8] {
        guard response.status == 200 else {
            throw classify(
                status: response.status,
                headers: response.headers,
                body: response.body,
                now: now,
                redacting: secret
            )
        }
        let transient = SpeechProviderError.Scope.transient(retryAfter: nil)
        guard isAudio(response.headers, outputFormat: outputFormat) else {
            let contentType = mediaType(response.headers.first(name: "content-type"))
            throw SpeechProviderError(
                transient,
                reason: "bad_audio",
                "ElevenLabs answered 200 with content type \"\(sanitize(contentType, redacting: secret, limit: 80))\", not audio"
            )
        }
        if let declared = response.headers.first(name: "content-length"),
            let length = Int(declared.trimmingCharacters(in: .whitespaces)), length != response.body.count
        {
            throw SpeechProviderError(
                transient,
                reason: "truncated_body",
                "ElevenLabs sent \(response.body.count) of the \(length) bytes it announced"
            )
        }
        guard !response.body.isEmpty else {
            throw SpeechProviderError(transient, reason: "bad_audio", "ElevenLabs answered 200 with no audio")
        }
        guard startsAsExpected(response.body, outputFormat: outputFormat) else {
            throw SpeechProviderError(
                transient,
                reason: "bad_audio",
                "ElevenLabs answered 200 with \(response.body.count) bytes that are not \(outputFormat) audio"
            )
        }
        return response.body
    }

    /// Whether a response's `Content-Type` is audio: `audio/*`, or `application/octet-stream` for
    /// the headerless `pcm_`, `ulaw_` and `alaw_` formats.
    /// - Parameters:
    ///   - headers: The response headers.
    ///   - outputFormat: The `output_format` asked for.
    /// - Returns: Whether the body is meant to be audio.
    static func isAudio(_ headers: HTTPHeaders, outputFormat: String) -> Bool {
        let contentType = mediaType(headers.first(name: "content-type"))
        let headerless = ["pcm_", "ulaw_", "alaw_"].contains { outputFormat.hasPrefix($0) }
        return contentType.hasPrefix("audio/") || (headerless && contentType == "application/octet-stream")
    }

    /// How many bytes ``startsAsExpected(_:outputFormat:)`` needs to tell a container.
    static let containerHeadBytes = 12

    /// Whether `audio` starts as the container `outputFormat` asks for (any audio container when
    /// the format is one this code does not know).
    /// - Parameters:
    ///   - audio: The audio, or its first ``containerHeadBytes`` bytes at least.
    ///   - outputFormat: The `output_format` asked for.
    /// - Returns: Whether the bytes are that container.
    static func startsAsExpected(_ audio: [UInt8], outputFormat: String) -> Bool {
        guard let detected = AudioContainer.detect(audio, declaredAs: outputFormat) else { return false }
        return expectedContainer(for: outputFormat).map { $0 == detected } ?? true
    }

    /// The container an output format must arrive in, when the format says: `mp3_…` is MP3,
    /// `wav_…` is WAV, `opus_…` is Ogg, `pcm_…`, `ulaw_…` and `alaw_…` are headerless.
    /// - Parameter outputFormat: The `output_format`.
    /// - Returns: The container, or `nil` for a format this code does not know.
    static func expectedContainer(for outputFormat: String) -> AudioContainer? {
        let prefix = outputFormat.split(separator: "_", maxSplits: 1).first.map(String.init) ?? outputFormat
        switch prefix {
        case "mp3": return .mp3
        case "wav": return .wav
        case "opus", "ogg": return .ogg
        case "flac": return .flac
        case "pcm", "ulaw", "alaw": return .raw
        default: return nil
        }
    }

    /// The media type of a `Content-Type` value, lowercased and without parameters.
    private static func mediaType(_ value: String?) -> String {
        guard let value else { return "" }
        let type = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return type.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The audio and what the response says about it, from a validated response.
    /// - Parameters:
    ///   - response: The response.
    ///   - request: The phrase.
    ///   - now: The current time.
    /// - Returns: The audio with its rendering, billing and ids.
    /// - Throws: ``SpeechProviderError``, as ``audio(from:outputFormat:now:redacting:)`` does.
    func speechAudio(
        from response: ElevenLabsHTTPResponse,
        for request: SpeechRequest,
        now: Date = Date()
    ) throws(SpeechProviderError) -> SpeechAudio {
        let bytes = try Self.audio(
            from: response,
            outputFormat: configuration.outputFormat,
            now: now,
            redacting: configuration.apiKey
        )
        let headers = response.headers
        func integer(_ name: String) -> Int? {
            headers.first(name: name).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        func identifier(_ names: String...) -> String? {
            for name in names {
                if let value = headers.first(name: name) {
                    let cleaned = Self.sanitize(value, redacting: configuration.apiKey, limit: 128)
                    if !cleaned.isEmpty { return cleaned }
                }
            }
            return nil
        }
        return SpeechAudio(
            bytes: bytes,
            rendering: rendering(for: request),
            billedCharacters: integer("character-cost").filter { $0 >= 0 } ?? request.text.unicodeScalars.count,
            requestID: identifier("request-id", "x-request-id"),
            historyItemID: identifier("history-item-id"),
            maximumConcurrentRequests: integer("maximum-concurrent-requests").filter { $0 > 0 }
        )
    }

    /// What rendering `request` means: provider, model, output format, voice settings and text.
    /// - Parameter request: The phrase.
    /// - Returns: The description the cache records and compares for staleness.
    public func rendering(for request: SpeechRequest) -> RenderingDescription {
        RenderingDescription(
            provider: name,
            modelID: modelID(for: request),
            outputFormat: configuration.outputFormat,
            voiceSettings: configuration.voiceSettings.settings,
            text: request.text
        )
    }
}

extension Optional {
    fileprivate func filter(_ isIncluded: (Wrapped) -> Bool) -> Wrapped? {
        flatMap { isIncluded($0) ? $0 : nil }
    }
}

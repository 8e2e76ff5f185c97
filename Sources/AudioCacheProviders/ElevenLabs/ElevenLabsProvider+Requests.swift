import AsyncHTTPClient
import AudioCache
import Foundation
import NIOCore
import NIOHTTP1

/// One request to the API, as plain values: what the provider sends, built without I/O so tests
/// can read it back.
struct ElevenLabsHTTPRequest: Sendable, Equatable {
    /// `GET` or `POST`.
    var method: HTTPMethod
    /// The full URL.
    var url: String
    /// The headers, `xi-api-key` among them.
    var headers: HTTPHeaders
    /// The body, if any.
    var body: [UInt8]?

    /// The request for AsyncHTTPClient.
    var httpClientRequest: HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return request
    }
}

/// The JSON body of a text-to-speech request; `nil` fields are left out.
struct ElevenLabsSpeechBody: Encodable, Sendable, Hashable {
    struct VoiceSettings: Encodable, Sendable, Hashable {
        var stability: Double?
        var similarityBoost: Double?
        var style: Double?
        var useSpeakerBoost: Bool?
        var speed: Double?

        enum CodingKeys: String, CodingKey {
            case stability
            case similarityBoost = "similarity_boost"
            case style
            case useSpeakerBoost = "use_speaker_boost"
            case speed
        }
    }

    var text: String
    var modelID: String
    var voiceSettings: VoiceSettings?
    var languageCode: String?
    var seed: UInt32?

    enum CodingKeys: String, CodingKey {
        case text
        case modelID = "model_id"
        case voiceSettings = "voice_settings"
        case languageCode = "language_code"
        case seed
    }
}

extension ElevenLabsProvider {
    /// The request that renders `request`: `POST {base}/v1/text-to-speech/{voice}?output_format=…`,
    /// or `…/{voice}/stream?output_format=…` (the same body; the audio comes in chunks as it is
    /// generated).
    /// - Parameters:
    ///   - request: The phrase.
    ///   - streaming: Whether to ask for the streaming endpoint.
    /// - Returns: The request.
    /// - Throws: ``SpeechProviderError`` (``SpeechProviderError/Scope/voice``, `invalid_voice`)
    ///   for an empty voice id.
    func speechRequest(
        for request: SpeechRequest,
        streaming: Bool = false
    ) throws(SpeechProviderError) -> ElevenLabsHTTPRequest {
        guard !request.voiceID.isEmpty else {
            throw SpeechProviderError(.voice, reason: "invalid_voice", "the voice id of \(request.key) is empty")
        }
        let settings = configuration.voiceSettings
        let body = ElevenLabsSpeechBody(
            text: request.text,
            modelID: modelID(for: request),
            voiceSettings: settings.isEmpty
                ? nil
                : .init(
                    stability: settings.stability,
                    similarityBoost: settings.similarityBoost,
                    style: settings.style,
                    useSpeakerBoost: settings.useSpeakerBoost,
                    speed: settings.speed
                ),
            languageCode: configuration.languageCode(for: request.language),
            seed: configuration.seed
        )
        var headers = commonHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "audio/*")
        let path =
            "/v1/text-to-speech/" + Self.percentEncodedPathSegment(request.voiceID) + (streaming ? "/stream" : "")
        return ElevenLabsHTTPRequest(
            method: .POST,
            url: url(path: path, query: [("output_format", configuration.outputFormat)]),
            headers: headers,
            body: Self.encode(body)
        )
    }

    /// `GET {base}/v1/user/subscription`.
    /// - Returns: The request.
    func subscriptionRequest() -> ElevenLabsHTTPRequest {
        ElevenLabsHTTPRequest(method: .GET, url: url(path: "/v1/user/subscription"), headers: jsonHeaders())
    }

    /// `GET {base}/v2/voices?page_size=100`, with the token of the page to read.
    /// - Parameter pageToken: The previous page's `next_page_token`, or `nil` for the first page.
    /// - Returns: The request.
    func voicesRequest(pageToken: String?) -> ElevenLabsHTTPRequest {
        var query = [("page_size", String(Self.voicesPageSize))]
        if let pageToken { query.append(("next_page_token", pageToken)) }
        return ElevenLabsHTTPRequest(method: .GET, url: url(path: "/v2/voices", query: query), headers: jsonHeaders())
    }

    /// The model a request renders with: the phrase's, else the configured default.
    /// - Parameter request: The phrase.
    /// - Returns: The model id.
    func modelID(for request: SpeechRequest) -> String {
        request.modelID ?? configuration.modelID
    }

    private func commonHeaders() -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "xi-api-key", value: configuration.apiKey.value)
        headers.add(name: "User-Agent", value: "audiocache")
        return headers
    }

    private func jsonHeaders() -> HTTPHeaders {
        var headers = commonHeaders()
        headers.add(name: "Accept", value: "application/json")
        return headers
    }

    private func url(path: String, query: [(String, String)] = []) -> String {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var url = base + path
        if !query.isEmpty {
            url +=
                "?" + query.map { Self.percentEncoded($0.0) + "=" + Self.percentEncoded($0.1) }.joined(separator: "&")
        }
        return url
    }

    /// `segment` with everything but RFC 3986 unreserved characters percent-encoded (UTF-8), and
    /// `.`/`..` encoded too, so that no voice id can leave its path segment.
    /// - Parameter segment: A path segment.
    /// - Returns: The encoded segment.
    static func percentEncodedPathSegment(_ segment: String) -> String {
        if segment == "." || segment == ".." { return String(repeating: "%2E", count: segment.count) }
        return percentEncoded(segment)
    }

    /// `text` with everything but RFC 3986 unreserved characters (`A–Z a–z 0–9 - . _ ~`)
    /// percent-encoded as UTF-8.
    /// - Parameter text: The text.
    /// - Returns: The encoded text.
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return encoded
    }

    /// `body` as compact JSON with sorted keys.
    static func encode(_ body: ElevenLabsSpeechBody) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, finite numbers and flags cannot fail; non-finite numbers are refused
        // when the configuration is checked.
        return (try? Array(encoder.encode(body))) ?? []
    }
}

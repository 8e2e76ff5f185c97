import AsyncHTTPClient
import AudioCache
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

extension ElevenLabsProvider {
    /// What an error answer from ElevenLabs means for the run.
    ///
    /// The body is read as the API writes errors, `{"detail": {"status": "…", "message": "…"}}`;
    /// `detail` as a plain string, and FastAPI's validation list (`[{"loc": […], "msg": "…"}]`)
    /// are understood too. Then:
    ///
    /// | Answer | Scope | Reason |
    /// |---|---|---|
    /// | 401 `invalid_api_key` | ``SpeechProviderError/Scope/run`` | `invalid_api_key` |
    /// | 401 `quota_exceeded` | ``SpeechProviderError/Scope/run`` | `quota_exceeded` |
    /// | other 401, 403 | ``SpeechProviderError/Scope/run`` | the status, else `unauthorized`/`forbidden` |
    /// | `voice_not_found` (any code) | ``SpeechProviderError/Scope/voice`` | `voice_not_found` |
    /// | 404 with another status | ``SpeechProviderError/Scope/voice`` | the status |
    /// | 404 without a status | ``SpeechProviderError/Scope/run`` | `endpoint_not_found` (a wrong base URL) |
    /// | 422 | ``SpeechProviderError/Scope/phrase`` | the status, else `invalid_request` |
    /// | 429 `too_many_concurrent_requests` | ``SpeechProviderError/Scope/tooManyConcurrent(retryAfter:)`` | `too_many_concurrent_requests` |
    /// | other 429 (`system_busy`…) | ``SpeechProviderError/Scope/transient(retryAfter:)`` | the status, else `rate_limited` |
    /// | 408, 5xx | ``SpeechProviderError/Scope/transient(retryAfter:)`` | the status, else `request_timeout`/`server_error` |
    /// | other 4xx | ``SpeechProviderError/Scope/phrase`` | the status, else `bad_request` |
    /// | anything else | ``SpeechProviderError/Scope/transient(retryAfter:)`` | `unexpected_status` |
    ///
    /// A retry delay comes from `retry-after-ms` (milliseconds), else `Retry-After` (seconds or an
    /// HTTP date, counted from `now`). The server's message is kept, shortened, stripped of control
    /// characters and of anything that looks like an API key (and of `secret` itself).
    /// - Parameters:
    ///   - status: The HTTP status code.
    ///   - headers: The response headers.
    ///   - body: The response body.
    ///   - now: The current time, for a `Retry-After` date.
    ///   - secret: The API key, removed from any message that echoes it.
    /// - Returns: The error.
    public static func classify(
        status: Int,
        headers: HTTPHeaders,
        body: [UInt8],
        now: Date = Date(),
        redacting secret: Secret? = nil
    ) -> SpeechProviderError {
        let detail = ErrorDetail(body: body)
        let serverMessage = detail.message.map { sanitize($0, redacting: secret) }
        let retryAfter = retryAfter(headers: headers, now: now)
        func message(_ text: String) -> String {
            guard let serverMessage, !serverMessage.isEmpty else { return text }
            return text + ": " + serverMessage
        }
        // A status becomes the reason only when it looks like one (`voice_not_found`), not like a key.
        let statusName = detail.status.flatMap { status -> String? in
            let valid =
                (1...64).contains(status.utf8.count)
                && status.utf8.allSatisfy {
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                        || $0 == UInt8(ascii: "_")
                }
            return valid && sanitize(status, redacting: secret, limit: 64) == status ? status : nil
        }
        let http = "HTTP \(status)"

        if statusName == "voice_not_found" {
            return SpeechProviderError(
                .voice,
                reason: "voice_not_found",
                message("ElevenLabs has no such voice (\(http))")
            )
        }
        switch status {
        case 401 where statusName == "invalid_api_key":
            return SpeechProviderError(
                .run,
                reason: "invalid_api_key",
                message("ElevenLabs refused the API key; check \(ElevenLabsConfiguration.apiKeyVariable)")
            )
        case 401 where statusName == "quota_exceeded":
            return SpeechProviderError(
                .run,
                reason: "quota_exceeded",
                message("the ElevenLabs character quota is used up")
            )
        case 401:
            return SpeechProviderError(
                .run,
                reason: statusName ?? "unauthorized",
                message("ElevenLabs refused the request (\(http)); check the API key and its permissions")
            )
        case 403:
            return SpeechProviderError(
                .run,
                reason: statusName ?? "forbidden",
                message("ElevenLabs forbade the request (\(http)); check the API key's permissions")
            )
        case 404 where statusName != nil:
            return SpeechProviderError(.voice, reason: statusName ?? "not_found", message("ElevenLabs: \(http)"))
        case 404:
            return SpeechProviderError(
                .run,
                reason: "endpoint_not_found",
                message("ElevenLabs answered \(http) without saying why; check the base URL")
            )
        case 422:
            return SpeechProviderError(
                .phrase,
                reason: statusName ?? "invalid_request",
                message("ElevenLabs rejected the request (\(http))")
            )
        case 429 where statusName == "too_many_concurrent_requests":
            return SpeechProviderError(
                .tooManyConcurrent(retryAfter: retryAfter),
                reason: "too_many_concurrent_requests",
                message("ElevenLabs has too many requests in flight (\(http))")
            )
        case 429:
            return SpeechProviderError(
                .transient(retryAfter: retryAfter),
                reason: statusName ?? "rate_limited",
                message("ElevenLabs asked to slow down (\(http))")
            )
        case 408:
            return SpeechProviderError(
                .transient(retryAfter: retryAfter),
                reason: statusName ?? "request_timeout",
                message("ElevenLabs timed the request out (\(http))")
            )
        case 500...599:
            return SpeechProviderError(
                .transient(retryAfter: retryAfter),
                reason: statusName ?? "server_error",
                message("ElevenLabs failed (\(http))")
            )
        case 400...499:
            return SpeechProviderError(
                .phrase,
                reason: statusName ?? "bad_request",
                message("ElevenLabs rejected the request (\(http))")
            )
        default:
            return SpeechProviderError(
                .transient(retryAfter: retryAfter),
                reason: "unexpected_status",
                message("ElevenLabs answered \(http)")
            )
        }
    }

    /// What a failure to exchange a request means: timeouts, lost connections and truncated
    /// bodies are transient (`timeout`, `connection_lost`, `connection_failed`, `truncated_body`);
    /// an unusable base URL or a shut-down client stops the run; an oversized response fails the
    /// phrase (`audio_too_large`).
    /// - Parameters:
    ///   - error: What AsyncHTTPClient or SwiftNIO threw.
    ///   - secret: The API key, removed from any message.
    /// - Returns: The error.
    static func classify(transportError error: any Error, redacting secret: Secret? = nil) -> SpeechProviderError {
        if let error = error as? SpeechProviderError { return error }
        let transient = SpeechProviderError.Scope.transient(retryAfter: nil)
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .writeTimeout, .connectTimeout, .deadlineExceeded, .tlsHandshakeTimeout,
                .socksHandshakeTimeout, .httpProxyHandshakeTimeout, .getConnectionFromPoolTimeout:
                return SpeechProviderError(transient, reason: "timeout", "the ElevenLabs request timed out (\(error))")
            case .remoteConnectionClosed, .uncleanShutdown:
                return SpeechProviderError(
                    transient,
                    reason: "connection_lost",
                    "the connection to ElevenLabs was lost (\(error))"
                )
            case .bodyLengthMismatch:
                return SpeechProviderError(
                    transient,
                    reason: "truncated_body",
                    "the ElevenLabs response ended early (\(error))"
                )
            case .cancelled:
                return SpeechProviderError(transient, reason: "cancelled", "the ElevenLabs request was cancelled")
            case .invalidURL, .emptyHost, .emptyScheme:
                return SpeechProviderError(
                    .run,
                    reason: "invalid_base_url",
                    "the ElevenLabs base URL cannot be used (\(error))"
                )
            case .alreadyShutdown:
                return SpeechProviderError(.run, reason: "client_shut_down", "the HTTP client was already shut down")
            default:
                break
            }
        }
        if let error = error as? HTTPParserError {
            switch error {
            case .invalidEOFState, .closedConnection:
                return SpeechProviderError(
                    transient,
                    reason: "truncated_body",
                    "the ElevenLabs response ended early (\(error))"
                )
            default:
                return SpeechProviderError(
                    transient,
                    reason: "bad_response",
                    "the ElevenLabs response was not valid HTTP (\(error))"
                )
            }
        }
        if error is NIOTooManyBytesError {
            return SpeechProviderError(.phrase, reason: "audio_too_large", "the ElevenLabs response was too large")
        }
        if error is CancellationError {
            return SpeechProviderError(transient, reason: "cancelled", "the ElevenLabs request was cancelled")
        }
        if error is NIOConnectionError {
            return SpeechProviderError(transient, reason: "connection_failed", "cannot connect to ElevenLabs")
        }
        if let error = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode) {
            return SpeechProviderError(
                transient,
                reason: "connection_failed",
                "cannot connect to ElevenLabs (\(error))"
            )
        }
        if error is IOError || error is ChannelError {
            return SpeechProviderError(
                transient,
                reason: "connection_lost",
                "the connection to ElevenLabs was lost (\(sanitize(String(describing: error), redacting: secret)))"
            )
        }
        return SpeechProviderError(
            transient,
            reason: "transport_error",
            "the ElevenLabs request failed (\(sanitize(String(describing: error), redacting: secret)))"
        )
    }

    /// How long the server asked to wait: `retry-after-ms` (milliseconds) when present and valid,
    /// else `Retry-After` in seconds or as an HTTP date (a past date means no wait).
    /// - Parameters:
    ///   - headers: The response headers.
    ///   - now: The current time.
    /// - Returns: The delay, or `nil` when the server gave none.
    static func retryAfter(headers: HTTPHeaders, now: Date) -> Duration? {
        let maximum = 86_400.0  // a day: anything longer is nonsense, not a plan
        if let text = headers.first(name: "retry-after-ms")?.trimmingCharacters(in: .whitespaces),
            let milliseconds = Double(text), milliseconds.isFinite, milliseconds >= 0
        {
            return .milliseconds(Int64(min(milliseconds, maximum * 1000).rounded(.up)))
        }
        guard let text = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces), !text.isEmpty
        else { return nil }
        if let seconds = Double(text) {
            guard seconds.isFinite, seconds >= 0 else { return nil }
            return .milliseconds(Int64((min(seconds, maximum) * 1000).rounded(.up)))
        }
        guard let date = httpDate(text) else { return nil }
        let seconds = min(max(0, date.timeIntervalSince(now)), maximum)
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    /// An HTTP date in any of the three forms RFC 9110 allows: IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
    /// (`Sun Nov  6 08:49:37 1994`).
    /// - Parameter text: The header value.
    /// - Returns: The date, or `nil`.
    static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            let collapsed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            if let date = formatter.date(from: collapsed) { return date }
        }
        return nil
    }

    /// A server-provided text made safe to show: the secret and anything shaped like an
    /// ElevenLabs key (`sk_` and 16 or more letters or digits) replaced with `<redacted>`, control
    /// characters turned into spaces, and at most `limit` characters kept.
    static func sanitize(_ text: String, redacting secret: Secret?, limit: Int = 300) -> String {
        var text = secret?.redact(text) ?? text
        text = text.replacingOccurrences(of: "sk_[A-Za-z0-9]{16,}", with: "<redacted>", options: .regularExpression)
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            cleaned.append(scalar.properties.generalCategory == .control ? " " : scalar)
        }
        let result = String(cleaned).trimmingCharacters(in: .whitespaces)
        return result.count > limit ? String(result.prefix(limit)) + "…" : result
    }
}

/// The `status` and `message` of an ElevenLabs error body, however it is shaped:
/// `{"detail": {"status", "message"}}`, `{"detail": "text"}`, FastAPI's validation list
/// `{"detail": [{"loc": [...], "msg": "..."}]}`, or `status` (or `code`) and `message` at the top.
/// A body that is none of these (HTML from a proxy, nothing) gives neither.
struct ErrorDetail: Sendable, Hashable {
    var status: String?
    var message: String?

    init(body: [UInt8]) {
        guard !body.isEmpty, let decoded = try? JSONDecoder().decode(Body.self, from: Data(body)) else {
            status = nil
            message = nil
            return
        }
        switch decoded.detail {
        case .text(let text):
            status = nil
            message = text
        case .list(let items):
            status = nil
            message = items.compactMap { item in
                guard let text = item.msg else { return nil }
                let location = item.loc?.map(\.description).joined(separator: ".")
                return location.map { "\($0): \(text)" } ?? text
            }.joined(separator: "; ")
        case .fields(let fields):
            status = fields.status ?? fields.code
            message = fields.message
        case nil:
            status = decoded.fields.status ?? decoded.fields.code
            message = decoded.fields.message
        }
    }

    /// `status`, `code` and `message`; a field of another type counts as missing.
    private struct Fields: Decodable {
        var status: String?
        var code: String?
        var message: String?

        enum CodingKeys: String, CodingKey {
            case status, code, message
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try? container.decodeIfPresent(String.self, forKey: .status)
            code = try? container.decodeIfPresent(String.self, forKey: .code)
            message = try? container.decodeIfPresent(String.self, forKey: .message)
        }
    }

    private enum Detail: Decodable {
        case text(String)
        case list([Item])
        case fields(Fields)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let items = try? container.decode([Item].self) {
                self = .list(items)
            } else {
                self = .fields(try container.decode(Fields.self))
            }
        }
    }

    /// One problem of a validation error: where (`["body", "text"]`) and what.
    private struct Item: Decodable {
        var loc: [Location]?
        var msg: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            loc = try? container.decodeIfPresent([Location].self, forKey: .loc)
            msg = try? container.decodeIfPresent(String.self, forKey: .msg)
        }

        enum CodingKeys: String, CodingKey {
            case loc, msg
        }
    }

    /// A field name or an index in a validation error's location.
    private enum Location: Decodable, CustomStringConvertible {
        case name(String)
        case index(Int)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let index = try? container.decode(Int.self) {
                self = .index(index)
            } else {
                self = .name(try container.decode(String.self))
            }
        }

        var description: String {
            switch self {
            case .name(let name): name
            case .index(let index): "\(index)"
            }
        }
    }

    private struct Body: Decodable {
        var detail: Detail?
        var fields: Fields

        enum CodingKeys: String, CodingKey {
            case detail
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            detail = try? container.decodeIfPresent(Detail.self, forKey: .detail)
            fields = try Fields(from: decoder)
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension FakeElevenLabsServer {
    /// What a handler decided: a response, or closing the connection without one.
    private enum Answer {
        case response(Response, outcome: String)
        case drop(outcome: String)
    }

    /// Routes, records and answers one request.
    func respond(to request: Request, channel: any Channel) async throws -> Response {
        let body = Array(try await request.body.collect(upTo: 4 << 20).readableBytesView)
        let components = request.uri.path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        let isStreaming = components.count == 4 && components[3] == "stream"
        let isTextToSpeech =
            request.method == .post && (components.count == 3 || isStreaming) && components[0] == "v1"
            && components[1] == "text-to-speech"
        var record = FakeElevenLabsRequestRecord(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query,
            headers: [:],
            key: .missing,
            arrival: .zero,
            status: 0,
            outcome: "in_flight"
        )
        var leaked = false
        for field in request.headers {
            let name = field.name.canonicalName
            if name == "xi-api-key" {
                record.key = field.value == configuration.apiKey ? .valid : .wrong
            } else {
                record.headers[name] = record.headers[name].map { "\($0), \(field.value)" } ?? field.value
                leaked = leaked || contains(field.value, configuration.apiKey)
            }
        }
        leaked =
            leaked || contains(request.uri.string, configuration.apiKey)
            || contains(request.uri.string.removingPercentEncoding ?? "", configuration.apiKey)
            || contains(String(decoding: body, as: UTF8.self), configuration.apiKey)
        var speech: SpeechBody?
        if isTextToSpeech {
            record.voiceID = components[2]
            record.outputFormat = request.uri.queryParameters["output_format"].map(String.init) ?? "mp3_44100_128"
            speech = SpeechBody(json: body)
            record.text = speech?.text
            record.modelID = speech?.text == nil ? nil : speech?.modelID
        }
        let index = state.withLock { state in
            record.arrival = ContinuousClock.now - state.origin
            state.keyLeaked = state.keyLeaked || leaked
            if isTextToSpeech { state.arriveTextToSpeech() }
            return state.record(record)
        }
        let requestID = "fake-req-\(index + 1)"
        let answer: Answer
        switch (request.method, components) {
        case _ where isTextToSpeech:
            answer = await textToSpeech(
                record: record,
                body: speech,
                requestID: requestID,
                streaming: isStreaming,
                channel: channel
            )
        case (.get, ["v1", "user", "subscription"]):
            answer = record.key == .valid ? subscription() : Self.invalidKey()
        case (.get, ["v2", "voices"]):
            answer =
                record.key == .valid
                ? voices(
                    pageSize: request.uri.queryParameters["page_size"].map(String.init),
                    token: request.uri.queryParameters["next_page_token"].map(String.init)
                ) : Self.invalidKey()
        default:
            answer = .response(Self.json(404, ["detail": "Not Found"]), outcome: "not_found")
        }
        let status: Int
        let outcome: String
        switch answer {
        case .response(let response, let answerOutcome): (status, outcome) = (response.status.code, answerOutcome)
        case .drop(let dropOutcome): (status, outcome) = (0, dropOutcome)
        }
        state.withLock { state in
            if isTextToSpeech { state.leaveTextToSpeech() }
            state.finish(index, status: status, outcome: outcome)
        }
        switch answer {
        case .response(var response, _):
            response.headers[Self.name("request-id")] = requestID
            return response
        case .drop:
            try? await channel.close()
            throw CancellationError()
        }
    }

    private func contains(_ haystack: String, _ needle: String) -> Bool {
        !needle.isEmpty && haystack.contains(needle)
    }

    // MARK: Text to speech

    private func textToSpeech(
        record: FakeElevenLabsRequestRecord,
        body: SpeechBody?,
        requestID: String,
        streaming: Bool,
        channel: any Channel
    ) async -> Answer {
        guard record.key == .valid else { return Self.invalidKey() }
        guard let body else {
            return Self.validation([["type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error"]])
        }
        guard let text = body.text else {
            return Self.validation([["type": "missing", "loc": ["body", "text"], "msg": "Field required"]])
        }
        let count = text.unicodeScalars.count
        if text.isEmpty {
            return Self.validation([
                [
                    "type": "string_too_short", "loc": ["body", "text"],
                    "msg": "String should have at least 1 character",
                ]
            ])
        }
        if count > configuration.maximumTextLength {
            return Self.validation([
                [
                    "type": "string_too_long", "loc": ["body", "text"],
                    "msg": "String should have at most \(configuration.maximumTextLength) characters",
                ]
            ])
        }
        let outputFormat = record.outputFormat ?? "mp3_44100_128"
        guard let contentType = FakeElevenLabsAudio.contentType(for: outputFormat) else {
            return Self.validation([
                [
                    "type": "enum", "loc": ["query", "output_format"],
                    "msg": "Input should be a supported output format",
                ]
            ])
        }
        let voiceID = record.voiceID ?? ""
        guard configuration.voices.contains(where: { $0.id == voiceID }) else {
            return Self.detail(
                404,
                "voice_not_found",
                "A voice with the voice_id \(voiceID) was not found."
            )
        }
        let phrase = FakeElevenLabsPhrase(voiceID: voiceID, text: text)
        let admission = state.withLock { $0.admit(phrase, modelID: body.modelID, now: .now) }
        let fault: FakeElevenLabsFault?
        switch admission {
        case .refused(.tooManyConcurrent):
            return Self.detail(
                429,
                "too_many_concurrent_requests",
                "Too many concurrent requests: this account allows \(configuration.concurrencyLimit).",
                headers: ["maximum-concurrent-requests": "\(configuration.concurrencyLimit)"]
            )
        case .refused(.systemBusy(let retryAfter)):
            let milliseconds = max(1, Int((retryAfter / .milliseconds(1)).rounded(.up)))
            return Self.detail(
                429,
                "system_busy",
                "The system is experiencing heavy traffic, please try again later.",
                headers: ["retry-after": "\(max(1, (milliseconds + 999) / 1000))", "retry-after-ms": "\(milliseconds)"]
            )
        case .refused(.quotaExceeded(let remaining, let required)):
            return Self.detail(
                401,
                "quota_exceeded",
                "This request exceeds your quota of \(configuration.characterLimit). You have \(remaining) credits "
                    + "remaining, while \(required) credits are required for this request."
            )
        case .admitted(let chosen, let latency):
            fault = chosen
            var delay = latency
            if case .slow(let extra) = chosen { delay += extra }
            if delay > .zero { try? await Task.sleep(for: delay) }
        }
        let audio = FakeElevenLabsAudio.bytes(
            voiceID: voiceID,
            text: text,
            modelID: body.modelID,
            outputFormat: outputFormat
        )
        // Cancelled while waiting (the server is stopping): no answer, nothing billed.
        let cancelled = Task.isCancelled
        let billed: Bool
        switch fault {
        case _ where cancelled: billed = false
        case nil, .slow: billed = true
        default: billed = false
        }
        let sequence = state.withLock { state in
            state.release()
            if billed { state.bill(phrase) }
            return state.admittedCount
        }
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[Self.name("character-cost")] = "\(count)"
        headers[Self.name("history-item-id")] = "fake-history-\(sequence)-\(requestID)"
        headers[Self.name("maximum-concurrent-requests")] = "\(configuration.concurrencyLimit)"
        if cancelled { return .drop(outcome: "cancelled") }
        switch fault {
        case nil, .slow:
            let body =
                streaming ? streamedBody(audio, closingAfter: nil) : ResponseBody(byteBuffer: ByteBuffer(bytes: audio))
            return .response(Response(status: .ok, headers: headers, body: body), outcome: "ok")
        case .truncatedBody where streaming:
            let body = streamedBody(audio, closingAfter: audio.count / 2, channel: channel)
            return .response(Response(status: .ok, headers: headers, body: body), outcome: "fault:truncatedBody")
        case .internalServerError:
            return Self.detail(500, "internal_server_error", "An internal server error occurred.", outcome: "fault")
        case .serviceUnavailable:
            return Self.detail(503, "service_unavailable", "The service is temporarily unavailable.", outcome: "fault")
        case .dropConnection:
            return .drop(outcome: "fault:dropConnection")
        case .truncatedBody:
            let half = ByteBuffer(bytes: audio.prefix(audio.count / 2))
            let body = ResponseBody(contentLength: audio.count) { writer in
                try await writer.write(half)
                try? await Task.sleep(for: .milliseconds(20))
                try await channel.close()
            }
            return .response(Response(status: .ok, headers: headers, body: body), outcome: "fault:truncatedBody")
        case .wrongContentType:
            headers[.contentType] = "text/html; charset=utf-8"
            let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
            return .response(
                Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page))),
                outcome: "fault:wrongContentType"
            )
        case .emptyBody:
            return .response(Response(status: .ok, headers: headers, body: ResponseBody()), outcome: "fault:emptyBody")
        }
    }

    /// A streamed answer: the audio in ``FakeElevenLabsConfiguration/streamChunks`` chunks with
    /// ``FakeElevenLabsConfiguration/streamChunkInterval`` between them, no `Content-Length`
    /// (chunked, as the real streaming endpoint answers); with `closingAfter`, the connection is
    /// closed once that many bytes are sent.
    private func streamedBody(_ audio: [UInt8], closingAfter limit: Int?, channel: (any Channel)? = nil) -> ResponseBody
    {
        let size = max(1, (audio.count + configuration.streamChunks - 1) / configuration.streamChunks)
        let interval = configuration.streamChunkInterval
        return ResponseBody { writer in
            var sent = 0
            for start in stride(from: 0, to: audio.count, by: size) {
                if start > 0, interval > .zero { try await Task.sleep(for: interval) }
                let end = min(audio.count, start + size, limit ?? .max)
                guard end > start else { break }
                try await writer.write(ByteBuffer(bytes: audio[start..<end]))
                sent = end
                if let limit, sent >= limit { break }
            }
            if limit != nil, let channel {
                try? await Task.sleep(for: .milliseconds(20))
                try await channel.close()
                return
            }
            try await writer.finish(nil)
        }
    }

    /// The fields of a text-to-speech body the fake reads.
    private struct SpeechBody {
        var text: String?
        var modelID: String

        /// `nil` when the body is not a JSON object.
        init?(json: [UInt8]) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
                return nil
            }
            text = object["text"] as? String
            modelID = object["model_id"] as? String ?? "eleven_multilingual_v2"
        }
    }

    // MARK: Account

    private func subscription() -> Answer {
        let used = state.withLock { $0.charactersUsed }
        let reset = Int(Date().timeIntervalSince1970) + 30 * 86_400
        let object: [String: Any] = [
            "tier": "creator",
            "character_count": used,
            "character_limit": configuration.characterLimit,
            "can_extend_character_limit": false,
            "allowed_to_extend_character_limit": false,
            "next_character_count_reset_unix": reset,
            "voice_slots_used": configuration.voices.count,
            "voice_limit": 30,
            "professional_voice_limit": 1,
            "can_extend_voice_limit": false,
            "can_use_instant_voice_cloning": true,
            "can_use_professional_voice_cloning": true,
            "currency": "usd",
            "status": "active",
            "billing_period": "monthly_period",
            "character_refresh_period": "monthly_period",
        ]
        return .response(Self.json(200, object), outcome: "ok")
    }

    private func voices(pageSize pageSizeText: String?, token: String?) -> Answer {
        let pageSize = pageSizeText.map { Int($0) } ?? 10
        guard let pageSize, (1...100).contains(pageSize) else {
            return Self.validation([
                ["type": "less_than_equal", "loc": ["query", "page_size"], "msg": "Input should be between 1 and 100"]
            ])
        }
        var offset = 0
        if let token {
            guard token.hasPrefix("page-"), let value = Int(token.dropFirst(5)), value >= 0 else {
                return Self.detail(400, "invalid_page_token", "The next_page_token is not valid.")
            }
            offset = value
        }
        let all = configuration.voices
        let page = all.dropFirst(offset).prefix(pageSize)
        let end = offset + page.count
        let object: [String: Any] = [
            "voices": page.map { voice -> [String: Any] in
                [
                    "voice_id": voice.id,
                    "name": voice.name,
                    "category": voice.category,
                    "labels": [String: String](),
                    "description": NSNull(),
                    "preview_url": NSNull(),
                    "available_for_tiers": [String](),
                ]
            },
            "has_more": end < all.count,
            "next_page_token": end < all.count ? "page-\(end)" as Any : NSNull(),
            "total_count": all.count,
        ]
        return .response(Self.json(200, object), outcome: "ok")
    }

    // MARK: Bodies

    private static func invalidKey() -> Answer {
        detail(401, "invalid_api_key", "Invalid API key")
    }

    private static func detail(
        _ status: Int,
        _ code: String,
        _ message: String,
        headers: [String: String] = [:],
        outcome: String? = nil
    ) -> Answer {
        var response = json(status, ["detail": ["status": code, "message": message]])
        for (name, value) in headers { response.headers[Self.name(name)] = value }
        return .response(response, outcome: outcome.map { "\($0):\(code)" } ?? code)
    }

    private static func validation(_ errors: [[String: Any]]) -> Answer {
        .response(json(422, ["detail": errors]), outcome: "validation_error")
    }

    private static func json(_ status: Int, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// A header name; the names used here are valid tokens, so the fallback never happens.
    static func name(_ text: String) -> HTTPField.Name {
        HTTPField.Name(text) ?? .contentType
    }
}

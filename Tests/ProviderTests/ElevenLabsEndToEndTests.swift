import AsyncHTTPClient
import AudioCache
import AudioCacheTestSupport
import Foundation
import NIOHTTP1
import Synchronization
import Testing

@testable import AudioCacheProviders

/// Runs `body` with a provider pointed at a stub server; the client is created and shut down here.
func withStubbedProvider<Result: Sendable>(
    requestTimeout: Duration = .seconds(5),
    sendsLanguageCode: Bool = false,
    respond: @escaping @Sendable (StubRequest) -> StubResponse,
    _ body: (ElevenLabsProvider, StubHTTPServer) async throws -> Result
) async throws -> Result {
    try await StubHTTPServer.with(respond: respond) { server in
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let configuration = ElevenLabsConfiguration(
                baseURL: server.baseURL,
                apiKey: Secret(elevenLabsTestKey),
                sendsLanguageCode: sendsLanguageCode,
                requestTimeout: requestTimeout
            )
            let provider = try ElevenLabsProvider(configuration: configuration, httpClient: client)
            let result = try await body(provider, server)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

// Serialized: the closed-port test must not see its port reused by another test's server.
@Suite("ElevenLabs over loopback HTTP", .serialized, .timeLimit(.minutes(1)))
struct ElevenLabsEndToEndTests {
    @Test("renders: the server sees the request, the caller gets checked audio and the headers")
    func render() async throws {
        let respond: @Sendable (StubRequest) -> StubResponse = { _ in
            StubResponse(
                headers: [
                    ("Content-Type", "audio/mpeg"), ("request-id", "r1"), ("character-cost", "7"),
                    ("history-item-id", "h1"), ("maximum-concurrent-requests", "3"),
                ],
                body: AudioFixtures.mp3()
            )
        }
        let audio = try await withStubbedProvider(sendsLanguageCode: true, respond: respond) { provider, server in
            let audio = try await provider.render(speechRequest(text: "Hola", voiceID: "voice+1", language: "es-ES"))
            let request = try #require(server.requests.first)
            #expect(server.requests.count == 1)
            #expect(request.method == .POST)
            #expect(request.uri == "/v1/text-to-speech/voice%2B1?output_format=mp3_44100_128")
            #expect(request.headers["xi-api-key"] == [elevenLabsTestKey])
            let body = try jsonObject(request.body)
            #expect(body["text"] as? String == "Hola")
            #expect(body["language_code"] as? String == "es")
            return audio
        }
        #expect(audio.bytes == AudioFixtures.mp3())
        #expect(audio.billedCharacters == 7)
        #expect(audio.requestID == "r1")
        #expect(audio.historyItemID == "h1")
        #expect(audio.maximumConcurrentRequests == 3)
    }

    @Test("streams: the /stream endpoint, every chunk passed on, the whole checked audio returned")
    func stream() async throws {
        let respond: @Sendable (StubRequest) -> StubResponse = { _ in
            StubResponse(headers: [("Content-Type", "audio/mpeg"), ("character-cost", "4")], body: AudioFixtures.mp3())
        }
        let parts = PartCollector()
        let (audio, uri) = try await withStubbedProvider(respond: respond) { provider, server in
            let audio = try await provider.stream(speechRequest(text: "Hola", voiceID: "voice+1", language: "es")) {
                parts.add($0)
            }
            return (audio, server.requests.first?.uri)
        }
        #expect(uri == "/v1/text-to-speech/voice%2B1/stream?output_format=mp3_44100_128")
        #expect(audio.bytes == AudioFixtures.mp3() && parts.bytes == audio.bytes)
        #expect(audio.billedCharacters == 4)
    }

    @Test("streamed failures: a refusal or non-audio throws before any chunk, as render's failures")
    func streamFailures() async throws {
        for (response, reason) in Self.failuresOverTheWire {
            let parts = PartCollector()
            let respond: @Sendable (StubRequest) -> StubResponse = { _ in response }
            let error = try await withStubbedProvider(requestTimeout: .milliseconds(300), respond: respond) {
                provider,
                _ in
                do throws(SpeechProviderError) {
                    _ = try await provider.stream(speechRequest()) { parts.add($0) }
                    return nil as SpeechProviderError?
                } catch {
                    return error
                }
            }
            #expect(error?.reason == reason)
            // A truncated body was audio until it stopped; nothing else reached the caller.
            if reason != "truncated_body" { #expect(parts.bytes.isEmpty, "\(reason)") }
        }
    }

    static let failuresOverTheWire: [(StubResponse, String)] = [
        (StubResponse(status: 401, body: detailBody("quota_exceeded")), "quota_exceeded"),
        (StubResponse(status: 404, body: detailBody("voice_not_found")), "voice_not_found"),
        (
            StubResponse(
                status: 429,
                headers: [("retry-after-ms", "1500")],
                body: detailBody("too_many_concurrent_requests")
            ),
            "too_many_concurrent_requests"
        ),
        (StubResponse(status: 503), "server_error"),
        (
            StubResponse(headers: [("Content-Type", "audio/mpeg")], body: AudioFixtures.mp3(), truncate: true),
            "truncated_body"
        ),
        (StubResponse(headers: [("Content-Type", "audio/mpeg")], body: Array("not audio".utf8)), "bad_audio"),
        (StubResponse(hang: true), "timeout"),
    ]

    @Test("failures over the wire", arguments: failuresOverTheWire)
    func failures(response: StubResponse, reason: String) async throws {
        let respond: @Sendable (StubRequest) -> StubResponse = { _ in response }
        let error = try await withStubbedProvider(requestTimeout: .milliseconds(300), respond: respond) { provider, _ in
            do throws(SpeechProviderError) {
                _ = try await provider.render(speechRequest())
                return nil as SpeechProviderError?
            } catch {
                return error
            }
        }
        #expect(error?.reason == reason)
        #expect(error.map { !$0.description.contains("0123456789abcdef") } == true)
        if reason == "too_many_concurrent_requests" {
            #expect(error?.scope == .tooManyConcurrent(retryAfter: .milliseconds(1500)))
        }
    }

    @Test("a closed port is a transient connection failure")
    func closedPort() async throws {
        let respond: @Sendable (StubRequest) -> StubResponse = { _ in StubResponse() }
        let port = try await StubHTTPServer.with(respond: respond) { $0.port }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let provider = try ElevenLabsProvider(
            configuration: ElevenLabsConfiguration(
                baseURL: "http://127.0.0.1:\(port)",
                apiKey: Secret(elevenLabsTestKey),
                requestTimeout: .seconds(1)
            ),
            httpClient: client
        )
        let error = await #expect(throws: SpeechProviderError.self) { try await provider.render(speechRequest()) }
        try await client.shutdown()
        #expect(error?.isRetryable == true)
        #expect(["timeout", "connection_failed"].contains(error?.reason ?? ""), "\(String(describing: error))")
    }

    @Test("subscription and every page of voices")
    func account() async throws {
        let respond: @Sendable (StubRequest) -> StubResponse = { request in
            let json: String
            if request.uri.hasPrefix("/v1/user/subscription") {
                json = #"{"tier":"free","character_count":9000,"character_limit":10000}"#
            } else if request.uri.contains("next_page_token=p2") {
                json = #"{"voices":[{"voice_id":"c","name":"C"}],"has_more":false}"#
            } else {
                json =
                    #"{"voices":[{"voice_id":"a","name":"A"},{"voice_id":"b","name":"B"}],"has_more":true,"next_page_token":"p2"}"#
            }
            return StubResponse(headers: [("Content-Type", "application/json")], body: Array(json.utf8))
        }
        let (subscription, voices, uris) = try await withStubbedProvider(respond: respond) { provider, server in
            (try await provider.subscription(), try await provider.voices(), server.requests.map(\.uri))
        }
        #expect(subscription.remaining == 1000)
        #expect(subscription.tier == "free")
        #expect(voices.map(\.voiceID) == ["a", "b", "c"])
        #expect(
            uris == [
                "/v1/user/subscription", "/v2/voices?page_size=100", "/v2/voices?page_size=100&next_page_token=p2",
            ]
        )
    }

    @Test("a page token that repeats ends the listing instead of looping")
    func repeatingToken() async throws {
        let respond: @Sendable (StubRequest) -> StubResponse = { _ in
            StubResponse(body: Array(#"{"voices":[{"voice_id":"a"}],"has_more":true,"next_page_token":"same"}"#.utf8))
        }
        let count = try await withStubbedProvider(respond: respond) { provider, server in
            _ = try await provider.voices()
            return server.requests.count
        }
        #expect(count == 2)
    }
}

/// The parts a streaming call passed on, in order.
final class PartCollector: Sendable {
    private let parts = Mutex<[UInt8]>([])

    func add(_ part: [UInt8]) {
        parts.withLock { $0 += part }
    }

    var bytes: [UInt8] { parts.withLock { $0 } }
}

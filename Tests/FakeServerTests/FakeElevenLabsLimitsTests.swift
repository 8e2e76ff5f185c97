import AsyncHTTPClient
import AudioCacheTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

@Suite("Fake ElevenLabs server: limits, faults and lifecycle", .timeLimit(.minutes(2)))
struct FakeElevenLabsLimitsTests {
    @Test("more concurrent requests than the limit are answered 429 too_many_concurrent_requests")
    func concurrencyLimit() async throws {
        let configuration = FakeElevenLabsConfiguration(
            concurrencyLimit: 2,
            latency: .milliseconds(400) ... .milliseconds(400)
        )
        try await FakeElevenLabsServer.withServer(configuration) { url, server in
            let responses = try await FakeServerClient.with(url) { client async throws in
                try await withThrowingTaskGroup(of: FetchedResponse.self) { group in
                    for index in 0..<4 { group.addTask { try await client.speech(text: "phrase \(index)") } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            let busy = responses.filter { $0.status == 429 }
            #expect(!busy.isEmpty)
            #expect(busy.allSatisfy { $0.detailStatus == "too_many_concurrent_requests" })
            #expect(responses.filter { $0.status == 200 }.count >= 2)
            #expect(server.maxAdmittedInFlight == 2)
            #expect(server.maxActiveTextToSpeech > 2)
        }
    }

    @Test("more requests per second than the limit are answered 429 system_busy with Retry-After")
    func rateLimit() async throws {
        try await FakeElevenLabsServer.withServer(.init(requestsPerSecond: 3)) { url, server in
            try await FakeServerClient.with(url) { client async throws in
                // Four requests that arrive together: three are admitted, one is refused. (Sent one
                // after another, they could be spread over more than a second by a busy test run.)
                let responses = try await client.speechBurst(texts: (0..<4).map { "p\($0)" })
                #expect(responses.filter { $0.status == 200 }.count == 3)
                let busy = try #require(responses.first { $0.status != 200 })
                #expect(busy.status == 429)
                #expect(busy.detailStatus == "system_busy")
                let seconds = try #require(busy.headers["retry-after"].flatMap { Int($0) })
                let milliseconds = try #require(busy.headers["retry-after-ms"].flatMap { Int($0) })
                #expect((1...1).contains(seconds))
                #expect((1...1_000).contains(milliseconds))
                try await Task.sleep(for: .milliseconds(milliseconds + 20))
                #expect(try await client.speech(text: "again").status == 200)
            }
            #expect(server.maxTextToSpeechArrivals(within: .seconds(1)) >= 4)
            #expect(server.renders.count == 4)
        }
    }

    @Test("a dropped connection and a truncated body are errors for the client")
    func droppedAndTruncated() async throws {
        let faults = FakeElevenLabsFaultRule { input in
            switch input.text {
            case "drop": .dropConnection
            case "truncate": .truncatedBody
            default: nil
            }
        }
        try await FakeElevenLabsServer.withServer(.init(faults: faults)) { url, server in
            try await FakeServerClient.with(url) { client async throws in
                await #expect(throws: (any Error).self) { try await client.speech(text: "drop") }
                await #expect(throws: (any Error).self) { try await client.speech(text: "truncate") }
                #expect(try await client.speech(text: "fine").status == 200)
            }
            #expect(server.renders.keys.map(\.text) == ["fine"])
            #expect(server.charactersUsed == 4)
            #expect(server.maxAdmittedInFlight == 1)
        }
    }

    @Test("500, 503, wrong content type, empty body and slow answers")
    func otherFaults() async throws {
        let faults = FakeElevenLabsFaultRule { input in
            switch input.text {
            case "500": .internalServerError
            case "503": .serviceUnavailable
            case "html": .wrongContentType
            case "empty": .emptyBody
            case "slow": .slow(.milliseconds(300))
            default: nil
            }
        }
        try await FakeElevenLabsServer.withServer(.init(faults: faults)) { url, server in
            try await FakeServerClient.with(url) { client async throws in
                #expect(try await client.speech(text: "500").status == 500)
                #expect(try await client.speech(text: "503").status == 503)
                let html = try await client.speech(text: "html")
                #expect(html.status == 200 && html.headers["content-type"]?.hasPrefix("text/html") == true)
                let empty = try await client.speech(text: "empty")
                #expect(empty.status == 200 && empty.body.isEmpty)
                let start = ContinuousClock.now
                #expect(try await client.speech(text: "slow").status == 200)
                #expect(ContinuousClock.now - start >= .milliseconds(300))
            }
            #expect(server.renders.keys.map(\.text) == ["slow"])
        }
    }

    @Test("first-attempt faults: the second request for each phrase succeeds")
    func firstAttempts() async throws {
        try await FakeElevenLabsServer.withServer(.init(faults: .firstAttempts(.serviceUnavailable))) { url, server in
            try await FakeServerClient.with(url) { client async throws in
                #expect(try await client.speech(text: "a").status == 503)
                #expect(try await client.speech(text: "a").status == 200)
                #expect(try await client.speech(text: "b").status == 503)
            }
            #expect(server.textToSpeechRequests.map(\.status) == [503, 200, 503])
            let voice = FakeElevenLabsVoice.defaults[0].id
            #expect(
                server.requestCounts == [
                    FakeElevenLabsPhrase(voiceID: voice, text: "a"): 2,
                    FakeElevenLabsPhrase(voiceID: voice, text: "b"): 1,
                ]
            )
            #expect(server.renders == [FakeElevenLabsPhrase(voiceID: voice, text: "a"): 1])
        }
    }

    @Test("random faults repeat for a seed")
    func seededFaults() async throws {
        func statuses() async throws -> [Int] {
            let configuration = FakeElevenLabsConfiguration(
                faults: .random([(.internalServerError, 0.5)]),
                seed: 42
            )
            return try await FakeElevenLabsServer.withServer(configuration) { url, _ in
                try await FakeServerClient.with(url) { client async throws in
                    var statuses: [Int] = []
                    for index in 0..<12 { statuses.append(try await client.speech(text: "p\(index)").status) }
                    return statuses
                }
            }
        }
        let first = try await statuses()
        #expect(first.contains(500) && first.contains(200))
        #expect(try await statuses() == first)
    }

    @Test("stop() frees the port; a stopped server can be started again")
    func lifecycle() async throws {
        let server = FakeElevenLabsServer()
        let url = try await server.start()
        #expect(url.host == "127.0.0.1")
        await #expect(throws: FakeElevenLabsServerError.self) { _ = try await server.start() }
        try await FakeServerClient.with(url) { client async throws in
            #expect(try await client.get("/v1/user/subscription").status == 200)
        }
        let start = ContinuousClock.now
        try await server.stop()
        #expect(ContinuousClock.now - start < .seconds(2))
        let port = try #require(url.port)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: port).get()
        try await listener.close()
        let again = try await server.start()
        try await FakeServerClient.with(again) { client async throws in
            #expect(try await client.get("/v1/user/subscription").status == 200)
        }
        try await server.stop()
    }
}

@Suite("Fake ElevenLabs server: stopping", .timeLimit(.minutes(2)))
struct FakeElevenLabsStopTests {
    @Test("stop() does not wait for a slow request in flight")
    func stopWithRequestInFlight() async throws {
        let server = FakeElevenLabsServer(configuration: .init(latency: .seconds(30) ... .seconds(30)))
        let url = try await server.start()
        try await FakeServerClient.with(url) { client async throws in
            async let slow = try? client.speech(text: "slow")
            while server.textToSpeechRequests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            let start = ContinuousClock.now
            try await server.stop()
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(await slow?.status != 200)
        }
        #expect(server.renders.isEmpty)
        #expect(server.textToSpeechRequests.map(\.outcome) == ["cancelled"])
    }
}

import AsyncHTTPClient
import AudioCacheTestSupport
import Foundation
import NIOCore

/// A response read whole: status, headers by lowercased name, body bytes.
struct FetchedResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    /// The body as JSON.
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }

    /// `detail.status` of an ElevenLabs error body.
    var detailStatus: String? { (json?["detail"] as? [String: Any])?["status"] as? String }
}

/// Requests against the fake server over real loopback HTTP.
struct FakeServerClient {
    let client: HTTPClient
    let baseURL: URL

    @discardableResult
    static func with<T>(_ baseURL: URL, _ body: (FakeServerClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let result = try await body(FakeServerClient(client: client, baseURL: baseURL))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func speech(
        voice: String = FakeElevenLabsVoice.defaults[0].id,
        text: String = "Hola",
        key: String? = "test-key",
        format: String? = "mp3_44100_128",
        body: String? = nil
    ) async throws -> FetchedResponse {
        let query = format.map { "?output_format=\($0)" } ?? ""
        var request = HTTPClientRequest(url: baseURL.absoluteString + "/v1/text-to-speech/\(voice)" + query)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if let key { request.headers.add(name: "xi-api-key", value: key) }
        let defaultBody = try JSONSerialization.data(withJSONObject: [
            "text": text, "model_id": "eleven_multilingual_v2",
        ])
        let json = body ?? String(decoding: defaultBody, as: UTF8.self)
        request.body = .bytes(ByteBuffer(string: json))
        return try await execute(request)
    }

    /// Sends one speech request per text all at once, from the calling thread onto the client's
    /// event loops, without waiting in between: they reach the server within microseconds even
    /// when the test's own threads are busy with other suites.
    func speechBurst(
        texts: [String],
        voice: String = FakeElevenLabsVoice.defaults[0].id
    ) async throws
        -> [FetchedResponse]
    {
        let url = baseURL.absoluteString + "/v1/text-to-speech/\(voice)?output_format=mp3_44100_128"
        let futures = try texts.map { text in
            let body = try JSONSerialization.data(withJSONObject: ["text": text, "model_id": "eleven_multilingual_v2"])
            let request = try HTTPClient.Request(
                url: url,
                method: .POST,
                headers: ["content-type": "application/json", "xi-api-key": "test-key"],
                body: .bytes(Array(body))
            )
            return client.execute(request: request)
        }
        var responses: [FetchedResponse] = []
        for future in futures {
            let response = try await future.get()
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            let body = response.body.map { Array($0.readableBytesView) } ?? []
            responses.append(FetchedResponse(status: Int(response.status.code), headers: headers, body: body))
        }
        return responses
    }

    func get(_ path: String, key: String? = "test-key") async throws -> FetchedResponse {
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        if let key { request.headers.add(name: "xi-api-key", value: key) }
        return try await execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async throws -> FetchedResponse {
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 24)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return FetchedResponse(status: Int(response.status.code), headers: headers, body: Array(body.readableBytesView))
    }
}

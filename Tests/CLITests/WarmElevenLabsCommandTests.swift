import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing

/// `audiocache warm` with ElevenLabs: the real binary against the fake server on loopback.
@Suite(.timeLimit(.minutes(3))) struct WarmElevenLabsCommandTests {
    static let key = "sk_test_0123456789abcdef0123456789abcdef"
    static let rachel = "21m00Tcm4TlvDq8ikWAM"

    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
        try folder.write(
            "manifests/prompts.csv",
            """
            text,voice_id,language
            Welcome to Sun Bank,\(Self.rachel),en
            Press one for your balance,\(Self.rachel),en
            WELCOME to sun bank,\(Self.rachel),en
            Hello from a voice we do not have,NoSuchVoice000000000,en
            """
        )
    }

    func warm(_ url: URL, _ arguments: [String] = []) async throws -> CommandResult {
        try await CommandRunner.run(
            ["warm", "manifests", "--cache", "cache", "--report", "report.json", "--base-url", url.absoluteString]
                + arguments,
            in: folder.url,
            environment: ["ELEVENLABS_API_KEY": Self.key]
        )
    }

    @Test func warmsWithElevenLabsWhenAKeyIsSetAndTheKeyAppearsNowhere() async throws {
        try await FakeElevenLabsServer.withServer(.init(apiKey: Self.key)) { url, server in
            let result = try await warm(url)
            #expect(result.status == 2, "the unknown voice fails: \(result.stdout)\(result.stderr)")
            // The voices check found the unknown voice before spending: no request for it.
            #expect(server.textToSpeechRequests.allSatisfy { $0.voiceID == Self.rachel })
            #expect(server.textToSpeechRequests.count == 2)
            let report = try String(contentsOfFile: folder.path + "/report.json", encoding: .utf8)
            #expect(report.contains("\"provider\" : \"elevenlabs\""))
            #expect(report.contains("voice_not_found"))
            // The key is in no output and no file.
            var texts = [result.stdout, result.stderr]
            let files = FileManager.default.enumerator(atPath: folder.path)
            while let file = files?.nextObject() as? String {
                if let data = FileManager.default.contents(atPath: folder.path + "/" + file) {
                    texts.append(String(decoding: data, as: UTF8.self))
                }
            }
            #expect(!texts.contains { $0.contains(Self.key) })
            #expect(!server.apiKeyLeaked)

            let again = try await warm(url)
            #expect(again.status == 2)
            #expect(server.textToSpeechRequests.count == 2, "the second run asks for nothing it has")
        }
    }

    @Test func refusesToStartWhenThePlanNeedsMoreCharactersThanTheAccountHas() async throws {
        try await FakeElevenLabsServer.withServer(.init(apiKey: Self.key, characterLimit: 30)) { url, server in
            let result = try await warm(url)
            #expect(result.status == 3)
            #expect(result.stderr.contains("--allow-over-quota"), "\(result.stderr)")
            #expect(server.textToSpeechRequests.isEmpty)
            let over = try await warm(url, ["--allow-over-quota"])
            #expect(over.status == 3, "the quota runs out during the run: \(over.stdout)")
            #expect(!server.textToSpeechRequests.isEmpty)
        }
    }

    @Test func aRefusedKeyStopsBeforeRenderingWithExit3() async throws {
        try await FakeElevenLabsServer.withServer(.init(apiKey: "another")) { url, server in
            let result = try await warm(url)
            #expect(result.status == 3)
            #expect(!result.stderr.contains(Self.key) && !result.stdout.contains(Self.key))
            #expect(server.textToSpeechRequests.isEmpty)
        }
    }

    @Test func elevenLabsWithoutAKeyIsAUsageError() async throws {
        let result = try await CommandRunner.run(
            ["warm", "manifests", "--provider", "elevenlabs"],
            in: folder.url,
            environment: ["ELEVENLABS_API_KEY": ""]
        )
        #expect(result.status == 64, "\(result.stderr)")
    }
}

import Foundation
import Testing

@testable import AudioCache

/// The documents written through `DocumentEncoding`: every documented field present (absent
/// values as `null`), keys sorted, dates as the index writes them, the same bytes every time.
@Suite("Documents (warm report, stats, verify)")
struct DocumentEncodingTests {
    private static let started = Date(timeIntervalSince1970: 1_682_447_400)  // 2023-04-25T18:30:00Z
    private static let key = KeyScheme.md5TextVoiceLanguageV1.key(text: "Hola", voiceID: "es", language: "es")

    private static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private static func report(stoppedBy: SpeechProviderError?, budget: Int?) -> WarmReport {
        var report = WarmReport(
            provider: "elevenlabs",
            cache: "cache/",
            outcome: stoppedBy == nil ? .incomplete : .stopped,
            startedAt: started,
            finishedAt: started.addingTimeInterval(2.5)
        )
        report.renderings = 3
        report.rendered = 2
        report.failed = 1
        report.requests = 4
        report.characterBudget = budget
        report.stoppedBy = stoppedBy
        report.failures = [
            WarmReport.Failure(
                outcome: "failed",
                key: key,
                text: "Hola",
                voiceID: "es",
                language: "es",
                reason: "timeout",
                message: "no answer in 30 s",
                attempts: 3,
                sources: [
                    PhraseSource(file: "a.csv", line: 2),
                    PhraseSource(file: "b.json", line: 4, column: 7, id: "x"),
                ]
            )
        ]
        return report
    }

    @Test("a warm report with nothing stopping it and no budget has stopped_by and budget as null")
    func warmReportNulls() throws {
        let data = try Self.report(stoppedBy: nil, budget: nil).jsonData()
        let document = try Self.object(data)
        #expect(document["format"] as? String == "audiocache-warm-report")
        #expect(document["stopped_by"] is NSNull)
        #expect(document["shard"] is NSNull)
        let characters = try #require(document["characters"] as? [String: Any])
        #expect(characters["budget"] is NSNull)
        #expect(document["exit_code"] as? Int == 2)
        #expect(document["started_at"] as? String == "2023-04-25T18:30:00.000Z")
        #expect(document["duration_seconds"] as? Double == 2.5)
        let requests = try #require(document["requests"] as? [String: Any])
        #expect(requests["per_second"] as? Double == 1.6)
        let failure = try #require((document["failures"] as? [[String: Any]])?.first)
        #expect(failure["key"] as? String == Self.key.description)
        let sources = try #require(failure["sources"] as? [[String: Any]])
        #expect(sources.count == 2)
        #expect(sources[0]["column"] == nil && sources[0]["id"] == nil)
        #expect(sources[1]["column"] as? Int == 7 && sources[1]["id"] as? String == "x")
        #expect(data.last == UInt8(ascii: "\n"))
    }

    @Test("a stopped warm report names the reason; the budget is a number")
    func warmReportStop() throws {
        let stop = SpeechProviderError(.run, reason: "quota_exceeded", "the quota is used up")
        let document = try Self.object(try Self.report(stoppedBy: stop, budget: 1_000).jsonData())
        #expect((document["stopped_by"] as? [String: Any])?["reason"] as? String == "quota_exceeded")
        #expect((document["characters"] as? [String: Any])?["budget"] as? Int == 1_000)
        #expect(document["exit_code"] as? Int == 3)
    }

    @Test("keys are sorted at every level and the same report gives the same bytes")
    func sortedAndStable() throws {
        let report = Self.report(stoppedBy: nil, budget: nil)
        let data = try report.jsonData()
        #expect(data == (try report.jsonData()))
        let text = String(decoding: data, as: UTF8.self)
        // Top-level keys are indented by two spaces; their order is the sorted order.
        let topLevel = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map {
            String($0.dropFirst(3).prefix { $0 != "\"" })
        }
        #expect(topLevel == topLevel.sorted())
        #expect(topLevel.first == "cache" && topLevel.last == "version")
    }

    @Test("the verify document lists problems, orphans and temporary files")
    func verifyDocument() throws {
        let report = VerifyReport(
            checkedEntries: 2,
            checkedBytes: 2_048,
            problems: [.init(key: Self.key, path: "audio/x.mp3", kind: .wrongSize, detail: "1 byte, not 2")],
            orphanFiles: ["audio/orphan.mp3"],
            temporaryFiles: [],
            repaired: false
        )
        let document = try Self.object(try report.jsonData(cache: "c", removedTemporaryFilesOnOpen: 1))
        #expect(document["format"] as? String == "audiocache-verify")
        #expect(document["clean"] as? Bool == false)
        #expect((document["problems"] as? [[String: Any]])?.first?["kind"] as? String == "wrong_size")
        #expect(document["orphan_files"] as? [String] == ["audio/orphan.mp3"])
        #expect(document["removed_temporary_files_on_open"] as? Int == 1)
    }
}

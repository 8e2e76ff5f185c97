import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

@Suite("Shards", .timeLimit(.minutes(1)))
struct ShardTests {
    @Test("K/N parses; anything else is a usage error", arguments: ["1/1", "1/4", "4/4", "12/100"])
    func parses(spec: String) throws {
        #expect(try Shard(parsing: spec).description == spec)
    }

    @Test(
        "bad specs are usage errors",
        arguments: [
            "0/4", "5/4", "1/0", "-1/4", "1/-4", "a/b", "1", "1/2/3", "/4", "1/", " 1/4", "+1/4", "1/4x",
            "9999999999/9999999999",
        ]
    )
    func refuses(spec: String) {
        #expect(throws: AudioCacheError.self) { try Shard(parsing: spec) }
        #expect((try? Shard(parsing: spec)) == nil)
        do {
            _ = try Shard(parsing: spec)
        } catch {
            #expect(error.kind == .usage)
        }
    }

    @Test("the index comes from JOB_COMPLETION_INDEX (from 0) or CI_NODE_INDEX (from 1)")
    func environment() throws {
        #expect(try Shard(count: 4, environment: ["JOB_COMPLETION_INDEX": "0"]) == Shard(index: 1, count: 4))
        #expect(try Shard(count: 4, environment: ["JOB_COMPLETION_INDEX": "3"]) == Shard(index: 4, count: 4))
        #expect(try Shard(count: 4, environment: ["CI_NODE_INDEX": "1"]) == Shard(index: 1, count: 4))
        #expect(try Shard(count: 4, environment: ["CI_NODE_INDEX": "4"]) == Shard(index: 4, count: 4))
        // Kubernetes' variable wins when a job somehow has both.
        #expect(
            try Shard(count: 4, environment: ["JOB_COMPLETION_INDEX": "1", "CI_NODE_INDEX": "4"])
                == Shard(index: 2, count: 4)
        )
        for environment in [
            [:], ["JOB_COMPLETION_INDEX": "4"], ["CI_NODE_INDEX": "0"], ["CI_NODE_INDEX": "5"],
            ["JOB_COMPLETION_INDEX": "x"], ["JOB_COMPLETION_INDEX": ""],
        ] {
            #expect(throws: AudioCacheError.self, "\(environment)") { try Shard(count: 4, environment: environment) }
        }
    }

    @Test("a key's shard is int(key[:16], 16) % N + 1, as documented")
    func documentedFunction() throws {
        var random = SplitMix64(seed: 3)
        for _ in 0..<2_000 {
            let key = KeyScheme.md5TextVoiceLanguageV1.key(
                text: "phrase \(random.next())",
                voiceID: "v",
                language: "en"
            )
            let prefix = try #require(UInt64(key.description.prefix(16), radix: 16))
            for count in [1, 2, 3, 4, 7, 64] {
                let expected = Int(prefix % UInt64(count)) + 1
                for index in 1...count {
                    #expect(try Shard(index: index, count: count).contains(key) == (index == expected))
                }
            }
        }
    }

    @Test("the shards of a plan are disjoint, cover it, and adding a phrase moves no other")
    func shardsOfAPlan() async throws {
        let folder = try TemporaryFolder()
        var rows = ["text,voice_id,language,id"]
        for index in 0..<400 { rows.append("Phrase number \(index % 300),v\(index % 3),en,p\(index)") }
        try folder.write("a.csv", rows.joined(separator: "\n") + "\n")
        let whole = try await Planner().plan(paths: [folder.path])
        var seen: [CacheKey: Int] = [:]
        var phrases = 0
        for index in 1...4 {
            let shard = try Shard(index: index, count: 4)
            let plan = try await Planner(options: PlanOptions(shard: shard)).plan(paths: [folder.path])
            #expect(plan.shard == shard)
            #expect(plan.totals.renderings == plan.renderings.count && plan.totals.renderings > 50)
            #expect(plan.groups.allSatisfy { $0.counts.phrases > 0 })
            phrases += plan.totals.phrases
            for rendering in plan.renderings {
                #expect(shard.contains(rendering.key))
                #expect(seen.updateValue(index, forKey: rendering.key) == nil)
            }
        }
        #expect(Set(seen.keys) == Set(whole.renderings.map(\.key)))
        #expect(phrases == whole.totals.phrases)

        try folder.write("b.csv", "text,voice_id,language\nA new phrase,v1,en\n")
        for index in 1...4 {
            let plan = try await Planner(options: PlanOptions(shard: try Shard(index: index, count: 4)))
                .plan(paths: [folder.path])
            for rendering in plan.renderings where rendering.text != "A new phrase" {
                #expect(seen[rendering.key] == index)
            }
        }
    }
}

import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Replicas serving one folder read-only while a new bundle is rolled out by switching a link.
@Suite("Read-only replicas and rollouts", .timeLimit(.minutes(2)))
struct ReadOnlyReloadTests {
    /// A bundle: a cache folder written and closed, as `warm` leaves it.
    private static func bundle(in folder: TemporaryFolder, _ name: String, phrases: [String: [UInt8]]) async throws {
        let cache = try CacheDirectory(configuration: CacheConfiguration(directory: folder.path + "/" + name))
        for (text, audio) in phrases.sorted(by: { $0.key < $1.key }) {
            try await cache.store(
                audio,
                for: .init(
                    text: text,
                    voiceID: "es",
                    language: "es",
                    rendering: RenderingDescription(provider: "espeak-ng", outputFormat: "wav", text: text)
                )
            )
        }
        try await cache.close()
    }

    /// Points the link `current` at `target`, atomically (a new link renamed over the old).
    private static func point(_ folder: TemporaryFolder, at target: String) throws {
        let link = folder.path + "/current"
        let fresh = link + ".new"
        try? FileManager.default.removeItem(atPath: fresh)
        try FileManager.default.createSymbolicLink(atPath: fresh, withDestinationPath: target)
        guard rename(fresh, link) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    private static func key(_ text: String) -> CacheKey {
        KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: "es", language: "es")
    }

    @Test("two replicas keep answering while the link moves to a new bundle, then serve the new one")
    func rollout() async throws {
        let folder = try TemporaryFolder()
        let uno = AudioFixtures.wav(samples: 900)
        try await Self.bundle(in: folder, "release-1", phrases: ["Uno": uno])
        try await Self.bundle(in: folder, "release-2", phrases: ["Uno": uno, "Dos": AudioFixtures.wav(seed: 2)])
        try Self.point(folder, at: "release-1")
        let files = ["release-1", "release-2"].flatMap { ["\($0)/index.json", "\($0)/index.journal"] }
        let before = files.map { FileManager.default.contents(atPath: folder.path + "/" + $0) }
        let link = folder.path + "/current"
        let resolved = URL(fileURLWithPath: link).resolvingSymlinksInPath().path
        let replicas = try (0..<2).map { _ in
            try CacheDirectory(configuration: CacheConfiguration(directory: resolved), access: .readOnly)
        }
        let seen = try await withServer(cache: replicas[0], reloadInterval: .milliseconds(100), watchedFolder: link) {
            first in
            try await withServer(cache: replicas[1], reloadInterval: .milliseconds(100), watchedFolder: link) {
                second in
                #expect(try await send(.GET, "\(first)/api/audio/\(Self.key("Dos"))").status == 404)
                let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                    // Requests keep coming on both replicas through the rollout.
                    group.addTask {
                        var statuses: [Int] = []
                        for round in 0..<60 {
                            let base = round.isMultiple(of: 2) ? first : second
                            statuses.append(try await send(.GET, "\(base)/api/audio/\(Self.key("Uno"))").status)
                            try await Task.sleep(for: .milliseconds(10))
                        }
                        return statuses
                    }
                    try await Task.sleep(for: .milliseconds(150))
                    try Self.point(folder, at: "release-2")
                    return try await group.next() ?? []
                }
                // Both replicas reloaded (within a few of their 100 ms checks) and serve the new bundle.
                for base in [first, second] {
                    var status = 0
                    for _ in 0..<50 where status != 200 {
                        status = try await send(.GET, "\(base)/api/audio/\(Self.key("Dos"))").status
                        if status != 200 { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    #expect(status == 200, "\(base) did not reload")
                    let metrics = String(decoding: try await send(.GET, "\(base)/metrics").body, as: UTF8.self)
                    #expect(metrics.contains("audiocache_reloads_total 1"), "\(metrics)")
                    let ready = try await send(.GET, "\(base)/ready").json()
                    #expect(ready["entries"] as? Int == 2 && ready["access"] as? String == "read-only")
                }
                return statuses
            }
        }
        #expect(seen.count == 60 && seen.allSatisfy { $0 == 200 }, "\(seen)")
        // Read-only: nothing was written into either bundle (the hits are counted in memory).
        #expect(files.map { FileManager.default.contents(atPath: folder.path + "/" + $0) } == before)
    }
}

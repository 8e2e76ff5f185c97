import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

/// `CacheDirectory.merge`: the union of shards' folders.
@Suite("Merging caches", .timeLimit(.minutes(1)))
struct CacheMergeTests {
    let folder: TemporaryFolder
    let clock = ManualWallClock()

    init() throws {
        folder = try TemporaryFolder()
    }

    func open(_ name: String, _ access: CacheDirectory.Access = .readWrite) throws -> CacheDirectory {
        let clock = clock
        return try CacheDirectory(
            configuration: CacheConfiguration(directory: folder.path + "/" + name, maxSizeBytes: 0),
            access: access,
            now: { clock.now() }
        )
    }

    func request(
        _ text: String,
        voice: String = "es",
        source: AudioSource = .tts,
        model: String? = nil
    ) -> CacheDirectory.StoreRequest {
        CacheDirectory.StoreRequest(
            text: text,
            voiceID: voice,
            language: voice,
            rendering: RenderingDescription(provider: "espeak-ng", modelID: model, outputFormat: "wav", text: text),
            source: source
        )
    }

    /// Stores phrases into a new cache `name` and closes it.
    @discardableResult
    func cache(_ name: String, _ phrases: [(String, Int)], source: AudioSource = .tts) async throws -> [CacheEntry] {
        let cache = try open(name)
        var entries: [CacheEntry] = []
        for (text, seed) in phrases {
            entries.append(try await cache.store(AudioFixtures.wav(seed: seed), for: request(text, source: source)))
        }
        try await cache.close()
        return entries
    }

    func merge(_ names: [String], into out: String = "out") async throws -> (CacheDirectory.MergeReport, [CacheEntry]) {
        let inputs = try names.map { try open($0, .readOnly) }
        let merged = try open(out)
        let report = try await merged.merge(inputs)
        let entries = await merged.allEntries()
        #expect(try await merged.verify().isClean)
        try await merged.close()
        return (report, entries)
    }

    @Test("disjoint shards: every entry kept as it was, files hard-linked, the result verifies clean")
    func disjoint() async throws {
        let first = try await cache("a", [("Uno", 1), ("Dos", 2)])
        let second = try await cache("b", [("Tres", 3)])
        let (report, entries) = try await merge(["a", "b"])
        #expect(report.entriesRead == 3 && report.added == 3 && report.conflicts.isEmpty)
        #expect(report.linkedFiles == 3 && report.copiedFiles == 0)
        #expect(report.entries == 3)
        #expect(entries == (first + second).sorted { $0.key < $1.key })
        let linked = try FileManager.default.attributesOfItem(atPath: folder.path + "/out/" + first[0].path)
        #expect((linked[.referenceCount] as? Int ?? 0) >= 2)
        // Merging again changes nothing and links nothing.
        let (again, sameEntries) = try await merge(["a", "b"])
        #expect(again.added == 0 && again.unchanged == 3 && again.linkedFiles == 0 && sameEntries == entries)
    }

    @Test("entries an input holds only in its journal (it stopped before writing its index) are merged whole")
    func journalOnlyInput() async throws {
        let indexed = try await cache("a", [("Uno", 1)])
        let cache = try open("b")
        let journaled = try await cache.store(AudioFixtures.wav(seed: 2), for: request("Dos"))
        await cache.abandon()
        let (report, entries) = try await merge(["a", "b"])
        #expect(report.added == 2 && report.linkedFiles == 2)
        #expect(entries == (indexed + [journaled]).sorted { $0.key < $1.key })
        // The merged index.json holds both, as a new process reads it.
        let reopened = try open("out", .readOnly)
        #expect(await reopened.allEntries() == entries)
    }

    @Test("voices and languages keep their names whatever order each cache met them in")
    func stringsAreRenumbered() async throws {
        let own = try open("out")
        try await own.store(AudioFixtures.wav(seed: 1), for: request("One", voice: "en"))
        try await own.close()
        let input = try open("a")
        try await input.store(AudioFixtures.wav(seed: 2), for: request("Zwei", voice: "de"))
        try await input.store(AudioFixtures.wav(seed: 3), for: request("Tres", voice: "es"))
        try await input.close()
        let (_, entries) = try await merge(["a"])
        let merged = try open("out", .readOnly)
        let records = await merged.allRecords()
        #expect(records.map(\.voiceID) == entries.map(\.voiceID))
        #expect(records.map(\.language) == entries.map(\.language))
        #expect(Set(records.map(\.voiceID)) == ["en", "de", "es"])
        #expect(await merged.stats().voices.map(\.name).sorted() == ["de", "en", "es"])
    }

    @Test("reviewers' verdicts and notes come along")
    func reviewsAreKept() async throws {
        try await cache("a", [("Uno", 1), ("Dos", 2)])
        let input = try open("a")
        let keys = await input.allRecords().map(\.key)
        try await input.review(keys[0], verdict: .approved)
        try await input.review(keys[1], verdict: .flagged, note: "demasiado rápido")
        try await input.close()
        let (_, entries) = try await merge(["a"])
        #expect(entries.map(\.verdict) == [.approved, .flagged])
        #expect(entries[1].review?.note == "demasiado rápido")
        #expect(try await open("out", .readOnly).allRecords().map(\.verdict) == [.approved, .flagged])
    }

    @Test("the same key with the same audio is kept once, with the later access and the larger count")
    func sameAudio() async throws {
        try await cache("a", [("Hola", 1)])
        clock.advance(by: 60)
        let cache = try open("b")
        let entry = try await cache.store(AudioFixtures.wav(seed: 1), for: request("Hola"))
        for _ in 0..<3 { _ = await cache.lookup(key: entry.key) }
        try await cache.close()
        let (report, entries) = try await merge(["a", "b"])
        #expect(report.added == 1 && report.conflicts.isEmpty && report.linkedFiles == 1)
        #expect(entries.count == 1 && entries[0].accessCount == 3)
    }

    @Test("different audio: the newer rendering wins whatever the order, and the conflict is reported")
    func differentAudio() async throws {
        let older = try await cache("a", [("Hola", 1)])[0]
        clock.advance(by: 60)
        let newer = try await cache("b", [("Hola", 2)])[0]
        for order in [["a", "b"], ["b", "a"]] {
            let (report, entries) = try await merge(order, into: "out-\(order[0])")
            #expect(entries.map(\.sha256) == [newer.sha256])
            let conflict = try #require(report.conflicts.first)
            #expect(report.conflicts.count == 1 && conflict.rule == "newer" && conflict.key == newer.key)
            #expect(conflict.kept.sha256 == newer.sha256 && conflict.dropped.sha256 == older.sha256)
            #expect(conflict.kept.cache.hasSuffix("/b"))
        }
    }

    @Test("a recording beats a rendering, even an older one")
    func recordingWins() async throws {
        let recording = try await cache("a", [("Hola", 1)], source: .recorded)[0]
        clock.advance(by: 60)
        try await cache("b", [("Hola", 2)])
        let (report, entries) = try await merge(["b", "a"])
        #expect(entries.map(\.sha256) == [recording.sha256])
        #expect(report.conflicts.first?.rule == "recording")
    }

    @Test("an entry already in the merged cache takes part: replaced by a newer one, its old file removed")
    func intoAnExistingCache() async throws {
        let old = try await cache("out", [("Hola", 1), ("Adiós", 5)])
        clock.advance(by: 60)
        let new = try await cache("a", [("Hola", 2)])[0]
        let (report, entries) = try await merge(["a"])
        #expect(report.added == 0 && report.conflicts.count == 1 && report.entries == 2)
        #expect(Set(entries.map(\.sha256)) == [new.sha256, old[1].sha256])
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out/" + old[0].path))
    }

    @Test("a damaged input stops the merge before anything is written")
    func damagedInput() async throws {
        try await cache("a", [("Uno", 1)])
        let damaged = try await cache("b", [("Dos", 2), ("Tres", 3)])
        try FileManager.default.removeItem(atPath: folder.path + "/b/" + damaged[1].path)
        let inputs = try ["a", "b"].map { try open($0, .readOnly) }
        let merged = try open("out")
        let error = await #expect(throws: AudioCacheError.self) { try await merged.merge(inputs) }
        #expect(error?.kind == .badData)
        #expect(error?.description.contains(damaged[1].key.description) == true)
        #expect(await merged.allEntries().isEmpty)
        try await merged.close()
        let audio = try FileManager.default.subpathsOfDirectory(atPath: folder.path + "/out").filter {
            $0.hasSuffix(".wav")
        }
        #expect(audio.isEmpty)
    }

    @Test("a cache cannot be merged into itself, nor into a read-only one")
    func refusals() async throws {
        try await cache("a", [("Uno", 1)])
        let same = try open("a")
        await #expect(throws: AudioCacheError.self) { try await same.merge([try open("a", .readOnly)]) }
        try await same.close()
        let readOnly = try open("a", .readOnly)
        await #expect(throws: AudioCacheError.self) { try await readOnly.merge([]) }
    }

    @Test("a diff names added, removed and re-rendered keys, and whether the rendering changed")
    func diff() async throws {
        let cache = try open("a")
        try await cache.store(AudioFixtures.wav(seed: 1), for: request("Uno"))
        try await cache.store(AudioFixtures.wav(seed: 2), for: request("Dos"))
        try await cache.store(AudioFixtures.wav(seed: 3), for: request("Tres"))
        try await cache.close()
        let other = try open("b")
        try await other.store(AudioFixtures.wav(seed: 1), for: request("Uno"))
        try await other.store(AudioFixtures.wav(seed: 9), for: request("Dos", model: "v2"))
        try await other.store(AudioFixtures.wav(seed: 4), for: request("Cuatro"))
        try await other.close()
        let diff = await CacheDiff.between(try open("a", .readOnly), try open("b", .readOnly))
        #expect(diff.added.map(\.text) == ["Cuatro"] && diff.removed.map(\.text) == ["Tres"])
        #expect(diff.rerendered.map(\.text) == ["Dos"] && diff.rerendered.first?.renderingChanged == true)
        #expect(diff.unchanged == 1 && !diff.isEmpty)
        #expect(await CacheDiff.between(try open("a", .readOnly), try open("a", .readOnly)).isEmpty)
    }

    @Test("the merge order: recording, then newer, then fingerprint, then SHA-256")
    func order() {
        let base = CacheEntry(
            key: CacheKey(high: 1, low: 2),
            path: "audio/x.wav",
            size: 10,
            sha256: SHA256Hash(of: [1]),
            mimeType: "audio/wav",
            audioFormat: "wav",
            createdAt: Date(timeIntervalSince1970: 100),
            lastAccessed: Date(timeIntervalSince1970: 100),
            accessCount: 0,
            expiresAt: nil,
            isPinned: true,
            source: .tts,
            text: "a",
            voiceID: "es",
            language: "es",
            rendering: RenderingDescription(provider: "espeak-ng", outputFormat: "wav", text: "a")
        )
        var other = base
        other.sha256 = SHA256Hash(of: [2])
        let bySHA = CacheDirectory.mergeOrder(base, other)
        #expect(bySHA.rule == "sha256")
        #expect(CacheDirectory.mergeOrder(other, base).keepsFirst == !bySHA.keepsFirst)
        other.rendering = RenderingDescription(provider: "espeak-ng", modelID: "m", outputFormat: "wav", text: "a")
        #expect(CacheDirectory.mergeOrder(base, other).rule == "fingerprint")
        other.createdAt = Date(timeIntervalSince1970: 50)
        #expect(CacheDirectory.mergeOrder(base, other) == (true, "newer"))
        other.source = .recorded
        #expect(CacheDirectory.mergeOrder(base, other) == (false, "recording"))
    }
}

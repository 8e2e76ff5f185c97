import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

/// Reviewers' verdicts: kept in the index, pinning what is approved, re-rendering what is flagged.
@Suite("Reviewing entries", .timeLimit(.minutes(1)))
struct ReviewTests {
    let folder: TemporaryFolder
    let clock = ManualWallClock()

    init() throws {
        folder = try TemporaryFolder()
    }

    func open(_ access: CacheDirectory.Access = .readWrite) throws -> CacheDirectory {
        let clock = clock
        return try CacheDirectory(
            configuration: CacheConfiguration(directory: folder.path + "/cache", ttlSeconds: 3_600),
            access: access,
            now: { clock.now() }
        )
    }

    func request(_ text: String, pinned: Bool = false) -> CacheDirectory.StoreRequest {
        CacheDirectory.StoreRequest(
            text: text,
            voiceID: "es",
            language: "es",
            rendering: RenderingDescription(provider: "espeak-ng", outputFormat: "wav", text: text),
            isPinned: pinned
        )
    }

    @Test("approving pins the entry and drops its expiry; the verdict survives the journal and the index")
    func approve() async throws {
        let cache = try open()
        let stored = try await cache.store(AudioFixtures.wav(seed: 1), for: request("Hola"))
        #expect(stored.expiresAt != nil && !stored.isPinned && stored.verdict == .unreviewed)
        clock.advance(by: 10)
        let approved = try await cache.review(stored.key, verdict: .approved, note: "  ")
        #expect(approved.isPinned && approved.expiresAt == nil)
        #expect(approved.review == Review(verdict: .approved, note: nil, reviewedAt: clock.now()))
        #expect(await cache.allRecords().map(\.verdict) == [.approved])
        // Only in the journal: a process that stops now loses nothing.
        await cache.abandon()
        let replayed = try open()
        #expect(await replayed.entry(for: stored.key) == approved)
        try await replayed.close()
        // In index.json (and the table beside it).
        let reopened = try open(.readOnly)
        #expect(await reopened.entry(for: stored.key) == approved)
        #expect(await reopened.allRecords().map(\.verdict) == [.approved])
        let text = try String(contentsOfFile: folder.path + "/cache/index.json", encoding: .utf8)
        #expect(text.contains(#""review":{"verdict":"approved","reviewed_at":""#))
    }

    @Test("a flagged entry keeps its note and plans count it stale; unreviewed and new audio clear the verdict")
    func flag() async throws {
        let manifest = folder.path + "/phrases.csv"
        try "text,voice_id,language\nHola,es,es\nAdiós,es,es\n".write(
            toFile: manifest,
            atomically: true,
            encoding: .utf8
        )
        let cache = try open()
        let hola = try await cache.store(AudioFixtures.wav(seed: 1), for: request("Hola", pinned: true))
        try await cache.store(AudioFixtures.wav(seed: 2), for: request("Adiós", pinned: true))
        func totals() async throws -> PlanCounts {
            try await Planner().plan(paths: [manifest], against: CacheDirectoryInventory(cache)).totals
        }
        #expect(try await totals().cached == 2)

        let flagged = try await cache.review(hola.key, verdict: .flagged, note: "la o suena cortada")
        #expect(flagged.review?.note == "la o suena cortada" && flagged.isPinned)
        let plan = try await totals()
        #expect(plan.cached == 1 && plan.stale == 1)
        let stats = await cache.stats()
        #expect(stats.flaggedEntries == 1 && stats.approvedEntries == 0 && stats.voices.first?.flagged == 1)

        #expect(try await cache.review(hola.key, verdict: .unreviewed).review == nil)
        #expect(try await totals().cached == 2)

        try await cache.review(hola.key, verdict: .flagged)
        let rerendered = try await cache.store(AudioFixtures.wav(seed: 3), for: request("Hola", pinned: true))
        #expect(rerendered.review == nil && rerendered.verdict == .unreviewed)
        #expect(try await totals().cached == 2)
        try await cache.close()
    }

    @Test("listings follow stores, verdicts and removals, and search every word ignoring case")
    func listing() async throws {
        let cache = try open()
        let hola = try await cache.store(AudioFixtures.wav(seed: 1), for: request("Hola Mundo"))
        #expect(await cache.entries(matching: EntryQuery()).entries.map(\.text) == ["Hola Mundo"])
        try await cache.store(AudioFixtures.wav(seed: 2), for: request("Adiós mundo cruel"))
        #expect(await cache.entries(matching: EntryQuery()).entries.map(\.text) == ["Adiós mundo cruel", "Hola Mundo"])
        #expect(
            await cache.entries(matching: EntryQuery(text: "MUNDO adiós")).entries.map(\.text) == ["Adiós mundo cruel"]
        )
        #expect(await cache.entries(matching: EntryQuery(text: "mundo hola")).total == 1)
        try await cache.review(hola.key, verdict: .approved)
        #expect(await cache.entries(matching: EntryQuery(verdict: .approved)).entries.map(\.key) == [hola.key])
        try await cache.invalidate(.key(hola.key))
        let left = await cache.entries(matching: EntryQuery(), offset: 0, limit: 10)
        #expect(left.total == 1 && left.entries.map(\.text) == ["Adiós mundo cruel"])
        #expect(await cache.entries(matching: EntryQuery(), offset: 1, limit: 10).entries.isEmpty)
        try await cache.close()
    }

    @Test("an unknown key, a note too long and a read-only cache are refused")
    func refusals() async throws {
        let cache = try open()
        let stored = try await cache.store(AudioFixtures.wav(seed: 1), for: request("Hola"))
        let absent = KeyScheme.md5TextVoiceLanguageV1.key(text: "nada", voiceID: "es", language: "es")
        let missing = await #expect(throws: AudioCacheError.self) {
            try await cache.review(absent, verdict: .approved)
        }
        #expect(missing?.kind == .missingInput)
        let long = await #expect(throws: AudioCacheError.self) {
            try await cache.review(
                stored.key,
                verdict: .flagged,
                note: String(repeating: "é", count: Review.noteLimit + 1)
            )
        }
        #expect(long?.kind == .usage)
        #expect(
            try await cache.review(stored.key, verdict: .flagged, note: String(repeating: "é", count: Review.noteLimit))
                .review != nil
        )
        try await cache.close()
        let reader = try open(.readOnly)
        let readOnly = await #expect(throws: AudioCacheError.self) {
            try await reader.review(stored.key, verdict: .approved)
        }
        #expect(readOnly?.kind == .usage)
    }
}

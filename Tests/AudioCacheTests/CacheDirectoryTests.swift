import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

@Suite("CacheDirectory")
struct CacheDirectoryTests {
    let folder: TemporaryFolder
    let clock = ManualWallClock()
    var root: String { folder.path + "/cache" }

    init() throws {
        folder = try TemporaryFolder()
    }

    func open(
        _ access: CacheDirectory.Access = .readWrite,
        ttl: Int = 3_600,
        maxSize: Int = 0,
        flushEvery: Int = 1_000
    ) throws -> CacheDirectory {
        let configuration = CacheConfiguration(
            directory: root,
            ttlSeconds: ttl,
            maxSizeBytes: maxSize,
            accessFlushInterval: flushEvery
        )
        let clock = self.clock
        return try CacheDirectory(configuration: configuration, access: access, now: { clock.now() })
    }

    func request(
        _ text: String,
        voice: String = "es",
        language: String = "es",
        pinned: Bool = true
    )
        -> CacheDirectory.StoreRequest
    {
        CacheDirectory.StoreRequest(
            text: text,
            voiceID: voice,
            language: language,
            rendering: RenderingDescription(provider: "espeak-ng", outputFormat: "wav", text: text),
            isPinned: pinned
        )
    }

    /// The entries of index.json alone, as a runtime that reads only the document sees them.
    func indexDocumentEntries() throws -> [CacheKey: CacheEntry] {
        try CacheIndexReader.readDocument(at: root + "/index.json").1
    }

    // MARK: Store and lookup

    @Test("a stored phrase is found by any text with the same key, and the access is counted")
    func storeAndLookup() async throws {
        let cache = try open()
        let audio = AudioFixtures.wav(seed: 1)
        let entry = try await cache.store(audio, for: request("  ¡Hola   MUNDO! "))
        #expect(entry.key == KeyScheme.md5TextVoiceLanguageV1.key(text: "¡hola mundo!", voiceID: "es", language: "es"))
        #expect(entry.size == audio.count && entry.mimeType == "audio/wav" && entry.expiresAt == nil)
        #expect(entry.path.hasPrefix("audio/\(entry.key.description.prefix(2))/"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/" + entry.path)) == Data(audio))

        clock.advance(by: 10)
        let hit = try #require(await cache.lookup(text: "¡hola mundo!", voice: "es", language: "es"))
        #expect(hit.record.accessCount == 1)
        #expect(hit.record.lastAccessed == clock.now())
        #expect(hit.fileURL.path == root + "/" + entry.path)
        #expect(await cache.lookup(text: "¡hola mundo!", voice: "en", language: "es") == nil)
        // Presence checks for planning are not accesses.
        #expect(await cache.entry(for: entry.key)?.accessCount == 1)
        let stats = await cache.stats()
        #expect(stats.hits == 1 && stats.misses == 1 && stats.hitRate == 0.5)
        try await cache.close()
    }

    @Test("bad payloads and unsafe voices are refused and nothing is written")
    func refusesBadInput() async throws {
        let cache = try open()
        for (audio, req) in [
            ([UInt8](), request("Hola")),
            (Array("{\"detail\":{\"status\":\"quota_exceeded\"}}".utf8), request("Hola")),
            (AudioFixtures.wav(), request("Hola", voice: "../etc")),
            (AudioFixtures.wav(), request("Hola", language: "es/../../x")),
            (AudioFixtures.wav(), request("   ")),
        ] {
            await #expect(throws: AudioCacheError.self) { try await cache.store(audio, for: req) }
        }
        #expect(await cache.count == 0)
        #expect(try FileSystem.contents(of: root + "/audio").isEmpty)
        try await cache.close()
    }

    @Test("runtime entries expire after the TTL; pinned ones never do")
    func ttl() async throws {
        let cache = try open(ttl: 60)
        let runtime = try await cache.store(AudioFixtures.wav(seed: 1), for: request("uno", pinned: false))
        let pinned = try await cache.store(AudioFixtures.wav(seed: 2), for: request("dos"))
        #expect(runtime.expiresAt == clock.now().addingTimeInterval(60))
        clock.advance(by: 59)
        #expect(await cache.lookup(key: runtime.key) != nil)
        clock.advance(by: 1)
        #expect(await cache.lookup(key: runtime.key) == nil)
        #expect(await cache.lookup(key: pinned.key) != nil)
        let expired = try await cache.expire()
        #expect(expired.map(\.key) == [runtime.key])
        #expect(FileSystem.inspect(root + "/" + runtime.path).kind == .missing)
        #expect(await cache.count == 1)
        try await cache.close()
    }

    // MARK: Persistence and crashes

    @Test("entries, accesses and counters survive a restart")
    func survivesRestart() async throws {
        var cache = try open()
        let entry = try await cache.store(AudioFixtures.wav(), for: request("Hola"))
        clock.advance(by: 5)
        _ = await cache.lookup(key: entry.key)
        _ = await cache.lookup(key: entry.key)
        _ = await cache.lookup(text: "otra", voice: "es", language: "es")
        try await cache.close()

        cache = try open()
        let reopened = try #require(await cache.entry(for: entry.key))
        #expect(reopened.accessCount == 2)
        #expect(reopened.lastAccessed == clock.now())
        #expect(reopened == CacheEntry(entry, accessCount: 2, lastAccessed: clock.now()))
        let stats = await cache.stats()
        #expect(stats.hits == 2 && stats.misses == 1)
        try await cache.close()
    }

    @Test("a killed writer loses nothing it journaled, and batched accesses once flushed")
    func killedWriter() async throws {
        var cache = try open(flushEvery: 2)
        let first = try await cache.store(AudioFixtures.wav(seed: 1), for: request("uno"))
        let second = try await cache.store(AudioFixtures.wav(seed: 2), for: request("dos"))
        _ = await cache.lookup(key: first.key)
        _ = await cache.lookup(key: first.key)  // the second lookup flushes the batch
        _ = await cache.lookup(key: second.key)  // still in memory when the process dies
        await cache.abandon()
        // index.json alone does not have the entries yet, but names no missing file either.
        #expect(try indexDocumentEntries().isEmpty)
        try folder.write("cache/tmp/.half-written.123", "partial audio")

        cache = try open()
        #expect(cache.openReport.removedTemporaryFiles == 1)
        #expect(cache.openReport.replayedRecords >= 3)
        #expect(await cache.entry(for: first.key)?.accessCount == 2)
        #expect(await cache.entry(for: second.key)?.accessCount == 0)
        #expect(try await cache.verify().isClean)
        // The journal goes on after its last complete record; closing folds it into index.json.
        #expect(try indexDocumentEntries().isEmpty)
        try await cache.close()
        #expect(try indexDocumentEntries().count == 2)
    }

    @Test("a service that flushes for months keeps a journal of bounded length")
    func flushesFoldTheJournal() async throws {
        let cache = try open(flushEvery: .max)
        let entry = try await cache.store(AudioFixtures.wav(seed: 1), for: request("uno"))
        var longest = 0
        // Each flush after a lookup journals two records (the access and the counters).
        for flush in 1...6_000 {
            _ = await cache.lookup(key: entry.key)
            try await cache.flush()
            if flush % 250 == 0 {
                let journal = try Data(contentsOf: URL(fileURLWithPath: root + "/index.journal"))
                longest = max(longest, journal.count { $0 == UInt8(ascii: "\n") })
            }
        }
        #expect(longest > 0 && longest <= 10_002)
        // What was folded is in index.json: a runtime that reads only it sees the accesses.
        let folded = try #require(try indexDocumentEntries()[entry.key])
        #expect(folded.accessCount > 4_000)
        #expect(await cache.entry(for: entry.key)?.accessCount == 6_000)
        try await cache.close()
    }

    @Test("a torn last journal line is dropped, everything before it kept")
    func tornJournal() async throws {
        var cache = try open()
        let entry = try await cache.store(AudioFixtures.wav(), for: request("Hola"))
        await cache.abandon()
        let journal = try #require(FileHandle(forWritingAtPath: root + "/index.journal"))
        try journal.seekToEnd()
        try journal.write(contentsOf: Array("{\"op\":\"put\",\"entry\":{\"key\":\"0123".utf8))
        try journal.close()

        cache = try open()
        #expect(cache.openReport.droppedRecord?.contains("incomplete") == true)
        #expect(await cache.entry(for: entry.key) != nil)
        #expect(await cache.count == 1)
        try await cache.close()
    }

    @Test("a journal older than index.json is not applied again")
    func staleJournal() async throws {
        var cache = try open()
        let entry = try await cache.store(AudioFixtures.wav(), for: request("Hola"))
        await cache.abandon()
        let oldJournal = try Data(contentsOf: URL(fileURLWithPath: root + "/index.journal"))
        cache = try open()  // folds the journal in: generation 2
        _ = try await cache.invalidate(.key(entry.key))
        try await cache.close()
        // A crash between writing index.json and the new journal leaves the old journal behind.
        try oldJournal.write(to: URL(fileURLWithPath: root + "/index.journal"))
        cache = try open()
        #expect(await cache.count == 0)
        try await cache.close()
    }

    @Test("a second writer is refused with the holder's pid; readers are not")
    func lock() async throws {
        let writer = try open()
        #expect {
            _ = try open()
        } throws: { error in
            guard let error = error as? AudioCacheError else { return false }
            return error.kind == .locked && error.message.contains("process \(getpid())")
        }
        let reader = try open(.readOnly)
        #expect(await reader.count == 0)
        await #expect(throws: AudioCacheError.self) {
            try await reader.store(AudioFixtures.wav(), for: request("Hola"))
        }
        try await writer.close()
        let next = try open()
        try await next.close()
    }

    @Test("a new take replaces the old file only once the index no longer names it")
    func replace() async throws {
        let cache = try open()
        let old = try await cache.store(AudioFixtures.wav(seed: 1), for: request("Hola"))
        try await cache.close()
        let reopened = try open()
        _ = await reopened.lookup(key: old.key)
        let new = try await reopened.store(AudioFixtures.mp3(seed: 2), for: request("hola"))
        #expect(new.key == old.key && new.path != old.path && new.path.hasSuffix(".mp3"))
        #expect(new.accessCount == 1)  // the key's access history stays
        // index.json still names the old take, whose file must still be there.
        #expect(try indexDocumentEntries()[old.key]?.path == old.path)
        #expect(FileSystem.inspect(root + "/" + old.path).kind == .file)
        try await reopened.close()
        #expect(try indexDocumentEntries()[old.key]?.path == new.path)
        #expect(FileSystem.inspect(root + "/" + old.path).kind == .missing)
    }

    // MARK: Removal

    @Test("invalidate by key, voice, language and age; clear")
    func invalidate() async throws {
        let cache = try open()
        let a = try await cache.store(AudioFixtures.wav(seed: 1), for: request("a", voice: "es", language: "es"))
        clock.advance(by: 100)
        let b = try await cache.store(AudioFixtures.wav(seed: 2), for: request("b", voice: "en-us", language: "en"))
        let c = try await cache.store(AudioFixtures.wav(seed: 3), for: request("c", voice: "en-us", language: "es"))
        let d = try await cache.store(AudioFixtures.wav(seed: 4), for: request("d", voice: "es", language: "en"))
        #expect(try await cache.invalidate(.createdBefore(clock.now())).map(\.key) == [a.key])
        #expect(try await cache.invalidate(.key(a.key)).isEmpty)
        #expect(Set(try await cache.invalidate(.voice("en-us")).map(\.key)) == [b.key, c.key])
        #expect(try await cache.invalidate(.language("es")).isEmpty)
        #expect(try await cache.invalidate(.language("en")).map(\.key) == [d.key])
        _ = try await cache.store(AudioFixtures.wav(seed: 5), for: request("e"))
        #expect(try await cache.clear() == 1)
        #expect(await cache.stats().totalBytes == 0)
        #expect(
            try FileSystem.contents(of: root + "/audio").allSatisfy { name in
                (try? FileSystem.contents(of: root + "/audio/" + name))?.allSatisfy {
                    (try? FileSystem.contents(of: root + "/audio/" + name + "/" + $0))?.isEmpty ?? true
                } ?? true
            }
        )
        try await cache.close()
    }

    @Test("evict removes unpinned entries, least recently used first, ties by fewest accesses")
    func evictLRU() async throws {
        let cache = try open()
        var entries: [CacheEntry] = []
        for index in 0..<5 {
            entries.append(
                try await cache.store(
                    AudioFixtures.wav(samples: 500, seed: index),
                    for: request("p\(index)", pinned: index == 0)
                )
            )
        }
        let size = entries[0].size
        clock.advance(by: 1)
        _ = await cache.lookup(key: entries[1].key)  // p1 and p2 used at the same time, p2 twice
        _ = await cache.lookup(key: entries[2].key)
        _ = await cache.lookup(key: entries[2].key)
        clock.advance(by: 1)
        _ = await cache.lookup(key: entries[3].key)
        // p4 never used: oldest access (its creation); then p1 (1 access) before p2 (2); then p3.
        let removed = try await cache.evict(toFit: 2 * size)
        #expect(removed.map(\.key) == [entries[4].key, entries[1].key, entries[2].key])
        #expect(await cache.stats().totalBytes == 2 * size)
        // Only the pinned entry is left after evicting to nothing.
        #expect(try await cache.evict(toFit: 0).map(\.key) == [entries[3].key])
        #expect(await cache.entry(for: entries[0].key) != nil)
        try await cache.close()
    }

    @Test("LFU evicts the fewest accesses first")
    func evictLFU() async throws {
        let cache = try open()
        let a = try await cache.store(AudioFixtures.wav(seed: 1), for: request("a", pinned: false))
        let b = try await cache.store(AudioFixtures.wav(seed: 2), for: request("b", pinned: false))
        _ = await cache.lookup(key: a.key)
        _ = await cache.lookup(key: a.key)
        clock.advance(by: 1)
        _ = await cache.lookup(key: b.key)
        #expect(try await cache.evict(toFit: a.size, policy: .leastFrequentlyUsed).map(\.key) == [b.key])
        try await cache.close()
    }

    // MARK: Verify and stats

    @Test("verify finds missing, changed, orphan and temporary files; repair fixes them")
    func verify() async throws {
        let cache = try open()
        let missing = try await cache.store(AudioFixtures.wav(seed: 1), for: request("uno"))
        let changed = try await cache.store(AudioFixtures.wav(seed: 2), for: request("dos"))
        let sound = try await cache.store(AudioFixtures.wav(seed: 3), for: request("tres"))
        #expect(try await cache.verify().isClean)
        try FileManager.default.removeItem(atPath: root + "/" + missing.path)
        var bytes = AudioFixtures.wav(seed: 2)
        bytes[bytes.count - 1] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/" + changed.path))
        try folder.write("cache/audio/00/00/orphan.wav", bytes: AudioFixtures.wav())
        try folder.write("cache/tmp/.leftover", "x")

        let report = try await cache.verify()
        #expect(
            report.problems.map(\.kind)
                == [missing, changed].sorted { $0.key < $1.key }.map { $0 == missing ? .missing : .wrongContent }
        )
        #expect(report.orphanFiles == ["audio/00/00/orphan.wav"])
        #expect(report.temporaryFiles == ["tmp/.leftover"])
        let repaired = try await cache.verify(repair: true)
        #expect(repaired.repaired)
        #expect(try await cache.verify().isClean)
        #expect(await cache.allEntries().map(\.key) == [sound.key])
        try await cache.close()
    }

    @Test("stats: sizes, per voice and language, most accessed")
    func stats() async throws {
        let cache = try open()
        let a = try await cache.store(AudioFixtures.wav(samples: 100, seed: 1), for: request("a", voice: "es"))
        let b = try await cache.store(
            AudioFixtures.wav(samples: 200, seed: 2),
            for: request("b", voice: "en-us", language: "en")
        )
        _ = try await cache.store(
            AudioFixtures.wav(samples: 300, seed: 3),
            for: request("c", voice: "en-us", language: "en")
        )
        for _ in 0..<3 { _ = await cache.lookup(key: b.key) }
        _ = await cache.lookup(key: a.key)
        let stats = await cache.stats(top: 2)
        #expect(stats.entries == 3)
        #expect(stats.totalBytes == 3 * 44 + 1_200)
        #expect(stats.voices.map(\.name) == ["en-us", "es"])
        #expect(
            stats.voices[0].entries == 2 && stats.voices[0].accesses == 3 && stats.voices[0].bytes == 2 * 44 + 1_000
        )
        #expect(stats.languages.map(\.name) == ["en", "es"])
        #expect(stats.mostAccessed.map(\.key) == [b.key, a.key])
        #expect(stats.pinnedEntries == 3)
        try await cache.close()
    }

    @Test("a plan sees cached, missing and stale renderings without counting accesses")
    func inventory() async throws {
        let cache = try open()
        let entry = try await cache.store(AudioFixtures.wav(), for: request("Hola"))
        let inventory = await CacheDirectoryInventory(cache)
        func rendering(_ text: String, model: String? = nil) -> Rendering {
            Rendering(
                key: KeyScheme.md5TextVoiceLanguageV1.key(text: text, voiceID: "es", language: "es"),
                text: text,
                voiceID: "es",
                language: "es",
                modelID: model,
                characters: text.unicodeScalars.count,
                occurrences: 1,
                firstSource: PhraseSource(file: "m.csv", line: 2),
                status: .missing
            )
        }
        #expect(inventory.status(of: rendering("HOLA")) == .cached)
        #expect(inventory.status(of: rendering("Adiós")) == .missing)
        #expect(inventory.status(of: rendering("Hola", model: "eleven_v3")) == .stale)
        let strict = await CacheDirectoryInventory(cache, expectation: .init(provider: "elevenlabs"))
        #expect(strict.status(of: rendering("Hola")) == .stale)

        // A whole plan's statuses, in bulk, are the same as one by one.
        func renderings(_ texts: [String], model: String? = nil) -> RenderingList {
            var builder = PlanBuilder()
            let phrases = texts.enumerated().map { line, text in
                Phrase(
                    text: text,
                    voiceID: "es",
                    language: "es",
                    modelID: model,
                    location: SourceLocation(file: "m.csv", line: line + 2)
                )
            }
            builder.add(file: "m.csv", phrases: KeyedPhrases(phrases, scheme: .md5TextVoiceLanguageV1))
            return builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory()).list
        }
        for (check, list, expected) in [
            (inventory, renderings(["Adiós", "HOLA", "Buenas"]), [RenderingStatus.missing, .cached, .missing]),
            (inventory, renderings(["Hola", "Adiós"], model: "eleven_v3"), [.stale, .missing]),
            (strict, renderings(["Adiós", "Hola"]), [.missing, .stale]),
        ] {
            #expect(check.statuses(of: list) == expected)
            #expect(check.statuses(of: list) == list.map { check.status(of: $0) })
        }
        #expect(await cache.entry(for: entry.key)?.accessCount == 0)
        try await cache.close()
    }
}

extension CacheEntry {
    fileprivate init(_ entry: CacheEntry, accessCount: Int, lastAccessed: Date) {
        self = entry
        self.accessCount = accessCount
        self.lastAccessed = lastAccessed
    }
}

extension CacheDirectoryTests {
    @Test("an unpinned store past the maximum size evicts the least recently used down to 90%")
    func storeEvicts() async throws {
        let size = AudioFixtures.wav(samples: 478).count  // 1,000 bytes
        let cache = try open(maxSize: 4 * size)
        var stored: [CacheEntry] = []
        for index in 0..<4 {
            clock.advance(by: 1)
            stored.append(
                try await cache.store(
                    AudioFixtures.wav(samples: 478, seed: index),
                    for: request("r\(index)", pinned: false)
                )
            )
        }
        let pinned = try await cache.store(AudioFixtures.wav(samples: 478, seed: 9), for: request("pinned"))
        #expect(await cache.count == 5)  // a pinned store never evicts
        clock.advance(by: 1)
        _ = await cache.lookup(key: stored[0].key)
        clock.advance(by: 1)
        let newest = try await cache.store(AudioFixtures.wav(samples: 478, seed: 5), for: request("r5", pinned: false))
        // 6,000 bytes > 4,000: evict down to 3,600 — r1, r2 and r3 go; r0 was used, r5 is new.
        let keys = Set(await cache.allEntries().map(\.key))
        #expect(keys == [stored[0].key, pinned.key, newest.key])
        try await cache.close()
    }
}

extension CacheDirectoryTests {
    @Test("index.table opens the cache fast; a missing, damaged or outdated one falls back to index.json")
    func tableFile() async throws {
        var cache = try open()
        var stored: [CacheEntry] = []
        for index in 0..<20 {
            stored.append(
                try await cache.store(
                    AudioFixtures.wav(seed: index),
                    for: request("frase \(index)", pinned: index % 2 == 0)
                )
            )
        }
        _ = await cache.lookup(key: stored[3].key)
        try await cache.compact()
        let expected = await cache.allEntries()
        try await cache.close()
        let tablePath = root + "/index.table"
        let table = try Data(contentsOf: URL(fileURLWithPath: tablePath))

        func reopenedEntries(fromTable: Bool = false) async throws -> [CacheEntry] {
            let reader = try open(.readOnly)
            #expect(reader.openReport.usedTable == fromTable)
            return await reader.allEntries()
        }
        #expect(try await reopenedEntries(fromTable: true) == expected)
        // Missing: read from index.json.
        try FileManager.default.removeItem(atPath: tablePath)
        #expect(try await reopenedEntries() == expected)
        // Damaged: cut short, or one byte changed in the header.
        try table.prefix(table.count - 7).write(to: URL(fileURLWithPath: tablePath))
        #expect(try await reopenedEntries() == expected)
        var changed = table
        changed[9] ^= 0xFF  // the generation
        try changed.write(to: URL(fileURLWithPath: tablePath))
        #expect(try await reopenedEntries() == expected)
        // A writer writes it again.
        cache = try open()
        try await cache.close()
        #expect(try await reopenedEntries(fromTable: true) == expected)
    }

    @Test("compact folds access statistics into index.json; entries not accessed are copied unchanged")
    func compactFoldsAccesses() async throws {
        let cache = try open()
        let a = try await cache.store(AudioFixtures.wav(seed: 1), for: request("a"))
        let b = try await cache.store(AudioFixtures.wav(seed: 2), for: request("b"))
        try await cache.compact()
        let before = try String(contentsOfFile: root + "/index.json", encoding: .utf8)
        clock.advance(by: 30)
        _ = await cache.lookup(key: a.key)
        try await cache.compact()
        let after = try String(contentsOfFile: root + "/index.json", encoding: .utf8)
        let documents = try indexDocumentEntries()
        #expect(documents[a.key]?.accessCount == 1 && documents[a.key]?.lastAccessed == clock.now())
        func line(_ text: String, _ key: CacheKey) -> Substring? {
            text.split(separator: "\n").first { $0.hasPrefix("\"\(key)\"") }
        }
        #expect(line(before, b.key) == line(after, b.key))
        #expect(line(before, a.key) != line(after, a.key))
        try await cache.close()
    }
}

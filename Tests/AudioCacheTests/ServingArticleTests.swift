import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing

/// Runs the code of the DocC article `Serving-a-warmed-cache.md` against a real cache folder, and
/// checks that the article shows exactly that code.
///
/// Each `swift` block of the article is a region of this file between the comments
/// `article: begin <n>` and `article: end <n>`: the same lines, indented to fit. Editing one without
/// the other fails ``articleBlocksAreTheMarkedRegions()``. This file imports `AudioCache` without
/// `@testable`, so the article can only use public API.
@Suite("Serving a warmed cache (DocC article)", .timeLimit(.minutes(1)))
struct ServingArticleTests {
    /// The article, found from this file: `Tests/AudioCacheTests/` is two levels below the package root.
    static let articleURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Sources/AudioCache/AudioCache.docc/Serving-a-warmed-cache.md")

    // MARK: The article's code

    /// Block 1: opens the cache folder, for writing or as a replica.
    func openCache(folder: String, isReplica: Bool) throws -> CacheDirectory {
        // article: begin 1
        let configuration = CacheConfiguration(
            directory: folder,
            ttlSeconds: 7 * 86_400,  // audio stored at run time lives a week
            maxSizeBytes: 2 << 30  // and unpinned entries are evicted above 2 GiB
        )
        // One process writes a folder (it holds `.lock`); replicas read it and take no lock.
        let cache = try CacheDirectory(configuration: configuration, access: isReplica ? .readOnly : .readWrite)
        // article: end 1
        return cache
    }

    // Block 2: serves a phrase, rendering and storing a miss.
    // article: begin 2
    func speech(
        text: String,
        voice: String,
        language: String,
        cache: CacheDirectory,
        provider: some SpeechProvider
    ) async throws -> Data {
        // A hit is counted and its access recorded; an audio file never changes once written.
        if let hit = await cache.lookup(text: text, voice: voice, language: language) {
            return try Data(contentsOf: hit.fileURL)
        }
        let key = cache.keyScheme.key(text: text, voiceID: voice, language: language)
        let audio = try await provider.render(SpeechRequest(key: key, text: text, voiceID: voice, language: language))
        if cache.access == .readWrite {
            let request = CacheDirectory.StoreRequest(
                text: text,
                voiceID: voice,
                language: language,
                rendering: audio.rendering,
                isPinned: false,  // runtime entries expire after the TTL and may be evicted
                response: ProviderResponse(requestID: audio.requestID, characterCost: audio.billedCharacters)
            )
            try await cache.store(audio.bytes, for: request)
        }
        return Data(audio.bytes)
    }
    // article: end 2

    /// Block 3: the statistics of a management route.
    func statsSummary(of cache: CacheDirectory) async throws -> (stats: CacheStats, body: Data) {
        // article: begin 3
        let stats = await cache.stats(top: 5)  // counts no access
        // The document `audiocache stats --json` prints, for a JSON response.
        let body = try stats.jsonData()
        // Or single figures, for a health page or a log line.
        let hitRate = stats.hitRate.map { "\(Int(($0 * 100).rounded()))%" } ?? "no lookups yet"
        print("\(stats.entries) entries, \(ByteCount.describe(stats.totalBytes)), hit rate \(hitRate)")
        // article: end 3
        return (stats, body)
    }

    /// Block 4: invalidates one phrase, then expires and evicts.
    func forget(text: String, voice: String, language: String, cache: CacheDirectory) async throws {
        // article: begin 4
        // The wording of a phrase changed: drop it by its key (or .voice, .language, .createdBefore, .all).
        let key = cache.keyScheme.key(text: text, voiceID: voice, language: language)
        try await cache.invalidate(.key(key))
        // Now and then: drop what outlived its TTL, then shrink to a size; pinned entries stay.
        try await cache.expire()
        try await cache.evict(toFit: 500_000_000, policy: .leastRecentlyUsed)
        // article: end 4
    }

    /// Block 5: closes the cache on shutdown.
    func shutDown(_ cache: CacheDirectory) async throws {
        // article: begin 5
        // Writes pending access statistics and the stored entries to the index, then releases `.lock`.
        try await cache.close()
        // article: end 5
    }

    // MARK: Running it

    /// What `audiocache warm manifest --cache root` does, through the library: plans the manifest
    /// against the cache and renders every phrase the cache lacks, pinned.
    /// - Parameters:
    ///   - manifest: The manifest file.
    ///   - root: The cache folder.
    ///   - provider: The provider to render with.
    /// - Returns: The warm run's report.
    /// - Throws: When the cache cannot be opened or closed, or the manifest cannot be planned.
    func warm(_ manifest: String, into root: String, provider: FakeSpeechProvider) async throws -> WarmReport {
        let cache = try CacheDirectory(configuration: CacheConfiguration(directory: root))
        let inventory = await CacheDirectoryInventory(cache)
        let plan = try await Planner().plan(paths: [manifest], against: inventory)
        let warmer = Warmer(
            provider: provider,
            cache: cache,
            options: WarmOptions(scheduler: SchedulerOptions(concurrency: 2)),
            clock: ContinuousClock()
        )
        let report = await warmer.warm(plan)
        try await cache.close()
        return report
    }

    @Test("the article's code serves a warmed folder: hits, a miss rendered and stored, stats, invalidation, close")
    func servesAWarmedCache() async throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("audiocache-article-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = folder.appendingPathComponent("cache").path
        let manifest = folder.appendingPathComponent("menu.csv")
        let warmed = "Hola, ¿en qué puedo ayudarle?"
        try Data("text,voice_id,language\n\"\(warmed)\",es,es\nPulse uno para ventas,es,es\n".utf8).write(to: manifest)
        let report = try await warm(manifest.path, into: root, provider: FakeSpeechProvider(name: "espeak-ng"))
        #expect(report.rendered == 2 && report.failed == 0)

        let cache = try openCache(folder: root, isReplica: false)
        #expect(cache.access == .readWrite)
        let provider = FakeSpeechProvider()

        // A warmed phrase is a hit, whatever its spacing and case: no request.
        let warmedKey = KeyScheme.md5TextVoiceLanguageV1.key(text: warmed, voiceID: "es", language: "es")
        let warmedAudio = FakeSpeechProvider.audio(
            for: SpeechRequest(key: warmedKey, text: warmed, voiceID: "es", language: "es")
        )
        let hit = try await speech(
            text: "  HOLA, ¿en qué   puedo ayudarle? ",
            voice: "es",
            language: "es",
            cache: cache,
            provider: provider
        )
        #expect(Array(hit) == warmedAudio)
        #expect(provider.requests.isEmpty)
        let warmedEntry = try #require(await cache.entry(for: warmedKey))
        #expect(warmedEntry.isPinned && warmedEntry.expiresAt == nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: cache.filePath(of: warmedEntry))) == hit)

        // A miss is rendered once and stored unpinned; the next request is a hit.
        let fresh = "Su llamada es importante para nosotros"
        let freshKey = KeyScheme.md5TextVoiceLanguageV1.key(text: fresh, voiceID: "es", language: "es")
        #expect(await cache.record(for: freshKey) == nil)
        let rendered = try await speech(text: fresh, voice: "es", language: "es", cache: cache, provider: provider)
        #expect(provider.requests.map(\.text) == [fresh])
        let freshRequest = try #require(provider.requests.first)
        #expect(Array(rendered) == FakeSpeechProvider.audio(for: freshRequest))
        let stored = try #require(await cache.entry(for: freshKey))
        #expect(!stored.isPinned && stored.expiresAt != nil)
        #expect(stored.rendering.provider == provider.name && stored.response?.requestID == "fake-\(freshKey)")
        let again = try await speech(text: fresh, voice: "es", language: "es", cache: cache, provider: provider)
        #expect(again == rendered)
        #expect(provider.requests.count == 1)

        // Two hits and one miss so far; statistics count no access.
        let (stats, body) = try await statsSummary(of: cache)
        #expect(stats.entries == 3 && stats.pinnedEntries == 2)
        #expect(stats.hits == 2 && stats.misses == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(document["format"] as? String == "audiocache-stats")
        #expect(document["entries"] as? Int == 3 && document["pinned_entries"] as? Int == 2)
        #expect(document["hits"] as? Int == 2 && document["misses"] as? Int == 1)
        #expect((document["most_accessed"] as? [Any])?.count == 2)
        #expect(Set(stats.mostAccessed.map(\.key)) == [warmedKey, freshKey])

        // Invalidation removes the entry and its file; expiry and eviction leave the pinned ones.
        try await forget(text: fresh, voice: "es", language: "es", cache: cache)
        #expect(await cache.record(for: freshKey) == nil)
        #expect(!FileManager.default.fileExists(atPath: cache.filePath(of: stored)))
        #expect(await cache.count == 2)
        #expect(await cache.lookup(text: fresh, voice: "es", language: "es") == nil)  // a second miss

        // Closing flushes the access statistics; a closed cache finds nothing.
        try await shutDown(cache)
        #expect(await cache.lookup(text: warmed, voice: "es", language: "es") == nil)

        // A replica sees what the writer flushed, serves its hits and renders its misses without storing.
        let replica = try openCache(folder: root, isReplica: true)
        #expect(replica.access == .readOnly)
        #expect(await replica.record(for: warmedKey)?.accessCount == 1)
        #expect(await replica.record(for: freshKey) == nil)
        let replicaStats = await replica.stats()
        #expect(replicaStats.hits == 2 && replicaStats.misses == 2)
        let replicaHit = try await speech(text: warmed, voice: "es", language: "es", cache: replica, provider: provider)
        #expect(replicaHit == hit)
        let replicaMiss = try await speech(text: fresh, voice: "es", language: "es", cache: replica, provider: provider)
        #expect(replicaMiss == rendered)
        #expect(provider.requests.count == 2)
        #expect(await replica.record(for: freshKey) == nil)
        try await replica.close()
    }

    // MARK: The article and this file agree

    @Test("every swift block of the article is the marked region of this file with its number, in order")
    func articleBlocksAreTheMarkedRegions() throws {
        let article = try String(contentsOf: Self.articleURL, encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let blocks = Self.swiftBlocks(in: article)
        let (regions, issues) = Self.markedRegions(in: source)
        #expect(issues == [])
        #expect((3...5).contains(blocks.count), "the article should have 3 to 5 swift blocks")
        #expect(regions.map { $0.number } == Array(1...max(1, regions.count)))
        #expect(blocks == regions.map { $0.lines })
    }

    /// The lines of every fenced `swift` block of a Markdown document, in order, with their common
    /// indentation removed.
    /// - Parameter markdown: The document.
    /// - Returns: One array of lines per block.
    static func swiftBlocks(in markdown: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in markdown.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let lines = current {
                if trimmed == "```" {
                    blocks.append(dedented(lines))
                    current = nil
                } else {
                    current = lines + [line]
                }
            } else if trimmed == "```swift" {
                current = []
            }
        }
        return blocks
    }

    /// The regions of a Swift source between `article: begin <n>` and `article: end <n>` comment
    /// lines, in order, with their common indentation removed, and what is wrong with the markers.
    /// - Parameter source: The source text.
    /// - Returns: The regions with their numbers, and one message per misplaced marker.
    static func markedRegions(in source: String) -> (regions: [(number: Int, lines: [String])], issues: [String]) {
        let begin = "// article: begin "
        let end = "// article: end "
        var regions: [(number: Int, lines: [String])] = []
        var issues: [String] = []
        var current: (number: Int, lines: [String])?
        for (index, line) in source.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(begin) {
                if current != nil { issues.append("line \(index + 1): a region begins inside another") }
                current = (number: Int(trimmed.dropFirst(begin.count)) ?? -1, lines: [])
            } else if trimmed.hasPrefix(end) {
                guard let region = current else {
                    issues.append("line \(index + 1): a region ends that did not begin")
                    continue
                }
                if Int(trimmed.dropFirst(end.count)) != region.number {
                    issues.append("line \(index + 1): region \(region.number) ends with another number")
                }
                regions.append((number: region.number, lines: dedented(region.lines)))
                current = nil
            } else if var region = current {
                region.lines.append(line)
                current = region
            }
        }
        if let current { issues.append("region \(current.number) never ends") }
        return (regions, issues)
    }

    /// `lines` without the indentation they all share; blank lines become empty.
    /// - Parameter lines: The lines.
    /// - Returns: The lines, shifted left.
    static func dedented(_ lines: [String]) -> [String] {
        let isBlank: (String) -> Bool = { $0.allSatisfy(\.isWhitespace) }
        let indentation = lines.filter { !isBlank($0) }.map { line in line.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { isBlank($0) ? "" : String($0.dropFirst(indentation)) }
    }
}

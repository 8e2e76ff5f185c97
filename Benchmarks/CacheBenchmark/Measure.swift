import AudioCache
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The measurements. Each prints `name value` lines that the driver script parses.
enum Measure {
    static func report(_ name: String, _ value: Double, _ unit: String) {
        print(String(format: "%@ %.6f %@", name, value, unit))
    }

    // MARK: open

    static func open(_ directory: String) async throws {
        let started = seconds()
        let cache = try CacheDirectory(configuration: .init(directory: directory), access: .readOnly)
        let elapsed = seconds() - started
        report("open_seconds", elapsed, "s")
        report("opened_from_table", cache.openReport.usedTable ? 1 : 0, "bool")
        report("entries", Double(await cache.count), "entries")
        try await cache.close()
    }

    // MARK: lookup

    static func lookup(_ directory: String, count: Int) async {
        let cache: CacheDirectory
        do {
            cache = try CacheDirectory(configuration: .init(directory: directory), access: .readOnly)
        } catch {
            fail("\(error)")
        }
        let records = await cache.allRecords()
        guard !records.isEmpty else { fail("the cache is empty") }
        var random = SeededRandom(state: 7)
        var picks: [CacheEntry] = []
        picks.reserveCapacity(count)
        for _ in 0..<count {
            guard let entry = await cache.entry(for: records[Int.random(in: 0..<records.count, using: &random)].key)
            else { fail("an entry cannot be read back") }
            picks.append(entry)
        }
        let byKey = await timeLookups(cache, picks) { cache, entry in await cache.lookup(key: entry.key) != nil }
        let byText = await timeLookups(cache, picks) { cache, entry in
            await cache.lookup(text: entry.text, voice: entry.voiceID, language: entry.language) != nil
        }
        for (name, times) in [("lookup_key", byKey), ("lookup_text", byText)] {
            let sorted = times.sorted()
            report("\(name)_median_us", sorted[sorted.count / 2] * 1e6, "us")
            report("\(name)_p99_us", sorted[sorted.count * 99 / 100] * 1e6, "us")
            report("\(name)_mean_us", sorted.reduce(0, +) / Double(sorted.count) * 1e6, "us")
        }
        try? await cache.close()
    }

    /// Times each lookup from outside the actor, as a service calls it; fails on a miss.
    nonisolated static func timeLookups(
        _ cache: CacheDirectory,
        _ picks: [CacheEntry],
        _ lookup: (CacheDirectory, CacheEntry) async -> Bool
    ) async -> [Double] {
        for entry in picks.prefix(1_000) { _ = await lookup(cache, entry) }  // warm-up
        var times: [Double] = []
        times.reserveCapacity(picks.count)
        for entry in picks {
            let started = DispatchTime.now().uptimeNanoseconds
            let hit = await lookup(cache, entry)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            if !hit { fail("lookup missed \(entry.key)") }
        }
        return times
    }

    // MARK: evict

    static func evict(_ directory: String) async throws {
        var started = seconds()
        let cache = try CacheDirectory(configuration: .init(directory: directory, maxSizeBytes: 0), access: .readWrite)
        report("open_rw_seconds", seconds() - started, "s")
        let before = await cache.stats(top: 0)
        started = seconds()
        let removed = try await cache.evict(toFit: before.totalBytes / 2)
        report("evict_seconds", seconds() - started, "s")
        let after = await cache.stats(top: 0)
        report("evicted_entries", Double(removed.count), "entries")
        report("size_before_gb", Double(before.totalBytes) / 1e9, "GB")
        report("size_after_gb", Double(after.totalBytes) / 1e9, "GB")
        guard after.totalBytes <= before.totalBytes / 2 else { fail("eviction did not reach half the size") }
        started = seconds()
        try await cache.close()
        report("close_seconds", seconds() - started, "s")
    }

    // MARK: verify

    /// An MP3 payload of `size` bytes: an MPEG frame header, then pseudo-random bytes.
    static func mp3Payload(size: Int, using random: inout SeededRandom) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { buffer in
            let words = buffer.bindMemory(to: UInt64.self)
            for index in words.indices { words[index] = random.next() }
        }
        bytes[0] = 0xFF
        bytes[1] = 0xFB
        bytes[2] = 0x90
        bytes[3] = 0x64
        return bytes
    }

    static func verify(_ directory: String, files: Int) async throws {
        let configuration = CacheConfiguration(directory: directory, ttlSeconds: 0, maxSizeBytes: 0)
        if !FileManager.default.fileExists(atPath: directory + "/index.json") {
            let started = seconds()
            let cache = try CacheDirectory(configuration: configuration, access: .readWrite)
            var random = SeededRandom(state: 11)
            for index in 0..<files {
                let audio = mp3Payload(size: Int.random(in: 20_000...60_000, using: &random), using: &random)
                let rendering = RenderingDescription(
                    provider: "elevenlabs",
                    modelID: "eleven_multilingual_v2",
                    outputFormat: "mp3_44100_128",
                    text: "Verification phrase number \(index)."
                )
                try await cache.store(
                    audio,
                    for: .init(
                        text: rendering.text,
                        voiceID: Vocabulary.voices[index % 13],
                        language: "en",
                        rendering: rendering
                    )
                )
            }
            try await cache.close()
            report("created_files_seconds", seconds() - started, "s")
        }
        let cache = try CacheDirectory(configuration: configuration, access: .readOnly)
        let entries = await cache.allRecords()
        guard entries.count == files else { fail("the verify cache holds \(entries.count) entries, not \(files)") }
        let paths = entries.map { directory + "/" + $0.path }
        let megabytes = Double(entries.reduce(0) { $0 + $1.size }) / 1_048_576
        report("verify_files", Double(files), "files")
        report("verify_megabytes", megabytes, "MB")
        let workers = ProcessInfo.processInfo.activeProcessorCount

        for state in ["cold", "warm"] {
            if state == "cold" { dropFromPageCache(paths) }
            var started = seconds()
            let result = try await cache.verify()
            guard result.problems.isEmpty else { fail("verify found \(result.problems.count) problems") }
            report("verify_\(state)_mb_s", megabytes / (seconds() - started), "MB/s")

            if state == "cold" { dropFromPageCache(paths) }
            started = seconds()
            readAll(paths, hash: false)
            report("read_\(state)_mb_s", megabytes / (seconds() - started), "MB/s")

            if state == "cold" { dropFromPageCache(paths) }
            started = seconds()
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    let share = stride(from: worker, to: paths.count, by: workers).map { paths[$0] }
                    group.addTask { readAll(share, hash: true) }
                }
            }
            report("readhash_\(state)_mb_s", megabytes / (seconds() - started), "MB/s")
        }
        report("workers", Double(workers), "tasks")
        try await cache.close()
    }

    /// Reads every file with plain `read(2)` into one buffer, hashing it with SHA-256 or not.
    nonisolated static func readAll(_ paths: [String], hash: Bool) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for path in paths {
            let descriptor = Glibc.open(path, O_RDONLY)
            guard descriptor >= 0 else { fail("cannot open \(path)") }
            var length = 0
            while true {
                let got = buffer.withUnsafeMutableBytes { bytes in
                    bytes.baseAddress.map { Glibc.read(descriptor, $0 + length, bytes.count - length) } ?? -1
                }
                if got <= 0 { break }
                length += got
            }
            Glibc.close(descriptor)
            if hash { _ = SHA256Hash(of: buffer[0..<length]) }
        }
    }

    /// Asks the kernel to drop the files' pages (they are clean), so the next read comes from disk.
    static func dropFromPageCache(_ paths: [String]) {
        for path in paths {
            let descriptor = Glibc.open(path, O_RDONLY)
            guard descriptor >= 0 else { continue }
            _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
            Glibc.close(descriptor)
        }
    }

    // MARK: store

    static func store(_ directory: String, count: Int) async throws {
        let configuration = CacheConfiguration(directory: directory, maxSizeBytes: 0)
        let cache = try CacheDirectory(configuration: configuration, access: .readWrite)
        var random = SeededRandom(state: 13)
        let audio = mp3Payload(size: 2_000, using: &random)
        let started = seconds()
        var halfway = started
        for index in 0..<count {
            if index == count / 2 { halfway = seconds() }
            let text = "Stored phrase number \(index)."
            let rendering = RenderingDescription(provider: "espeak-ng", outputFormat: "mp3_44100_128", text: text)
            try await cache.store(
                audio,
                for: .init(text: text, voiceID: "en-us", language: "en", rendering: rendering, isPinned: false)
            )
        }
        let elapsed = seconds() - started
        report("store_count", Double(count), "stores")
        report("store_seconds", elapsed, "s")
        report("store_per_second", Double(count) / elapsed, "stores/s")
        report("store_first_half_per_second", Double(count / 2) / (halfway - started), "stores/s")
        report("store_second_half_per_second", Double(count - count / 2) / (seconds() - halfway), "stores/s")
        let closing = seconds()
        try await cache.close()
        report("close_seconds", seconds() - closing, "s")
    }
}

import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing
import ZIPFoundation

@testable import AudioCacheBundles

/// Bundles: reproducible packing, and unpacking that refuses what could escape the folder.
@Suite("Cache bundles", .timeLimit(.minutes(1)))
struct CacheBundleTests {
    let folder: TemporaryFolder
    var root: String { folder.path }

    init() throws {
        folder = try TemporaryFolder()
    }

    func openCache(_ name: String = "cache", _ access: CacheDirectory.Access = .readWrite) throws -> CacheDirectory {
        try CacheDirectory(configuration: CacheConfiguration(directory: root + "/" + name), access: access)
    }

    @discardableResult
    func store(_ texts: [String], in cache: CacheDirectory) async throws -> [CacheEntry] {
        var entries: [CacheEntry] = []
        for (index, text) in texts.enumerated() {
            entries.append(
                try await cache.store(
                    AudioFixtures.wav(seed: index + text.count),
                    for: .init(
                        text: text,
                        voiceID: "es",
                        language: "es",
                        rendering: RenderingDescription(provider: "espeak-ng", outputFormat: "wav", text: text)
                    )
                )
            )
        }
        return entries
    }

    func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test(
        "the same cache gives the same bytes; the checksum file is sha256sum's; unpacked, it is the same cache",
        arguments: ["b.tar.gz", "b.zip"]
    )
    func reproducible(name: String) async throws {
        let cache = try openCache()
        let entries = try await store(["Hola", "Adiós", "Buenos días"], in: cache)
        // Reviewers' verdicts travel with the bundle.
        try await cache.review(entries[0].key, verdict: .approved)
        try await cache.review(entries[1].key, verdict: .flagged, note: "muy rápido")
        let first = try await CacheBundle.write(cache, to: root + "/1-" + name)
        let second = try await CacheBundle.write(cache, to: root + "/2-" + name)
        try await cache.close()
        #expect(try bytes(first.path) == bytes(second.path))
        #expect(first.sha256 == second.sha256 && first.files == 3 + 2)
        #expect(
            try String(contentsOfFile: first.checksumPath, encoding: .utf8) == "\(first.sha256)  1-\(name)\n"
        )
        let extracted = try CacheBundle.extract(first.path, into: root + "/out")
        #expect(extracted.checksumChecked && extracted.files == 5)
        let unpacked = try openCache("out", .readOnly)
        #expect(await unpacked.allEntries().map(\.sha256) == entries.sorted { $0.key < $1.key }.map(\.sha256))
        #expect(await unpacked.entry(for: entries[0].key)?.verdict == .approved)
        #expect(await unpacked.entry(for: entries[1].key)?.review?.note == "muy rápido")
        #expect(try await unpacked.verify().isClean)
    }

    @Test("what the journal holds is folded in first; then bundling again gives the same bytes")
    func foldsTheJournal() async throws {
        let cache = try openCache()
        try await store(["Hola"], in: cache)
        try await cache.close()
        let reopened = try openCache()
        try await store(["Uno", "Dos"], in: reopened)
        let first = try await CacheBundle.write(reopened, to: root + "/a.tar.gz")
        let second = try await CacheBundle.write(reopened, to: root + "/b.tar.gz")
        try await reopened.close()
        #expect(try bytes(first.path) == bytes(second.path))
        _ = try CacheBundle.extract(first.path, into: root + "/out")
        #expect(await (try openCache("out", .readOnly)).count == 3)
    }

    @Test(
        "an entry whose file is gone or resized stops the bundle, and no bundle is left",
        arguments: ["b.tar.gz", "b.zip"]
    )
    func damagedCache(name: String) async throws {
        let cache = try openCache()
        let entries = try await store(["Hola", "Adiós"], in: cache)
        try Data("short".utf8).write(to: URL(fileURLWithPath: root + "/cache/" + entries[1].path))
        let error = await #expect(throws: AudioCacheError.self) {
            try await CacheBundle.write(cache, to: root + "/" + name)
        }
        #expect(error?.kind == .badData && error?.description.contains("run audiocache verify") == true)
        try await cache.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasPrefix("b.") }.isEmpty)
    }

    @Test("Python's tarfile and GNU tar read a bundle: sorted names, owner 0, mode 0644, one time")
    func readableByOtherTools() async throws {
        let cache = try openCache()
        try await store(["Hola", "Adiós"], in: cache)
        let written = try await CacheBundle.write(cache, to: root + "/b.tar.gz")
        try await cache.close()
        let script = """
            import sys, tarfile
            with tarfile.open(sys.argv[1], "r:gz") as t:
                for m in t.getmembers():
                    print(m.name, m.uid, m.gid, oct(m.mode), m.mtime, m.type == tarfile.REGTYPE, repr(m.uname), sep="|")
            """
        let output = try await run("/usr/bin/env", ["python3", "-c", script, written.path])
        let rows = output.split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        #expect(rows.map { $0[0] }.prefix(2) == ["index.json", "index.table"])
        let audio = rows.dropFirst(2).map { $0[0] }
        #expect(audio.count == 2 && audio == audio.sorted())
        #expect(
            rows.allSatisfy { $0[1] == "0" && $0[2] == "0" && $0[3] == "0o644" && $0[5] == "True" && $0[6] == "''" }
        )
        #expect(Set(rows.map { $0[4] }).count == 1)
        let listing = try await run("/usr/bin/env", ["tar", "-tzf", written.path])
        #expect(listing.split(separator: "\n").map(String.init) == rows.map { $0[0] })
    }

    // MARK: Unpacking refuses

    /// A tar.gz holding `members` (header and data), written with the bundle's own tar writer.
    func tarball(_ name: String, _ members: [(TarHeader, [UInt8])], end: Bool = true) throws -> String {
        let path = root + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let output = try #require(FileHandle(forWritingAtPath: path))
        let gzip = try GzipWriter(to: output)
        for (header, data) in members {
            let block = try #require(header.encoded())
            try block.withUnsafeBytes { try gzip.write($0) }
            let padded = data + [UInt8](repeating: 0, count: TarHeader.padding(after: data.count))
            try padded.withUnsafeBytes { try gzip.write($0) }
        }
        if end { try [UInt8](repeating: 0, count: 1024).withUnsafeBytes { try gzip.write($0) } }
        _ = try gzip.finish()
        try output.close()
        return path
    }

    func file(_ path: String, _ data: [UInt8] = Array("x".utf8), kind: TarHeader.Kind = .file) -> (TarHeader, [UInt8]) {
        (
            TarHeader(path: path, kind: kind, size: kind == .file ? data.count : 0, mode: 0o644, modificationTime: 0),
            kind == .file ? data : []
        )
    }

    @Test(
        "entries that could escape, links, devices and FIFOs are refused and nothing is written",
        arguments: [
            ("../evil.txt", TarHeader.Kind.file, "would land outside"),
            ("/tmp/evil.txt", .file, "would land outside"),
            ("audio/../../evil.txt", .file, "would land outside"),
            ("audio/./x", .file, "would land outside"),
            ("link", .other(UInt8(ascii: "2")), "a symbolic link"),
            ("hard", .other(UInt8(ascii: "1")), "a hard link"),
            ("tty", .other(UInt8(ascii: "3")), "a character device"),
            ("disk", .other(UInt8(ascii: "4")), "a block device"),
            ("fifo", .other(UInt8(ascii: "6")), "a FIFO"),
            ("pax", .other(UInt8(ascii: "x")), "an entry of type \"x\""),
        ]
    )
    func refusesUnsafeTarEntries(name: String, kind: TarHeader.Kind, message: String) throws {
        let path = try tarball("evil.tar.gz", [file("index.json", Array("{}".utf8)), file(name, kind: kind)])
        let error = #expect(throws: AudioCacheError.self) { try CacheBundle.extract(path, into: root + "/out") }
        #expect(error?.kind == .badData)
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
        #expect(!FileManager.default.fileExists(atPath: root + "/out"))
        #expect(!FileManager.default.fileExists(atPath: root + "/evil.txt"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.contains("partial") }.isEmpty)
    }

    @Test("a cut-short archive, a name given twice, a damaged header, a wrong checksum file, not a bundle")
    func refusesDamagedBundles() async throws {
        let index = file("index.json", Array("{}".utf8))
        let cases: [(String, String)] = [
            (try tarball("short.tar.gz", [index, file("a")], end: false), "cut short"),
            (try tarball("twice.tar.gz", [index, file("a"), file("a")]), "appears twice"),
            (try tarball("noindex.tar.gz", [file("a")]), "holds no index.json"),
        ]
        for (path, message) in cases {
            let error = #expect(throws: AudioCacheError.self) { try CacheBundle.extract(path, into: root + "/out") }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
            #expect(!FileManager.default.fileExists(atPath: root + "/out"))
        }
        // A damaged header: one byte of the first block changed after packing.
        let cache = try openCache()
        try await store(["Hola"], in: cache)
        let written = try await CacheBundle.write(cache, to: root + "/good.tar.gz")
        try await cache.close()
        try Data("0000000000000000000000000000000000000000000000000000000000000000  good.tar.gz\n".utf8)
            .write(to: URL(fileURLWithPath: written.checksumPath))
        let mismatch = #expect(throws: AudioCacheError.self) {
            try CacheBundle.extract(written.path, into: root + "/out")
        }
        #expect(mismatch?.description.contains("good.tar.gz.sha256 says") == true)
        try FileManager.default.removeItem(atPath: written.checksumPath)
        var damaged = try bytes(written.path)
        damaged[damaged.count / 2] ^= 0xFF
        try Data(damaged).write(to: URL(fileURLWithPath: root + "/damaged.tar.gz"))
        let corrupt = #expect(throws: AudioCacheError.self) {
            try CacheBundle.extract(root + "/damaged.tar.gz", into: root + "/out")
        }
        #expect(corrupt?.kind == .badData)
        try Data("not a bundle at all".utf8).write(to: URL(fileURLWithPath: root + "/text.tar.gz"))
        let notBundle = #expect(throws: AudioCacheError.self) {
            try CacheBundle.extract(root + "/text.tar.gz", into: root + "/out")
        }
        #expect(notBundle?.description.contains("is not a bundle") == true)
        #expect(!FileManager.default.fileExists(atPath: root + "/out"))
        // A folder that is not empty is left alone.
        try folder.write("full/keep.txt", "mine")
        let full = #expect(throws: AudioCacheError.self) { try CacheBundle.extract(written.path, into: root + "/full") }
        #expect(full?.kind == .usage)
        #expect(try String(contentsOfFile: root + "/full/keep.txt", encoding: .utf8) == "mine")
    }

    @Test("a zip with an escaping name or a symbolic link is refused")
    func refusesUnsafeZipEntries() throws {
        for (name, type, message) in [
            ("../evil.txt", Entry.EntryType.file, "would land outside"), ("link", .symlink, "symbolic link"),
        ] {
            let path = root + "/evil.zip"
            try? FileManager.default.removeItem(atPath: path)
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
            let index = Data("{}".utf8)
            try archive.addEntry(with: "index.json", type: .file, uncompressedSize: Int64(index.count)) {
                position,
                size in
                index.subdata(in: Int(position)..<Int(position) + size)
            }
            let target = Data("/etc/passwd".utf8)
            try archive.addEntry(with: name, type: type, uncompressedSize: Int64(target.count)) { position, size in
                target.subdata(in: Int(position)..<Int(position) + size)
            }
            let error = #expect(throws: AudioCacheError.self) { try CacheBundle.extract(path, into: root + "/out") }
            #expect(error?.kind == .badData, "\(name)")
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
            #expect(!FileManager.default.fileExists(atPath: root + "/out"))
            #expect(!FileManager.default.fileExists(atPath: root + "/evil.txt"))
        }
    }

    func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(arguments)")
        return String(decoding: data, as: UTF8.self)
    }
}

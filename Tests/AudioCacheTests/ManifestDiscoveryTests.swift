import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

@Suite struct ManifestDiscoveryTests {
    @Test func walksFoldersInByteOrderAndAppliesTheFolderLayout() throws {
        let folder = try TemporaryFolder()
        try folder.write("top.csv", "text\nx\n")
        try folder.write("es/es/b.jsonl", "{}\n")
        try folder.write("es/es/a.xml", "<script/>")
        try folder.write("en-us/only-voice.json", "[]")
        try folder.write("en-us/en/deeper/c.ndjson", "{}\n")
        try folder.write("README.md", "docs")
        try folder.write(".hidden/x.csv", "text\nx\n")
        try folder.write(".DS_Store", "junk")

        let found = try ManifestDiscovery.find(in: [folder.path])

        #expect(found.problems.isEmpty)
        let relative = found.files.map { String($0.path.dropFirst(folder.path.count + 1)) }
        #expect(
            relative == [
                "en-us/en/deeper/c.ndjson", "en-us/only-voice.json", "es/es/a.xml", "es/es/b.jsonl", "top.csv",
            ]
        )
        #expect(found.files.map(\.format) == [.jsonLines, .json, .xml, .jsonLines, .csv])
        #expect(found.files[0].folderDefaults == PhraseDefaults(voiceID: "en-us", language: "en"))
        #expect(found.files[1].folderDefaults == PhraseDefaults(voiceID: "en-us"))
        #expect(found.files[4].folderDefaults == PhraseDefaults())
    }

    @Test func aFileNamedDirectlyHasNoFolderDefaults() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("es/es/a.csv", "text\nx\n")
        let found = try ManifestDiscovery.find(in: [path])
        #expect(found.files == [ManifestFile(path: path, format: .csv, size: 7)])
    }

    @Test func unsupportedExtensionsAreProblems() throws {
        let folder = try TemporaryFolder()
        let inside = try folder.write("phrases.yaml", "x")
        let elsewhere = try TemporaryFolder()
        let named = try elsewhere.write("other.tab", "x")
        let found = try ManifestDiscovery.find(in: [folder.path, named])
        #expect(found.files.isEmpty)
        #expect(
            found.problems.map(\.description) == [
                "\(inside): unsupported manifest extension; use .csv, .json, .jsonl, .ndjson, .xml or .tsv",
                "\(named): unsupported manifest extension; use .csv, .json, .jsonl, .ndjson, .xml or .tsv",
            ]
        )
    }

    /// A CI job pointed at a wrong folder must not pass: a folder with nothing to read, at any
    /// depth, is missing input, named as the user gave it.
    @Test func aFolderWithNoManifestIsMissingInput() throws {
        let folder = try TemporaryFolder()
        try folder.write("empty/README.md", "docs")
        try folder.write("empty/deeper/.hidden.csv", "text\nx\n")
        try folder.write("x.csv/notes.txt", "a folder named like a manifest")
        try folder.write("full/a.tsv", "text\nx\n")
        for name in ["empty/", "empty", "x.csv"] {
            let path = folder.path + "/" + name
            #expect(
                throws: AudioCacheError.missingInput(path, "no manifests (.csv, .json, .jsonl, .ndjson, .xml, .tsv)")
            ) {
                try ManifestDiscovery.find(in: [folder.path + "/full", path])
            }
        }
        #expect(try ManifestDiscovery.find(in: [folder.path + "/full"]).files.map(\.format) == [.tsv])
    }

    @Test func aMissingPathIsMissingInput() throws {
        let folder = try TemporaryFolder()
        #expect(throws: AudioCacheError.missingInput(folder.path + "/nope", "no such file or folder")) {
            try ManifestDiscovery.find(in: [folder.path + "/nope"])
        }
    }

    @Test func symbolicLinksMayNotLeaveTheFolder() throws {
        let outside = try TemporaryFolder()
        let secret = try outside.write("secret.csv", "text\nsecret\n")
        let folder = try TemporaryFolder()
        try folder.write("real/a.csv", "text\nx\n")
        try folder.link("escape.csv", to: secret)
        try folder.link("escape-folder", to: outside.path)
        try folder.link("inside.csv", to: folder.path + "/real/a.csv")
        try folder.link("loop", to: folder.path)

        let found = try ManifestDiscovery.find(in: [folder.path])

        let relative = found.files.map { String($0.path.dropFirst(folder.path.count + 1)) }
        #expect(relative == ["inside.csv", "real/a.csv"])
        #expect(found.problems.count == 2)
        #expect(found.problems.allSatisfy { $0.message.contains("symbolic link leaves the folder") })
    }

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let folder = try TemporaryFolder()
        let fifo = folder.path + "/pipe.csv"
        #expect(mkfifo(fifo, 0o600) == 0)
        let outcome = Planner.read(ManifestFile(path: fifo, format: .csv), options: PlanOptions())
        #expect(outcome.problems.map(\.description) == ["\(fifo): is not a regular file"])
    }

    @Test func aZeroByteFileAndAFolderNamedLikeAFileAreRefused() throws {
        let folder = try TemporaryFolder()
        let empty = try folder.write("empty.csv", "")
        try folder.makeFolder("folder.csv")
        let emptyOutcome = Planner.read(ManifestFile(path: empty, format: .csv), options: PlanOptions())
        #expect(emptyOutcome.problems.map(\.description) == ["\(empty): file is empty (0 bytes)"])
        let folderOutcome = Planner.read(
            ManifestFile(path: folder.path + "/folder.csv", format: .csv),
            options: PlanOptions()
        )
        #expect(folderOutcome.problems.first?.message == "is a folder, but a manifest file was expected")
    }
}

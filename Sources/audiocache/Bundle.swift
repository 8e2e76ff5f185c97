import ArgumentParser
import AudioCache
import AudioCacheBundles
import Foundation

extension AudioCacheCommand {
    /// `audiocache bundle CACHE --out FILE`: the cache packed into one reproducible file.
    struct Bundle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pack a cache folder into one reproducible .tar.gz or .zip, with a .sha256 beside it.",
            discussion: """
                Folds the journal into index.json first (when it holds anything), then packs index.json, \
                index.table and every entry's audio file, sorted, with the index's updated_at as every \
                entry's time, owner 0 and mode 0644: the same cache gives the same bytes. Writes \
                FILE.sha256 in the form `sha256sum -c` reads. Exits 65 when an entry's file is missing \
                or resized (run audiocache verify). See docs/bundles.md.
                """
        )

        @Argument(help: "The cache folder.")
        var cache: String

        @Option(help: ArgumentHelp("The bundle to write: NAME.tar.gz, NAME.tgz or NAME.zip.", valueName: "file"))
        var out: String

        @Flag(help: "Print what was packed as JSON.")
        var json = false

        func validate() throws {
            guard BundleFormat(path: out) != nil else {
                throw ValidationError("--out \(out): a bundle is named .tar.gz, .tgz or .zip")
            }
        }

        func run() async throws {
            let written = try await reportingErrors {
                try requireCacheIndex(in: cache)
                return try await withCache(CacheConfiguration(directory: cache, maxSizeBytes: 0), access: .readWrite) {
                    try await CacheBundle.write($0, to: out)
                }
            }
            if json {
                struct Document: Encodable {
                    var format = "audiocache-bundle"
                    var version = 1
                    var bundle: String
                    var sha256: String
                    var files: Int
                    var bytes: Int
                    var size: Int
                    var checksumFile: String
                }
                let document = Document(
                    bundle: written.path,
                    sha256: written.sha256,
                    files: written.files,
                    bytes: written.bytes,
                    size: written.size,
                    checksumFile: written.checksumPath
                )
                FileHandle.standardOutput.write(try DocumentEncoding.data(document))
            } else {
                print("\(written.path): \(written.files) files, \(written.bytes) bytes packed into \(written.size)")
                print("sha256 \(written.sha256) (\(written.checksumPath))")
            }
        }
    }

    /// `audiocache unbundle FILE DIR`: a bundle unpacked, safely, into a new folder.
    struct Unbundle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unpack a bundle into a new cache folder.",
            discussion: """
                Checks FILE against FILE.sha256 when that file exists, refuses entries that would land \
                outside DIR, links, devices and anything but files and folders, and unpacks into a \
                temporary folder renamed to DIR at the end, so nothing is half-written. DIR must not \
                exist or be empty. Exits 65 for a damaged, unsafe or mismatched bundle, 66 when FILE is \
                missing. Runtimes and `audiocache serve` open DIR as any cache folder.
                """
        )

        @Argument(help: "The bundle (.tar.gz, .tgz or .zip; the format is read from its first bytes).")
        var file: String

        @Argument(help: "The folder to unpack into (created; must not exist or be empty).")
        var folder: String

        func run() async throws {
            let extracted = try await reportingErrors { try CacheBundle.extract(file, into: folder) }
            let checked = extracted.checksumChecked ? ", SHA-256 checked" : ", no .sha256 beside it to check"
            print("\(folder): \(extracted.files) files, \(extracted.bytes) bytes unpacked\(checked)")
        }
    }
}

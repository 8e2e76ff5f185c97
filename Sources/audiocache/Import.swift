import ArgumentParser
import AudioCache
import Foundation

extension AudioCacheCommand {
    /// `audiocache import`: a human recording in place of the synthesized audio.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Store a human recording under a phrase's key, in place of the synthesized audio.",
            discussion: """
                The entry is marked recorded (provider "recorded") and pinned, so eviction and TTL \
                leave it alone and plan counts it as cached whatever the model. The output format is \
                --format, or detected from the file (wav, mp3, ogg, flac). Prints the key and the \
                stored file. Takes the cache's lock; exits 75 when another process holds it.
                """
        )

        @OptionGroup var cacheOptions: CacheOptions

        @Argument(help: "The audio file.")
        var file: String

        @Option(help: "The phrase's text (the key is computed from it).")
        var text: String

        @Option(help: "The phrase's voice id.")
        var voice: String

        @Option(help: "The phrase's language.")
        var language: String

        @Option(help: "The audio's output format, such as wav or mp3_44100_128 (default: detected).")
        var format: String?

        @Option(help: "The model to record with the entry, if any.")
        var model: String?

        func validate() throws {
            guard !text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) else {
                throw ValidationError("--text is empty")
            }
            try FieldRules.Field.voiceID.validate(voice, flag: "--voice")
            try FieldRules.Field.language.validate(language, flag: "--language")
            try FieldRules.Field.modelID.validate(model, flag: "--model")
            if let format {
                let allowed = format.utf8.allSatisfy {
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_")
                }
                guard allowed, (1...64).contains(format.utf8.count) else {
                    throw ValidationError(
                        "--format \"\(format)\" is not an output format (such as wav or mp3_44100_128)"
                    )
                }
            }
        }

        func run() async throws {
            let (path, entry) = try await reportingErrors {
                let audio = try readAudio()
                // Refused before the cache is opened (or made).
                _ = try CacheDirectory.recordingFormat(
                    of: audio,
                    declaredAs: format,
                    location: SourceLocation(file: file)
                )
                let configuration = try cacheOptions.configuration()
                let recording = CacheDirectory.Recording(
                    text: text,
                    voiceID: voice,
                    language: language,
                    format: format,
                    modelID: model
                )
                return try await withCache(configuration, access: .readWrite) { cache in
                    let entry = try await cache.importRecording(audio, recording, location: SourceLocation(file: file))
                    return (cache.filePath(of: entry), entry)
                }
            }
            print("key \(entry.key)")
            print("path \(path)")
        }

        /// The file's bytes.
        private func readAudio() throws(AudioCacheError) -> [UInt8] {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
                throw .missingInput(file, "no such file")
            }
            guard !isFolder.boolValue,
                let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                attributes[.type] as? FileAttributeType == .typeRegular
            else {
                throw .missingInput(file, "is not a regular file")
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw .missingInput(file, "cannot be read")
            }
            guard !data.isEmpty else { throw .badData(at: SourceLocation(file: file), "is empty") }
            return Array(data)
        }
    }
}

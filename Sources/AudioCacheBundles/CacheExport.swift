import AudioCache
import Crypto
import Foundation

/// A cache's audio laid out as another runtime's own cache expects it, so that runtime finds the
/// phrases without asking its provider (docs/exports.md).
public enum CacheExport {
    /// The layouts an export can write.
    public enum Layout: String, Sendable, CaseIterable {
        /// Home Assistant's `tts` cache folder.
        case homeAssistant = "home-assistant"
        /// OpenVoiceOS's persistent TTS cache.
        case ovos
        /// One file per phrase id of the manifests.
        case byID = "by-id"
    }

    /// What an export wrote.
    public struct Report: Sendable, Hashable {
        /// Files written (linked or copied).
        public var files = 0
        /// Of those, files hard-linked to the cache's.
        public var linked = 0
        /// Bytes of audio written.
        public var bytes = 0
        /// Entries left out, each with why (headerless audio Home Assistant cannot play, say).
        public var skipped: [String] = []
    }

    // MARK: Home Assistant

    /// Home Assistant's `tts` folder: one file per entry, named as Home Assistant's
    /// `tts/__init__.py` names what it caches, so that it loads them at start and finds them for
    /// the message, language, options and engine it is asked for.
    /// - Parameters:
    ///   - cache: The cache.
    ///   - folder: Home Assistant's `tts` folder, or one to copy there.
    ///   - engine: The engine's id as Home Assistant knows it: an entity id (`tts.elevenlabs`) or
    ///     a legacy platform name (`google_translate`).
    ///   - options: The options Home Assistant merges for the engine (its defaults and what the
    ///     call passes), as `str(key)` and `str(value)`.
    /// - Returns: What was written.
    /// - Throws: ``AudioCacheError``: usage for an engine id Home Assistant would not accept; I/O.
    public static func homeAssistant(
        _ cache: CacheDirectory,
        to folder: String,
        engine: String,
        options: [(String, String)]
    ) async throws(AudioCacheError) -> Report {
        guard isHomeAssistantEngine(engine) else {
            throw AudioCacheError(
                .usage,
                "--engine \"\(engine)\" is not a Home Assistant engine id: an entity id such as tts.elevenlabs (tts. and a-z, 0-9, _) or a legacy platform such as google_translate (a-z, _)"
            )
        }
        var report = Report()
        let files = await audioFiles(of: cache)
        for (entry, source, container) in files {
            guard ["mp3", "wav", "ogg", "flac"].contains(container) else {
                report.skipped.append("\(entry.key): \(container) audio, which Home Assistant does not play")
                continue
            }
            // An index written by another tool could hold anything: the name must stay in OUT.
            guard isFolderName(entry.language) else {
                report.skipped.append("\(entry.key): its language cannot be part of a file name")
                continue
            }
            let name = homeAssistantFileName(
                message: entry.rendering.text,
                language: entry.language,
                options: options,
                engine: engine,
                extension: container
            )
            try place(source, at: folder + "/" + name, size: entry.size, report: &report)
        }
        return report
    }

    /// The name Home Assistant gives the cached audio of `message`:
    /// `{sha1(message)}_{language}_{options}_{engine}.{extension}`, lowercased, `_` in the
    /// language turned into `-`, `options` the 5-byte BLAKE2s of the sorted `str(key)`,
    /// `str(value)` pairs, or `-` when there are none.
    static func homeAssistantFileName(
        message: String,
        language: String,
        options: [(String, String)],
        engine: String,
        extension: String
    ) -> String {
        let messageHash = Insecure.SHA1.hash(data: Array(message.utf8)).lowercaseHex
        let optionsKey: String
        if options.isEmpty {
            optionsKey = "-"
        } else {
            var bytes: [UInt8] = []
            // Python's sorted() of (key, value) pairs: by code point, as UTF-8 byte order is.
            let sorted = options.sorted { first, second in
                first.0 == second.0
                    ? first.1.utf8.lexicographicallyPrecedes(second.1.utf8)
                    : first.0.utf8.lexicographicallyPrecedes(second.0.utf8)
            }
            for (key, value) in sorted {
                bytes += Array(key.utf8)
                bytes += Array(value.utf8)
            }
            optionsKey = BLAKE2s.hexDigest(of: bytes, length: 5)
        }
        let language = language.replacingOccurrences(of: "_", with: "-")
        return "\(messageHash)_\(language)_\(optionsKey)_\(engine).\(`extension`)".lowercased()
    }

    /// Whether Home Assistant accepts `engine` in a cache file name (its `_RE_VOICE_FILE` or
    /// `_RE_LEGACY_VOICE_FILE`).
    static func isHomeAssistantEngine(_ engine: String) -> Bool {
        let bytes = Array(engine.utf8)
        let lower = { (byte: UInt8) in (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }
        let digit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        let underscore = { (byte: UInt8) in byte == UInt8(ascii: "_") }
        if bytes.starts(with: Array("tts.".utf8)) {
            let rest = bytes.dropFirst(4)
            return !rest.isEmpty && rest.allSatisfy { lower($0) || digit($0) || underscore($0) }
        }
        return !bytes.isEmpty && bytes.allSatisfy { lower($0) || underscore($0) }
    }

    // MARK: OpenVoiceOS

    /// OpenVoiceOS's persistent TTS cache: `folder/<plugin>/<voice>/<lang>/<md5 of the
    /// sentence>.<ext>`, as `ovos_plugin_manager/utils/tts_cache.py` names and loads them.
    /// - Parameters:
    ///   - cache: The cache.
    ///   - folder: The folder that holds OpenVoiceOS's TTS caches (`~/.cache/mycroft`, or the
    ///     plugin's `preloaded_cache` minus its last three components).
    ///   - plugin: The TTS plugin's id (`ovos-tts-plugin-piper`).
    /// - Returns: What was written.
    /// - Throws: ``AudioCacheError``: usage for a plugin id that is not a folder name; I/O.
    public static func ovos(
        _ cache: CacheDirectory,
        to folder: String,
        plugin: String
    ) async throws(AudioCacheError)
        -> Report
    {
        guard isFolderName(plugin) else {
            throw AudioCacheError(.usage, "--plugin \"\(plugin)\" cannot be a folder name")
        }
        var report = Report()
        for (entry, source, container) in await audioFiles(of: cache) {
            guard isFolderName(entry.voiceID), isFolderName(entry.language) else {
                report.skipped.append("\(entry.key): voice or language cannot be a folder name")
                continue
            }
            let sentence = Insecure.MD5.hash(data: Array(entry.rendering.text.utf8)).lowercaseHex
            let path = [folder, plugin, entry.voiceID, entry.language, "\(sentence).\(container)"].joined(
                separator: "/"
            )
            try place(source, at: path, size: entry.size, report: &report)
        }
        return report
    }

    // MARK: By id

    /// One file per phrase id of `plan`: `folder/<voice>/<language>/<id>.<ext>`, for IVR prompt
    /// folders, game engines and apps that address prompts by name. Every id is checked before
    /// anything is written.
    /// - Parameters:
    ///   - cache: The cache.
    ///   - plan: The plan of the manifests whose ids name the files.
    ///   - folder: Where to write.
    /// - Returns: What was written; phrases the cache does not hold are listed as skipped.
    /// - Throws: ``AudioCacheError``: bad data for an id that cannot be a file name (a slash, a
    ///   leading dot) or one id used for two renderings of a voice and language; I/O.
    public static func byID(
        _ cache: CacheDirectory,
        plan: Plan,
        to folder: String
    ) async throws(AudioCacheError)
        -> Report
    {
        let renderings = Array(plan.renderings)
        let sources = plan.sources(ofRenderingsAt: Set(renderings.indices))
        var files: [String: (rendering: Rendering, source: PhraseSource)] = [:]
        for (index, rendering) in renderings.enumerated() {
            for source in sources[index] ?? [] {
                guard let id = source.id else { continue }
                let location = SourceLocation(file: source.file, line: source.line)
                guard isFolderName(id), isFolderName(rendering.voiceID), isFolderName(rendering.language) else {
                    throw AudioCacheError(.badData, at: location, "id \"\(id)\" cannot be a file name")
                }
                let path = "\(rendering.voiceID)/\(rendering.language)/\(id)"
                if let other = files[path], other.rendering.key != rendering.key {
                    throw AudioCacheError(
                        .badData,
                        at: location,
                        "id \"\(id)\" names another phrase in \(other.source.file):\(other.source.line)"
                    )
                }
                files[path] = (rendering, source)
            }
        }
        var report = Report()
        for (path, item) in files.sorted(by: { $0.key < $1.key }) {
            guard let hit = await cache.record(for: item.rendering.key) else {
                report.skipped.append("\(path): not in the cache (run audiocache warm)")
                continue
            }
            let container = URL(fileURLWithPath: hit.path).pathExtension
            try place(
                cache.root + "/" + hit.path,
                at: folder + "/" + path + "." + container,
                size: hit.size,
                report: &report
            )
        }
        return report
    }

    // MARK: Files

    /// Every entry with its audio file and the file's extension, in key order.
    private static func audioFiles(
        of cache: CacheDirectory
    ) async -> [(CacheEntry, String, String)] {
        await cache.allEntries().map { entry in
            (entry, cache.filePath(of: entry), URL(fileURLWithPath: entry.path).pathExtension.lowercased())
        }
    }

    /// A name that stays one folder or file: not empty, not `.` or `..`, not starting with a dot,
    /// without `/`, `\` or NUL.
    static func isFolderName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\\")
            && !name.unicodeScalars.contains("\0") && name.utf8.count <= 255
    }

    /// Hard-links `source` at `destination` (copying it, written atomically, when the two are on
    /// different file systems), replacing what was there.
    private static func place(
        _ source: String,
        at destination: String,
        size: Int,
        report: inout Report
    )
        throws(AudioCacheError)
    {
        if try FileSystem.linkOrCopy(source, to: destination, size: size, replacing: true) == .linked {
            report.linked += 1
        }
        report.files += 1
        report.bytes += size
    }
}

import AudioCache
import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCacheBundles

/// Exports into other runtimes' caches, checked against those runtimes' own code (Python).
@Suite("Exports", .timeLimit(.minutes(1)))
struct CacheExportTests {
    /// Runs a Python script with `input` on standard input and returns its standard output.
    func python(_ script: String, input: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test("BLAKE2s gives hashlib.blake2s's digests, at every length and across block boundaries")
    func blake2s() throws {
        let lengths = [0, 1, 3, 55, 63, 64, 65, 127, 128, 129, 1_000]
        var cases: [(bytes: [UInt8], size: Int)] = []
        for (index, length) in lengths.enumerated() {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            cases.append((bytes, [5, 32, 1, 16][index % 4]))
        }
        let input = cases.map { "\($0.size) \($0.bytes.map { String(format: "%02x", $0) }.joined())" }.joined(
            separator: "\n"
        )
        let output = try python(
            """
            import hashlib, sys
            for line in sys.stdin.read().split("\\n"):
                size, _, data = line.partition(" ")
                print(hashlib.blake2s(bytes.fromhex(data), digest_size=int(size)).hexdigest())
            """,
            input: input
        )
        let expected = output.split(separator: "\n").map(String.init)
        #expect(expected.count == cases.count)
        for (item, digest) in zip(cases, expected) {
            #expect(BLAKE2s.hexDigest(of: item.bytes, length: item.size) == digest, "\(item.bytes.count) bytes")
        }
    }

    @Test("Home Assistant's file names, computed by its own code, and its loader's pattern matches them")
    func homeAssistantNames() throws {
        let cases: [(String, String, [(String, String)], String, String)] = [
            ("Hello world", "en", [], "tts.elevenlabs", "mp3"),
            ("¿Cómo estás? Ünïcödé ✓", "es_ES", [("voice", "Rachel")], "tts.piper", "wav"),
            (
                "Mixed CASE message", "en-US", [("voice", "b"), ("Speed", "1.0"), ("pitch", "True")],
                "google_translate", "MP3"
            ),
            ("", "de", [("a", "")], "tts.x_y_2", "ogg"),
        ]
        var lines: [String] = []
        for (message, language, options, engine, ext) in cases {
            let object: [String: Any] = [
                "message": message, "language": language, "options": options.map { [$0.0, $0.1] }, "engine": engine,
                "extension": ext,
            ]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
        // The code of homeassistant/components/tts/__init__.py: _hash_options,
        // async_cache_message_in_memory's cache key, _load_data_into_cache's file name, and the
        // pattern _get_cache_files loads.
        let output = try python(
            """
            import hashlib, json, re, sys
            _RE_VOICE_FILE = re.compile(r"([a-f0-9]{40})_([^_]+)_([^_]+)_(tts\\.[a-z0-9_]+)\\.[a-z0-9]{3,4}")
            _RE_LEGACY_VOICE_FILE = re.compile(r"([a-f0-9]{40})_([^_]+)_([^_]+)_([a-z_]+)\\.[a-z0-9]{3,4}")
            def _hash_options(options):
                opts_hash = hashlib.blake2s(digest_size=5)
                for key, value in sorted(options.items()):
                    opts_hash.update(str(key).encode())
                    opts_hash.update(str(value).encode())
                return opts_hash.hexdigest()
            for line in sys.stdin.read().split("\\n"):
                case = json.loads(line)
                options = dict(case["options"])
                options_key = _hash_options(options) if options else "-"
                msg_hash = hashlib.sha1(bytes(case["message"], "utf-8")).hexdigest()
                cache_key = "{0}_{1}_{2}_{3}".format(msg_hash, case["language"].replace("_", "-"), options_key, case["engine"]).lower()
                filename = f"{cache_key}.{case['extension']}".lower()
                loaded = bool(_RE_VOICE_FILE.match(filename) or _RE_LEGACY_VOICE_FILE.match(filename))
                print(filename, loaded)
            """,
            input: lines.joined(separator: "\n")
        )
        let expected = output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(expected.count == cases.count)
        for ((message, language, options, engine, ext), row) in zip(cases, expected) {
            let name = CacheExport.homeAssistantFileName(
                message: message,
                language: language,
                options: options,
                engine: engine,
                extension: ext
            )
            #expect(name == row[0], "\(message)")
            #expect(row[1] == "True")
        }
        #expect(
            CacheExport.isHomeAssistantEngine("tts.elevenlabs") && CacheExport.isHomeAssistantEngine("google_translate")
        )
        for bad in ["", "tts.", "TTS.x", "tts.a-b", "../x", "tts.x/y", "a b"] {
            #expect(!CacheExport.isHomeAssistantEngine(bad), "\(bad)")
        }
    }
}

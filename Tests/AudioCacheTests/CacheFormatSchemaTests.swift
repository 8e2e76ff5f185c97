import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

/// Every index and journal line the library writes validates against `schemas/` with a real
/// validator (Python's `jsonschema`), and documents that break the format do not.
@Suite(.timeLimit(.minutes(2))) struct CacheFormatSchemaTests {
    /// Reads a job (schemas, documents) and writes what the validator found.
    static let validatorScript = #"""
        import copy, json, sys
        try:
            import jsonschema
        except ImportError:
            open(sys.argv[2], "w").write(json.dumps({"missing": True}))
            sys.exit(0)
        job = json.load(open(sys.argv[1], encoding="utf-8"))
        index_schema = json.load(open(job["index_schema"], encoding="utf-8"))
        journal_schema = json.load(open(job["journal_schema"], encoding="utf-8"))
        V = jsonschema.Draft202012Validator
        V.check_schema(index_schema)
        V.check_schema(journal_schema)
        index_validator, journal_validator = V(index_schema), V(journal_schema)

        def errors(validator, document):
            return ["/%s: %s" % ("/".join(map(str, e.absolute_path)), e.message) for e in validator.iter_errors(document)]

        problems = []
        for name, text in job["indexes"]:
            problems += ["%s %s" % (name, p) for p in errors(index_validator, json.loads(text))]
        for name, line in job["journal_lines"]:
            problems += ["%s %s" % (name, p) for p in errors(journal_validator, json.loads(line))]
        shared = sorted(k for k in index_schema["$defs"] if index_schema["$defs"][k] != journal_schema["$defs"].get(k))

        base = json.loads(job["indexes"][0][1])
        key = sorted(base["entries"])[0]
        pinned = sorted(k for k, e in base["entries"].items() if e["pinned"])[0]
        def entry(d): return d["entries"][key]
        def put(d, k, v): d[k] = v
        def rekey(d, new): d["entries"][new] = d["entries"].pop(key)
        broken = {
            "member name not a key": lambda d: rekey(d, "not-a-key"),
            "upper-case key": lambda d: rekey(d, key.upper()),
            "short key": lambda d: put(entry(d), "key", key[:31]),
            "path with ..": lambda d: put(entry(d), "path", "audio/../x.mp3"),
            "path outside audio": lambda d: put(entry(d), "path", "/etc/passwd"),
            "no sha256": lambda d: entry(d).pop("sha256"),
            "no rendering": lambda d: entry(d).pop("rendering"),
            "no generation": lambda d: d.pop("generation"),
            "format version 2": lambda d: put(d, "format_version", 2),
            "other format": lambda d: put(d, "format", "something-else"),
            "timestamp without Z": lambda d: put(entry(d), "created_at", "2023-04-25T18:30:00.000"),
            "timestamp with a space": lambda d: put(entry(d), "last_accessed", "2023-04-25 18:30:00.000Z"),
            "month 13": lambda d: put(d, "updated_at", "2023-13-25T18:30:00.000Z"),
            "unknown source": lambda d: put(entry(d), "source", "synthesized"),
            "size as a string": lambda d: put(entry(d), "size", str(entry(d)["size"])),
            "negative access count": lambda d: put(entry(d), "access_count", -1),
            "upper-case sha256": lambda d: put(entry(d), "sha256", entry(d)["sha256"].upper()),
            "voice with a slash": lambda d: put(entry(d), "voice_id", "../es"),
            "pinned with an expiry": lambda d: put(d["entries"][pinned], "expires_at", "2030-01-01T00:00:00.000Z"),
            "member added to rendering": lambda d: put(entry(d)["rendering"], "seed", 1),
            "voice setting as a string": lambda d: put(entry(d)["rendering"]["voice_settings"], "stability", "high"),
            "hits as a float": lambda d: put(d["stats"], "hits", 1.5),
            "review with an unknown verdict": lambda d: put(entry(d), "review",
                                                           {"verdict": "maybe", "reviewed_at": "2026-01-01T00:00:00.000Z"}),
            "review without a date": lambda d: put(entry(d), "review", {"verdict": "approved"}),
        }
        accepted = {
            "unknown members": lambda d: (put(d, "future", 1), put(d["stats"], "future", []),
                                          put(entry(d), "future", {"a": 1})),
        }
        touch = {"op": "touch", "key": key, "last_accessed": "2026-01-01T00:00:00.000Z", "access_count": 3}
        broken_lines = {
            "touch without a key": {k: v for k, v in touch.items() if k != "key"},
            "unknown op": dict(touch, op="delete"),
            "begin of generation 0": {"op": "begin", "generation": 0},
            "put replacing ../x": {"op": "put", "entry": base["entries"][key], "replaces": "audio/../x.mp3"},
            "put with a broken entry": {"op": "put", "entry": dict(base["entries"][key], size=-1)},
            "stats without since": {"op": "stats", "stats": {"hits": 1, "misses": 2}},
        }
        accepted_lines = {"touch with an unknown member": dict(touch, future=True)}

        def variant(change):
            d = copy.deepcopy(base)
            change(d)
            return d
        result = {
            "missing": False,
            "problems": problems,
            "defs_differing": shared,
            "broken_accepted": [n for n, c in broken.items() if not errors(index_validator, variant(c))]
            + [n for n, l in broken_lines.items() if not errors(journal_validator, l)],
            "valid_rejected": ["%s: %s" % (n, errors(index_validator, variant(c))) for n, c in accepted.items()
                               if errors(index_validator, variant(c))]
            + ["%s: %s" % (n, errors(journal_validator, l)) for n, l in accepted_lines.items()
               if errors(journal_validator, l)],
            "checked": len(broken) + len(broken_lines),
        }
        open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(result))
        """#

    struct Report: Decodable {
        var missing: Bool
        var problems: [String]?
        var defsDiffering: [String]?
        var brokenAccepted: [String]?
        var validRejected: [String]?
        var checked: Int?
    }

    struct Job: Encodable {
        var indexSchema: String
        var journalSchema: String
        var indexes: [[String]]
        var journalLines: [[String]]
    }

    static func validate(indexes: [(String, String)], journalLines: [(String, String)]) throws -> Report? {
        let root = PythonProcess.repositoryRoot
        let job = Job(
            indexSchema: root.appendingPathComponent("schemas/cache-index.schema.json").path,
            journalSchema: root.appendingPathComponent("schemas/cache-journal-record.schema.json").path,
            indexes: indexes.map { [$0.0, $0.1] },
            journalLines: journalLines.map { [$0.0, $0.1] }
        )
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let input = String(decoding: try encoder.encode(job), as: UTF8.self)
        let output = try PythonReference.run(script: validatorScript, input: input)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let report = try decoder.decode(Report.self, from: Data(output.utf8))
        guard !report.missing else {
            Issue.record(
                "python3 has no jsonschema module: run scripts/install-dependencies (it installs Debian's python3-jsonschema)"
            )
            return nil
        }
        return report
    }

    /// The example index in `docs/cache-format.md`.
    static func documentedExample() throws -> String {
        let document = try String(
            contentsOf: PythonProcess.repositoryRoot.appendingPathComponent("docs/cache-format.md"),
            encoding: .utf8
        )
        let start = try #require(document.range(of: "```json\n"))
        let end = try #require(document.range(of: "```", range: start.upperBound..<document.endIndex))
        return String(document[start.upperBound..<end.lowerBound])
    }

    static func journalLines(_ path: String, label: String) throws -> [(String, String)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"), "\(label) ends with a complete line")
        return text.split(separator: "\n").enumerated().map { ("\(label):\($0.offset + 1)", String($0.element)) }
    }

    @Test func everythingTheLibraryWritesValidatesAndBrokenDocumentsDoNot() async throws {
        let fixture = try await CacheFixture()
        let directory = fixture.directory
        // While the writer is open: index.json from the earlier session, a journal of puts, touches and stats.
        let openIndex = try String(contentsOfFile: directory + "/index.json", encoding: .utf8)
        let openJournal = try Self.journalLines(directory + "/index.journal", label: "open journal")
        #expect(
            Set(openJournal.compactMap { $0.1.split(separator: "\"").dropFirst(3).first }) == [
                "begin", "put", "touch", "stats",
            ]
        )
        try await fixture.cache.close()
        let closedIndex = try String(contentsOfFile: directory + "/index.json", encoding: .utf8)
        let closedJournal = try Self.journalLines(directory + "/index.journal", label: "closed journal")

        let report = try Self.validate(
            indexes: [
                ("closed index.json", closedIndex), ("open index.json", openIndex),
                ("docs/cache-format.md", try Self.documentedExample()),
            ],
            journalLines: openJournal + closedJournal
        )
        guard let report else { return }
        #expect(report.problems == [], "\(report.problems ?? [])")
        #expect(report.defsDiffering == [], "the journal schema's $defs must be copies of the index schema's")
        #expect(report.brokenAccepted == [], "the schemas accept broken documents")
        #expect(report.validRejected == [], "the schemas reject what readers must ignore")
        #expect((report.checked ?? 0) > 20)
    }

    @Test func theIndexHasTheDocumentedLayout() async throws {
        let fixture = try await CacheFixture()
        try await fixture.cache.close()
        let text = try String(contentsOfFile: fixture.directory + "/index.json", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let count = CacheFixture.phrases.count + 2
        #expect(lines.count == count + 3)  // header, entries, "}}", and "" after the last line feed
        #expect(lines.first?.hasPrefix(#"{"format":"audiocache-index","format_version":1,"generation":"#) == true)
        #expect(lines.first?.hasSuffix(#","entries":{"#) == true)
        #expect(text.hasSuffix("\n}}\n"))
        let keys = lines.dropFirst().prefix(count).map { String($0.dropFirst().prefix(32)) }
        #expect(keys == keys.sorted())
        #expect(lines.dropFirst().prefix(count - 1).allSatisfy { $0.hasSuffix("},") })
    }

    @Test func theDocumentedFingerprintExample() {
        let rendering = RenderingDescription(
            provider: "elevenlabs",
            modelID: "eleven_multilingual_v2",
            outputFormat: "mp3_44100_128",
            voiceSettings: [
                VoiceSetting(name: "use_speaker_boost", value: .bool(true)),
                VoiceSetting(name: "stability", value: .number(0.5)),
                VoiceSetting(name: "similarity_boost", value: .number(0.75)),
            ],
            text: "¡Hola mundo!"
        )
        #expect(
            String(decoding: rendering.canonicalJSON, as: UTF8.self)
                == #"{"model_id":"eleven_multilingual_v2","output_format":"mp3_44100_128","provider":"elevenlabs","text":"¡Hola mundo!","voice_settings":{"similarity_boost":0.75,"stability":0.5,"use_speaker_boost":true}}"#
        )
        #expect(rendering.fingerprint.description == "fa9b450d57b83b7ee4af5d588f54cdb4f5a5ff5bf6046cb1d8c644e310071150")
        let bare = RenderingDescription(provider: "espeak-ng", outputFormat: "wav", text: "a\"b\\c\td\u{1}/é")
        #expect(
            String(decoding: bare.canonicalJSON, as: UTF8.self)
                == #"{"model_id":null,"output_format":"wav","provider":"espeak-ng","text":"a\"b\\c\td\u0001/é","voice_settings":{}}"#
        )
    }
}

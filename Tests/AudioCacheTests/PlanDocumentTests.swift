import AudioCacheTestSupport
import Foundation
import Testing

@testable import AudioCache

/// `PlanDocument.jsonData()` (a hand-written `JSONWriter`) against the same document through
/// `EncodablePlanDocument` and `JSONEncoder`, byte for byte, on plans with every kind of content.
@Suite struct PlanDocumentTests {
    /// Texts that need escapes, or must pass through untouched.
    static let trickyTexts: [String] = [
        "She said \"hi\"", "back\\slash \\n not a newline", "a/b and </script>",
        String(decoding: (0..<0x20).map { UInt8($0) } + [0x7F], as: UTF8.self) + "end",
        "line\u{2028}separator\u{2029}paragraph", "emoji 😀 👩‍👩‍👧 🇪🇸", "cafe\u{301} (NFD)", "caf\u{E9} (NFC)",
        "\u{FEFF}bom", "tab\there", "cr\r\nlf", "Ωmega ΣΑΣ", "\u{1F}", "\\u0041 is not A",
    ]

    enum Fixture: String, CaseIterable, Sendable {
        case empty, emptyFiles, sample, trickyTexts, problems, manyVariants, statuses

        var plan: Plan {
            var builder = PlanBuilder()
            var inventory: any CacheInventory = EmptyCacheInventory()
            switch self {
            case .empty:
                break
            case .emptyFiles:
                builder.add(phrasesOf: "a.csv", phrases: [])
                builder.add(phrasesOf: "b/c.json", phrases: [])
            case .sample:
                builder.add(
                    phrasesOf: "manifests/a.csv",
                    phrases: [
                        phrase("US", voice: "en-us", language: "en", id: "nav.us", line: 2),
                        phrase("us", voice: "en-us", language: "en", model: "m1", id: "nav.us2", line: 3),
                        phrase("Welcome", id: "greet", line: 4, column: 7),
                        phrase("Hello", id: "greet", line: 5),
                        phrase("US", voice: "en-us", language: "en", line: 6, column: 1),
                    ]
                )
                builder.add(
                    phrasesOf: "manifests/b.json",
                    phrases: [
                        phrase("Us", voice: "en-us", language: "en", model: "m2", line: 7, column: 3),
                        phrase("welcome", id: "greet", line: 8),
                        phrase("Hola", voice: "es", language: "es", model: "eleven_multilingual_v2", line: 9),
                    ]
                )
            case .trickyTexts:
                let texts = PlanDocumentTests.trickyTexts
                builder.add(
                    phrasesOf: "manifests/\"quoted\" \\ dir/ñ file.csv",
                    phrases: texts.enumerated().map { index, text in
                        phrase(
                            text,
                            model: index.isMultiple(of: 3) ? "m\"/\\" : nil,
                            id: "id\t\(index)",
                            line: index + 2
                        )
                    }
                )
                // Collide with the first texts: the keys normalize case and whitespace.
                builder.add(
                    phrasesOf: "manifests/second.csv",
                    phrases: texts.prefix(4).enumerated().map { index, text in
                        phrase(text.uppercased() + " ", id: "id\t\(index)", line: index + 2, column: index + 1)
                    }
                )
            case .problems:
                builder.add(phrasesOf: "ok.csv", phrases: [phrase("Hola", line: 2)])
                builder.skip([
                    AudioCacheError.badData(
                        at: SourceLocation(file: "bad.csv", line: 3, column: 9),
                        "text is \"empty\""
                    ),
                    AudioCacheError(.missingInput, at: SourceLocation(file: "gone/\u{1}.csv"), "no such file"),
                    AudioCacheError(.io, "no location\nat all"),
                    AudioCacheError.gathering([
                        AudioCacheError.badData(at: SourceLocation(file: "x.jsonl", line: 1), "first"),
                        AudioCacheError.gathering([
                            AudioCacheError.badData(at: SourceLocation(file: "x.jsonl", line: 2), "second"),
                            AudioCacheError.badData(at: SourceLocation(file: "x.jsonl", line: 3, column: 4), "third"),
                        ]),
                    ]),
                ])
            case .manyVariants:
                // One key written 20 ways (more than the variant list searches one by one), one id
                // used for 20 texts.
                let spaced: [Phrase] = (0..<60).map { index in
                    let text = "a" + String(repeating: " ", count: 1 + index % 20) + "b"
                    return phrase(text, id: "same", line: index + 2)
                }
                let numbered: [Phrase] = (0..<40).map { index in
                    phrase("text \(index % 20)", id: "x", line: index + 100)
                }
                builder.add(phrasesOf: "many.csv", phrases: spaced + numbered)
            case .statuses:
                builder.add(
                    phrasesOf: "s.csv",
                    phrases: [
                        phrase("cached one", line: 2), phrase("stale one", voice: "b", line: 3),
                        phrase("new one", voice: "a", language: "zz", line: 4),
                        phrase("New one", voice: "a", language: "zz", line: 5),
                    ]
                )
                inventory = PrefixInventory()
            }
            return builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: inventory)
        }
    }

    struct PrefixInventory: CacheInventory {
        func status(of rendering: Rendering) -> RenderingStatus {
            rendering.text.hasPrefix("cached") ? .cached : rendering.text.hasPrefix("stale") ? .stale : .missing
        }

        /// Cached renderings approved, stale ones flagged.
        func verdicts(of renderings: RenderingList) -> [ReviewVerdict] {
            renderings.map { [.cached: .approved, .stale: .flagged][status(of: $0)] ?? .unreviewed }
        }
    }

    /// What `JSONEncoder` made of the document before `JSONWriter` replaced it.
    static func reference(_ document: PlanDocument) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(EncodablePlanDocument(document: document))
        data.append(0x0A)
        return data
    }

    @Test(arguments: Fixture.allCases, [false, true])
    func bytesMatchJSONEncoder(fixture: Fixture, listRenderings: Bool) throws {
        let document = PlanDocument(plan: fixture.plan, cache: "cache/\"dir\"", listRenderings: listRenderings)
        let actual = document.jsonData()
        let expected = try Self.reference(document)
        #expect(
            actual == expected,
            "\(String(decoding: actual, as: UTF8.self))\n!=\n\(String(decoding: expected, as: UTF8.self))"
        )
    }

    @Test(arguments: Fixture.allCases)
    func roundTripsThroughJSONSerialization(fixture: Fixture) throws {
        let plan = fixture.plan
        let data = PlanDocument(plan: plan, cache: "c", listRenderings: true).jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["format"] as? String == "audiocache-plan")
        #expect(object["version"] as? Int == 1)
        #expect(object["key_scheme"] as? String == "md5-text-voice-language-v1")
        #expect(object["cache"] as? String == "c")
        #expect((object["files"] as? [String])?.map { Array($0.utf8) } == plan.files.map { Array($0.utf8) })
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["phrases"] as? Int == plan.totals.phrases)
        #expect(totals["duplicates"] as? Int == plan.totals.duplicates)
        #expect(totals["characters_to_fetch"] as? Int == plan.totals.charactersToFetch)

        let renderings = try #require(object["renderings"] as? [[String: Any]])
        #expect(renderings.map { utf8($0["text"]) } == plan.renderings.map { utf8($0.text) })
        #expect(renderings.map { $0["key"] as? String } == plan.renderings.map { Optional($0.key.description) })
        #expect(renderings.map { $0["model_id"] as? String } == plan.renderings.map(\.modelID))

        let collisions = try #require(object["collisions"] as? [[String: Any]])
        let variantTexts = collisions.map { collision in
            (collision["variants"] as? [[String: Any]] ?? []).map { utf8($0["text"]) }
        }
        #expect(variantTexts == plan.collisions().map { $0.variants.map { utf8($0.text) } })
        let sourceLines = collisions.map { collision in
            (collision["variants"] as? [[String: Any]] ?? []).map { variant in
                (variant["sources"] as? [[String: Any]] ?? []).map { [$0["line"] as? Int, $0["column"] as? Int] }
            }
        }
        #expect(sourceLines == plan.collisions().map { $0.variants.map { $0.sources.map { [$0.line, $0.column] } } })
        let conflicts = try #require(object["id_conflicts"] as? [[String: Any]])
        #expect(conflicts.map { $0["id"] as? String } == plan.idConflicts().map { Optional($0.id) })
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.map { $0["message"] as? String } == plan.problems.flatMap(Self.messages).map { Optional($0) })
    }

    static func messages(_ error: AudioCacheError) -> [String] {
        error.problems.isEmpty ? [error.message] : error.problems.flatMap(messages)
    }

    @Test func textsComeBackByteForByte() throws {
        struct Document: Decodable {
            struct Entry: Decodable { var text: String }
            var renderings: [Entry]
        }
        let plan = Fixture.trickyTexts.plan
        let data = PlanDocument(plan: plan, cache: "c", listRenderings: true).jsonData()
        let texts = try JSONDecoder().decode(Document.self, from: data).renderings.map(\.text)
        #expect(texts.map { Array($0.utf8) } == Self.trickyTexts.map { Array($0.utf8) })
        #expect(plan.collisions().count == 4)
        // JSONSerialization (unlike JSONDecoder) drops a byte order mark that starts a string
        // value, so the round trip above compares without it; the mark is in the document.
        #expect(String(decoding: data, as: UTF8.self).contains("\"text\" : \"\u{FEFF}bom\""))
    }

    @Test func aKeyWrittenManyWaysListsEveryVariantInOrder() throws {
        let plan = Fixture.manyVariants.plan
        let collision = try #require(plan.collisions().first)
        #expect(collision.variants.count == 20)
        #expect(collision.variants.map(\.text) == (0..<20).map { "a" + String(repeating: " ", count: 1 + $0) + "b" })
        #expect(collision.variants.map { $0.sources.map(\.line) } == (0..<20).map { [$0 + 2, $0 + 22, $0 + 42] })
        let conflict = try #require(plan.idConflicts().last)
        #expect(conflict.variants.map(\.text) == (0..<20).map { "text \($0)" })
        #expect(conflict.variants.map { $0.sources.map(\.line) } == (0..<20).map { [$0 + 100, $0 + 120] })
    }

    @Test(arguments: [1, 7, 2_048])
    func writingToAFileGivesTheSameBytesInChunks(collisionsPerPart: Int) async throws {
        // Megabytes, so that the document is written in more than one chunk.
        var builder = PlanBuilder()
        for file in 0..<6 {
            builder.add(
                phrasesOf: "big/part-\(file).csv",
                phrases: (0..<4_000).map { index in
                    let text = "Phrase number \(index % 3_000) with some length to it, \"quoted\" \\ and ñ"
                    return phrase(
                        index.isMultiple(of: 7) ? text.uppercased() : text,
                        id: "p\(file)-\(index)",
                        line: index + 2
                    )
                }
            )
        }
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory())
        let document = PlanDocument(plan: plan, cache: "cache", listRenderings: true)
        let expected = document.jsonData()
        #expect(expected.count > 1 << 20)
        #expect(expected == (try Self.reference(document)))

        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("plan.json").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try await document.write(to: handle, collisionsPerPart: collisionsPerPart)
        try handle.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == expected)
    }
}

/// The UTF-8 bytes of a string, to compare texts without Swift's canonical equivalence, less a
/// leading byte order mark (which `JSONSerialization` drops from string values).
private func utf8(_ value: Any?) -> [UInt8]? {
    guard let text = value as? String else { return nil }
    let bytes = Array(text.utf8)
    return bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
}

extension PlanBuilder {
    fileprivate mutating func add(phrasesOf file: String, phrases: [Phrase]) {
        add(file: file, phrases: KeyedPhrases(phrases, scheme: .md5TextVoiceLanguageV1))
    }
}

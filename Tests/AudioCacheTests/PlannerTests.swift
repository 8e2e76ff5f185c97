import AudioCacheTestSupport
import Testing

@testable import AudioCache

@Suite(.timeLimit(.minutes(1))) struct PlannerTests {
    @Test func theFirstBadFileStopsThePlanWithEveryProblemOfThatFile() async throws {
        let folder = try TemporaryFolder()
        try folder.write("1-good.csv", "text,voice_id,language\nHola,es,es\n")
        try folder.write("2-bad.csv", "text,voice_id,language\n,es,es\nAdiós,es,../x\nBien,es,es\n")
        try folder.write("3-bad.jsonl", "{\"text\": \"\"}\n")
        let planner = Planner(options: PlanOptions(concurrency: 3))
        do {
            _ = try await planner.plan(paths: [folder.path])
            Issue.record("a bad file must stop the plan")
        } catch let error as AudioCacheError {
            #expect(
                error.description
                    == """
                    \(folder.path)/2-bad.csv:2: text is empty
                    \(folder.path)/2-bad.csv:3: language "../x" is not allowed; use 1-35 of A-Z a-z 0-9 - _ starting with a letter or digit
                    """
            )
            #expect(error.kind == .badData)
        }
    }

    @Test func skippingInvalidInputKeepsTheGoodPhrasesOfEveryFile() async throws {
        let folder = try TemporaryFolder()
        try folder.write("a.csv", "text,voice_id,language\nHola,es,es\n,es,es\n")
        try folder.write("b.json", "{\"phrases\": [\"Adiós\"], \"voice_id\": \"es\", \"language\": \"es\"")
        try folder.write("c.xml", "<script voice=\"es\" language=\"es\"><line>Hola</line><line>Buenas</line></script>")
        try folder.write("d.csv", "text,voice_id,language\nAntes del error,es,es\n\"sin cerrar,es,es\n")
        let plan = try await Planner(options: PlanOptions(skipInvalid: true)).plan(paths: [folder.path])
        #expect(plan.renderings.map(\.text) == ["Hola", "Buenas"])
        #expect(plan.totals.phrases == 3)
        #expect(plan.problems.count == 3)
        #expect(plan.problems.last?.description.hasPrefix(folder.path + "/d.csv:3:") == true)
        #expect(
            plan.files == [
                folder.path + "/a.csv", folder.path + "/b.json", folder.path + "/c.xml", folder.path + "/d.csv",
            ]
        )
    }

    /// A large JSON Lines file is read in parts at once; lines, sources and problems must come out
    /// as if it had been read whole, wherever the parts happen to cut it.
    @Test(arguments: [1, 7, 64, 1_000])
    func aJSONLinesFileReadInPartsGivesThePlanOfTheWholeFile(partSize: Int) async throws {
        let folder = try TemporaryFolder()
        var lines = ["\u{FEFF}{\"text\": \"Primera\", \"id\": \"p0\"}"]
        for row in 0..<120 {
            switch row % 9 {
            case 0: lines.append("")
            case 1: lines.append("   \r")
            case 2: lines.append("{\"text\": \"FRASE \(row % 13)\", \"id\": \"p\(row % 50)\"}\r")
            case 3: lines.append("\"Cadena \\u00e9 \(row % 11)\"")
            default:
                lines.append("{\"text\": \"Frase \(row % 13)\", \"voice_id\": \"v\(row % 3)\", \"id\": \"p\(row)\"}")
            }
        }
        lines.append("{\"text\": \"Sin salto final\"}")
        try folder.write("a.jsonl", lines.joined(separator: "\n"))
        try folder.write("b.csv", "text,voice_id,language\nFrase 1,es,es\n")
        let paths = [folder.path]
        let outer = PhraseDefaults(voiceID: "es", language: "es")
        let (whole, parts, options) = try await Self.planWholeAndInParts(paths, outer: outer, partSize: partSize)
        #expect(parts.files == [folder.path + "/a.jsonl", folder.path + "/b.csv"])
        #expect(parts.totals == whole.totals)
        #expect(parts.totals.phrases == 95)
        #expect(parts.renderings.first?.firstSource.line == 1)
        #expect(parts.renderings.first { $0.text == "Sin salto final" }?.firstSource.line == 122)

        // A bad file stops the plan with the problems of the whole file, numbered as in the file.
        try folder.write("a.jsonl", lines.joined(separator: "\n") + "\n{\"text\": 5}\n\n{\"txt\": \"x\"}\n")
        let expected = await Self.failure(Planner(options: PlanOptions(defaults: outer)), paths)
        #expect(expected?.contains("a.jsonl:123:") == true)
        #expect(expected?.contains("a.jsonl:125:") == true)
        #expect(await Self.failure(Planner(options: options), paths) == expected)
    }

    /// A large CSV file is read in parts too, cut only where a record ends: quoted fields with
    /// line breaks and doubled quotes, CRLF and blank lines must come out as if read whole.
    @Test(arguments: [1, 5, 64, 1_000])
    func aCSVFileReadInPartsGivesThePlanOfTheWholeFile(partSize: Int) async throws {
        let folder = try TemporaryFolder()
        var rows = ["\u{FEFF}text,voice_id,id,scene"]
        for row in 0..<120 {
            switch row % 7 {
            case 0: rows.append("")
            case 1: rows.append("\"Frase \(row % 13)\nen dos líneas\",v\(row % 3),p\(row % 40),intro\r")
            case 2: rows.append("\"Dijo \"\"hola\"\"\r\n\n\",v1,,\"a,b\"")
            case 3: rows.append("FRASE \(row % 13),,p\(row),")
            default: rows.append("Frase \(row % 13),v\(row % 3),p\(row),\"\"")
            }
        }
        rows.append("Sin salto final,v0,,")
        try folder.write("a.csv", rows.joined(separator: "\n"))
        try folder.write("b.jsonl", "{\"text\": \"Frase 1\"}\n")
        let paths = [folder.path]
        let outer = PhraseDefaults(voiceID: "v0", language: "es")
        let (_, parts, options) = try await Self.planWholeAndInParts(paths, outer: outer, partSize: partSize)
        #expect(parts.totals.phrases == 104)
        #expect(parts.renderings.first { $0.text == "Sin salto final" }?.firstSource.line == 173)

        // A bad record stops the plan with the problems of the whole file, wherever it is; so does
        // a quote that is never closed, which makes the parts cut inside records.
        for bad in ["Una,v0,p1", "\"sin cerrar,v0,p1,\n" + rows[2]] {
            try folder.write("a.csv", (rows + [bad] + rows.suffix(40)).joined(separator: "\n"))
            let expected = await Self.failure(Planner(options: PlanOptions(defaults: outer)), paths)
            #expect(expected?.contains("a.csv:17") == true, "\(expected ?? "no failure")")
            #expect(await Self.failure(Planner(options: options), paths) == expected)
        }
    }

    /// A quote inside an unquoted field is literal, and it breaks the count of quotes the parts are
    /// cut by: a cut lands inside a quoted field, and the rest of the file is read again as one
    /// part, so the plan is still the whole file's.
    @Test(arguments: [1, 5, 64, 1_000])
    func literalQuotesDoNotChangeWhatAFileReadInPartsGives(partSize: Int) async throws {
        let folder = try TemporaryFolder()
        var rows = ["text,voice_id,id"]
        for row in 0..<90 {
            switch row % 5 {
            case 0: rows.append("Mide 6'\(row)\" de alto,v\(row % 3),h\(row)")
            case 1: rows.append("\"Una frase\ncon \"\"salto\"\"\",v1,q\(row)")
            case 2: rows.append("En 37°\(row)'37.8\"N y 3\"W,v2,")
            default: rows.append("Frase \(row % 17),v\(row % 3),p\(row)")
            }
        }
        try folder.write("a.csv", rows.joined(separator: "\n") + "\n")
        try folder.write("b.csv", "text\nOtra\n")
        let outer = PhraseDefaults(voiceID: "v0", language: "es")
        let (_, parts, _) = try await Self.planWholeAndInParts([folder.path], outer: outer, partSize: partSize)
        #expect(parts.totals.phrases == 91)
        #expect(parts.renderings.contains { $0.text == "Mide 6'85\" de alto" && $0.firstSource.line == 104 })
    }

    /// The plan of `paths` read whole and read in parts of `partSize` bytes, which must be the same
    /// document byte for byte, and the options of the second.
    private static func planWholeAndInParts(
        _ paths: [String],
        outer: PhraseDefaults,
        partSize: Int,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws -> (whole: Plan, parts: Plan, options: PlanOptions) {
        let whole = try await Planner(options: PlanOptions(defaults: outer)).plan(paths: paths)
        var options = PlanOptions(defaults: outer, concurrency: 3)
        options.partSize = partSize
        let parts = try await Planner(options: options).plan(paths: paths)
        #expect(
            PlanDocument(plan: parts, cache: "c", listRenderings: true).jsonData()
                == PlanDocument(plan: whole, cache: "c", listRenderings: true).jsonData(),
            sourceLocation: sourceLocation
        )
        return (whole, parts, options)
    }

    private static func failure(_ planner: Planner, _ paths: [String]) async -> String? {
        do {
            _ = try await planner.plan(paths: paths)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [1, 2, 8])
    func thePlanDoesNotDependOnHowManyFilesAreReadAtOnce(concurrency: Int) async throws {
        let folder = try TemporaryFolder()
        for file in 0..<12 {
            let rows = (0..<50).map { row in "Frase \(row % 17) del fichero \(file % 3),es,es" }
            try folder.write("part-\(file).csv", "text,voice_id,language\n" + rows.joined(separator: "\n"))
        }
        let reference = try await Planner(options: PlanOptions(concurrency: 1)).plan(paths: [folder.path])
        let plan = try await Planner(options: PlanOptions(concurrency: concurrency)).plan(paths: [folder.path])
        #expect(plan.renderings.map(\.key) == reference.renderings.map(\.key))
        #expect(plan.renderings.map(\.firstSource) == reference.renderings.map(\.firstSource))
        #expect(plan.totals == reference.totals)
        #expect(plan.totals.renderings == 51)
        #expect(plan.totals.phrases == 600)
    }

    @Test func theIndexesAreSizedFromThePhrasesPerByteButNeverWildly() {
        #expect(Planner.expectedPhrases(seen: 100, inBytes: 1_000, ofBytes: 8_000) == 840)
        #expect(Planner.expectedPhrases(seen: 100, inBytes: 100, ofBytes: 8_000) == 1_600)
        #expect(Planner.expectedPhrases(seen: 100, inBytes: 4_000, ofBytes: 8_000) == 210)
        #expect(Planner.expectedPhrases(seen: 100, inBytes: 8_000, ofBytes: 8_000) == 105)
        #expect(Planner.expectedPhrases(seen: 5, inBytes: 0, ofBytes: 8_000) == 5)
    }
}

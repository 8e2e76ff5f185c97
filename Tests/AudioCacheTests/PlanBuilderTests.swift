import Testing

@testable import AudioCache

@Suite struct PlanBuilderTests {

    @Test func deduplicatesByKeyKeepingTheFirstOriginalText() {
        var builder = PlanBuilder()
        builder.add(
            phrasesOf: "a.csv",
            phrases: [phrase("Hola  mundo", line: 2), phrase("hola mundo", line: 3), phrase("Adiós", line: 4)]
        )
        builder.add(phrasesOf: "b.csv", phrases: [phrase("HOLA MUNDO", file: "b.csv", line: 2)])
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory())

        #expect(plan.renderings.map(\.text) == ["Hola  mundo", "Adiós"])
        #expect(plan.list[0].occurrences == 3)
        #expect(plan.list[0].firstSource == PhraseSource(file: "a.csv", line: 2))
        #expect(plan.list[1].characters == 5)
        #expect(plan.totals.phrases == 4)
        #expect(plan.totals.renderings == 2)
        #expect(plan.totals.duplicates == 2)
        #expect(plan.totals.characters == 11 + 5)
        #expect(plan.totals.missing == 2)
        #expect(plan.totals.charactersToFetch == 16)
        #expect(plan.files == ["a.csv", "b.csv"])
    }

    @Test func reportsCollisionsWithEverySourceByVariant() throws {
        var builder = PlanBuilder()
        builder.add(
            phrasesOf: "a.csv",
            phrases: [phrase("US", line: 2), phrase("us", line: 3), phrase("US", line: 4), phrase("Us", line: 5)]
        )
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory())

        let collision = try #require(plan.collisions().first)
        #expect(plan.collisions().count == 1)
        #expect(collision.variants.map(\.text) == ["US", "us", "Us"])
        #expect(collision.variants[0].sources.map(\.line) == [2, 4])
        #expect(collision.variants[1].sources.map(\.line) == [3])
        #expect(plan.totals.collisions == 1)
        #expect(plan.groups.first?.counts.collisions == 1)
    }

    @Test func aDifferentModelForTheSameKeyIsACollision() {
        var builder = PlanBuilder()
        builder.add(
            phrasesOf: "a.csv",
            phrases: [phrase("Hola", model: "m1", line: 2), phrase("Hola", model: "m2", line: 3)]
        )
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory())
        #expect(plan.collisions().first?.variants.map(\.modelID) == ["m1", "m2"])
    }

    @Test func canonicallyEquivalentTextsAreDifferentRenderings() {
        var builder = PlanBuilder()
        builder.add(phrasesOf: "a.csv", phrases: [phrase("caf\u{E9}", line: 2), phrase("cafe\u{301}", line: 3)])
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory())
        #expect(plan.renderings.count == 2)
        #expect(plan.collisions().isEmpty)
    }

    @Test func reportsOneIDUsedForDifferentTextsWithinAVoiceAndLanguage() throws {
        var builder = PlanBuilder()
        builder.add(
            phrasesOf: "a.csv",
            phrases: [
                phrase("Welcome", voice: "en", language: "en", id: "greet", line: 2),
                phrase("Bienvenido", id: "greet", line: 3),
                phrase("Hello", voice: "en", language: "en", id: "greet", line: 4),
                phrase("Welcome", voice: "en", language: "en", id: "greet", line: 5),
            ]
        )
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory())
        let conflict = try #require(plan.idConflicts().first)
        #expect(plan.idConflicts().count == 1)
        #expect(conflict.id == "greet")
        #expect(conflict.voiceID == "en")
        #expect(conflict.variants.map(\.text) == ["Welcome", "Hello"])
        #expect(conflict.variants[0].sources.map(\.line) == [2, 5])
    }

    @Test func groupsAreSortedAndStatusesComeFromTheInventory() {
        struct EveryOtherCached: CacheInventory {
            func status(of rendering: Rendering) -> RenderingStatus {
                rendering.text.hasPrefix("cached") ? .cached : rendering.text.hasPrefix("stale") ? .stale : .missing
            }
        }
        var builder = PlanBuilder()
        builder.add(
            phrasesOf: "a.csv",
            phrases: [
                phrase("cached one", voice: "es", language: "es", line: 2),
                phrase("stale one", voice: "en-us", language: "en", line: 3),
                phrase("new one", voice: "en-us", language: "en", line: 4),
                phrase("new one", voice: "en-us", language: "en", line: 5),
            ]
        )
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EveryOtherCached())
        #expect(plan.groups.map { "\($0.voiceID)/\($0.language)" } == ["en-us/en", "es/es"])
        #expect(plan.groups[0].counts.phrases == 3)
        #expect(plan.groups[0].counts.stale == 1)
        #expect(plan.groups[0].counts.missing == 1)
        #expect(plan.groups[0].counts.charactersToFetch == 9 + 7)
        #expect(plan.groups[1].counts.cached == 1)
        #expect(plan.totals.cached == 1)
        #expect(plan.renderingsToFetch.map(\.text) == ["stale one", "new one"])
    }

    @Test func idsWhoseHashesCollideAreStillTellApart() throws {
        var builder = PlanBuilder(idHash: { _, _ in 42 })
        builder.add(
            phrasesOf: "a.csv",
            phrases: [
                phrase("Uno", id: "one", line: 2),
                phrase("Dos", id: "two", line: 3),
                phrase("Uno", id: "one", line: 4),
                phrase("Tres", id: "two", line: 5),
                phrase("Cuatro", voice: "en", language: "en", id: "one", line: 6),
            ]
        )
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory())
        let conflict = try #require(plan.idConflicts().first)
        #expect(plan.idConflictCount == 1)
        #expect(conflict.id == "two")
        #expect(conflict.variants.map(\.text) == ["Dos", "Tres"])
    }

    @Test(arguments: [false, true])
    func idsInNFCAndNFDAreDifferentIDs(forceHashCollisions: Bool) {
        var builder = forceHashCollisions ? PlanBuilder(idHash: { _, _ in 7 }) : PlanBuilder()
        builder.add(
            phrasesOf: "a.csv",
            phrases: [
                phrase("Cero", id: "other", line: 2),
                phrase("Uno", id: "caf\u{E9}", line: 3),
                phrase("Dos", id: "cafe\u{301}", line: 4),
            ]
        )
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory())
        #expect(plan.idConflictCount == 0)
    }

    @Test func theTextReportListsTheFirstCollisionsAndCountsTheRest() {
        var builder = PlanBuilder()
        builder.add(
            phrasesOf: "a.csv",
            phrases: (0..<5).flatMap { index in
                [phrase("Word \(index)", line: 2 * index + 2), phrase("WORD \(index)", line: 2 * index + 3)]
            }
        )
        let plan = builder.finish(keyScheme: .md5TextVoiceLanguageV1, inventory: EmptyCacheInventory())
        let text = plan.summaryText(cache: "cache", listLimit: 2)
        #expect(text.contains("5 collisions: phrases share a key but differ in text or model; the first is rendered"))
        #expect(text.contains("\"Word 1\" at a.csv:4"))
        #expect(!text.contains("\"Word 2\""))
        #expect(text.contains("… and 3 more (all of them are in --json)"))
        #expect(plan.collisions().count == 5)
    }

    @Test func groupedNumbers() {
        #expect(Plan.grouped(0) == "0")
        #expect(Plan.grouped(999) == "999")
        #expect(Plan.grouped(1_000) == "1,000")
        #expect(Plan.grouped(1_234_567) == "1,234,567")
    }
}

extension PlanBuilder {
    fileprivate mutating func add(phrasesOf file: String, phrases: [Phrase]) {
        add(file: file, phrases: KeyedPhrases(phrases, scheme: .md5TextVoiceLanguageV1))
    }
}

@testable import AudioCache

/// A phrase for tests of the plan: Spanish voice and language unless told otherwise.
func phrase(
    _ text: String,
    voice: String = "es",
    language: String = "es",
    model: String? = nil,
    id: String? = nil,
    tags: [String: String] = [:],
    file: String = "a.csv",
    line: Int,
    column: Int? = nil
) -> Phrase {
    Phrase(
        text: text,
        voiceID: voice,
        language: language,
        modelID: model,
        id: id,
        tags: tags,
        location: AudioCache.SourceLocation(file: file, line: line, column: column)
    )
}

/// The phrases a reader of one format is expected to produce: voice and language default to
/// ``ReaderTestSupport/outer``, the file to the format's test path.
struct ExpectedPhrases: Sendable {
    let format: ManifestFormat

    init(_ format: ManifestFormat) {
        self.format = format
    }

    func callAsFunction(
        _ text: String,
        voice: String = "v0",
        language: String = "en",
        model: String? = nil,
        id: String? = nil,
        tags: [String: String] = [:],
        line: Int,
        column: Int? = nil
    ) -> Phrase {
        phrase(
            text,
            voice: voice,
            language: language,
            model: model,
            id: id,
            tags: tags,
            file: ReaderTestSupport.path(format),
            line: line,
            column: column
        )
    }
}

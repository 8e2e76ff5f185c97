/// One line of a manifest after defaults are applied and every field is validated.
///
/// A phrase is what a content team wrote; several phrases with the same cache key become one
/// ``Rendering`` in a ``Plan``.
struct Phrase: Sendable, Hashable {
    /// The text as written in the manifest (not normalized); this is what a provider is sent.
    var text: String
    /// The voice that speaks the phrase.
    var voiceID: String
    /// The language of the text, as given in the manifest (for example `es` or `en-US`).
    var language: String
    /// The provider model, when the manifest names one.
    var modelID: String?
    /// The manifest's own identifier for the phrase, when it has one.
    var id: String?
    /// Extra values the manifest carries (CSV columns other than the known ones, JSON `tags`).
    var tags: [String: String]
    /// Where the phrase was read.
    var location: SourceLocation

    /// Creates a phrase. Readers create phrases through ``ManifestSink``, which validates them.
    /// - Parameters:
    ///   - text: The original text.
    ///   - voiceID: The voice.
    ///   - language: The language.
    ///   - modelID: The provider model, if any.
    ///   - id: The manifest's identifier, if any.
    ///   - tags: Extra values.
    ///   - location: Where the phrase was read.
    init(
        text: String,
        voiceID: String,
        language: String,
        modelID: String? = nil,
        id: String? = nil,
        tags: [String: String] = [:],
        location: SourceLocation
    ) {
        self.text = text
        self.voiceID = voiceID
        self.language = language
        self.modelID = modelID
        self.id = id
        self.tags = tags
        self.location = location
    }
}

/// What one manifest line says, before defaults from the folder layout or the command line are
/// applied and before validation.
///
/// Readers fill in what the line says, already merged with the defaults the file itself declares
/// (a JSON document's top-level fields, an XML `<script>` or `<scene>`'s attributes).
struct RawPhrase: Sendable, Hashable {
    /// The text, or `nil` when the line has none.
    var text: String?
    /// The voice, if the line or its file names one.
    var voiceID: String?
    /// The language, if the line or its file names one.
    var language: String?
    /// The model, if the line or its file names one.
    var modelID: String?
    /// The line's identifier, if any.
    var id: String?
    /// Extra values.
    var tags: [String: String]
    /// Where the line starts.
    var location: SourceLocation

    /// Creates a raw phrase.
    /// - Parameters:
    ///   - text: The text.
    ///   - defaults: The voice, language and model the line or its file sets.
    ///   - id: The line's identifier.
    ///   - tags: Extra values.
    ///   - location: Where the line starts.
    init(
        text: String?,
        defaults: PhraseDefaults = PhraseDefaults(),
        id: String? = nil,
        tags: [String: String] = [:],
        location: SourceLocation
    ) {
        self.text = text
        self.voiceID = defaults.voiceID
        self.language = defaults.language
        self.modelID = defaults.modelID
        self.id = id
        self.tags = tags
        self.location = location
    }
}

/// Voice, language and model defaults at one level: command line, folder, file, scene or line.
public struct PhraseDefaults: Sendable, Hashable {
    /// The default voice.
    public var voiceID: String?
    /// The default language.
    public var language: String?
    /// The default model.
    public var modelID: String?

    /// Creates a set of defaults.
    /// - Parameters:
    ///   - voiceID: The default voice.
    ///   - language: The default language.
    ///   - modelID: The default model.
    public init(voiceID: String? = nil, language: String? = nil, modelID: String? = nil) {
        self.voiceID = voiceID
        self.language = language
        self.modelID = modelID
    }

    /// These defaults with every value that `inner` sets replacing this one's.
    ///
    /// Inner levels are more specific: a line overrides its file, a file its folder, and so on.
    /// - Parameter inner: The more specific level.
    /// - Returns: The merged defaults.
    public func overridden(by inner: PhraseDefaults) -> PhraseDefaults {
        PhraseDefaults(
            voiceID: inner.voiceID ?? voiceID,
            language: inner.language ?? language,
            modelID: inner.modelID ?? modelID
        )
    }
}

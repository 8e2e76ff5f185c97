@testable import AudioCache

/// What reading one XML document produced: the phrases and problems collected in the sink, and the
/// error that stopped the file, if any.
struct XMLReadResult {
    var phrases: [Phrase]
    var problems: [AudioCacheError]
    var error: AudioCacheError?

    /// The problems as `path:line:column: message`.
    var problemDescriptions: [String] { problems.map(\.description) }
}

/// Runs the XML reader on a document given as text.
/// - Parameters:
///   - text: The document.
///   - path: The path reported in locations.
///   - outerDefaults: Defaults from outside the file.
///   - limits: Bounds on the input.
///   - screeningDeclarations: Whether the up-front DTD screen runs (tests of the guards behind it turn it off).
/// - Returns: The phrases, problems and thrown error.
func readXML(
    _ text: String,
    path: String = "script.xml",
    outerDefaults: PhraseDefaults = PhraseDefaults(),
    limits: ManifestLimits = ManifestLimits(),
    screeningDeclarations: Bool = true
) -> XMLReadResult {
    readXML(
        bytes: Array(text.utf8),
        path: path,
        outerDefaults: outerDefaults,
        limits: limits,
        screeningDeclarations: screeningDeclarations
    )
}

/// Runs the XML reader on a document given as bytes.
func readXML(
    bytes: [UInt8],
    path: String = "script.xml",
    outerDefaults: PhraseDefaults = PhraseDefaults(),
    limits: ManifestLimits = ManifestLimits(),
    screeningDeclarations: Bool = true
) -> XMLReadResult {
    var sink = ManifestSink(path: path, outerDefaults: outerDefaults, limits: limits)
    var thrown: AudioCacheError?
    bytes.withUnsafeBytes { raw in
        do throws(AudioCacheError) {
            try XMLManifestReader.read(raw, into: &sink, screeningDeclarations: screeningDeclarations)
        } catch {
            thrown = error
        }
    }
    return XMLReadResult(phrases: sink.phrases, problems: sink.problems, error: thrown)
}

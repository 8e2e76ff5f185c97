import Testing

@testable import AudioCache

/// What a manifest reader made of one input: the phrases, the reported problems and the thrown
/// error, as `path:line:col: message` strings.
struct ReaderOutcome: Sendable {
    var phrases: [Phrase]
    var problems: [String]
    var thrown: String?

    /// The reported problems followed by the thrown error, if any.
    var messages: [String] { problems + (thrown.map { [$0] } ?? []) }
}

/// Runs readers on in-memory inputs.
enum ReaderTestSupport {
    /// The outer defaults every run uses unless told otherwise, so that phrases without a voice
    /// or language still pass.
    static let outer = PhraseDefaults(voiceID: "v0", language: "en")

    /// The path a format's input is reported under: `m.csv`, `m.json`, `m.jsonl`.
    static func path(_ format: ManifestFormat) -> String { "m.\(format.rawValue)" }

    /// Runs a reader on bytes.
    static func run(
        _ format: ManifestFormat,
        _ bytes: [UInt8],
        outer: PhraseDefaults = outer,
        limits: ManifestLimits = ManifestLimits()
    ) -> ReaderOutcome {
        var sink = ManifestSink(path: path(format), outerDefaults: outer, limits: limits)
        var thrown: String?
        bytes.withUnsafeBytes { buffer in
            do throws(AudioCacheError) {
                try format.read(buffer, into: &sink)
            } catch {
                thrown = error.description
            }
        }
        return ReaderOutcome(phrases: sink.phrases, problems: sink.problems.map(\.description), thrown: thrown)
    }

    /// Runs a reader on text.
    static func run(
        _ format: ManifestFormat,
        _ text: String,
        outer: PhraseDefaults = outer,
        limits: ManifestLimits = ManifestLimits()
    ) -> ReaderOutcome {
        run(format, Array(text.utf8), outer: outer, limits: limits)
    }

    /// The bytes of `text` with `bytes` put where `text` holds `%`.
    static func bytes(_ text: String, replacingPercentWith bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: "%") { result += bytes } else { result.append(byte) }
        }
        return result
    }
}

/// An input that must read cleanly into the expected phrases.
struct GoodInput: Sendable, CustomTestStringConvertible {
    var name: String
    var input: [UInt8]
    var expected: [Phrase]
    var testDescription: String { name }

    init(_ name: String, _ input: String, _ expected: [Phrase]) {
        self.name = name
        self.input = Array(input.utf8)
        self.expected = expected
    }
}

/// An input that must yield a given message, reported or thrown.
struct BadInput: Sendable, CustomTestStringConvertible {
    /// How a message must match.
    enum Match: Sendable {
        /// A reported or thrown message equals the text.
        case exactly
        /// A reported or thrown message contains the text.
        case containing
    }

    var name: String
    var input: [UInt8]
    var message: String
    var match: Match
    /// Whether the message must be thrown (`true`) or reported (`false`).
    var isThrown: Bool
    var testDescription: String { name }

    init(_ name: String, _ input: String, thrown message: String, _ match: Match = .containing) {
        self.init(name, Array(input.utf8), message: message, match: match, isThrown: true)
    }

    init(_ name: String, _ input: String, reported message: String, _ match: Match = .containing) {
        self.init(name, Array(input.utf8), message: message, match: match, isThrown: false)
    }

    init(_ name: String, _ input: [UInt8], message: String, match: Match, isThrown: Bool) {
        self.name = name
        self.input = input
        self.message = message
        self.match = match
        self.isThrown = isThrown
    }

    /// Checks an outcome against this case.
    func check(_ outcome: ReaderOutcome, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let candidates = isThrown ? (outcome.thrown.map { [$0] } ?? []) : outcome.problems
        let found = candidates.contains { match == .exactly ? $0 == message : $0.contains(message) }
        #expect(
            found,
            "expected \(isThrown ? "thrown" : "reported") \(message), got \(outcome.messages)",
            sourceLocation: sourceLocation
        )
    }
}

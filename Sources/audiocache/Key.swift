import ArgumentParser
import AudioCache

extension AudioCacheCommand {
    /// `audiocache key`: the cache key of one phrase.
    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the cache key of a phrase, as the runtime computes it.",
            discussion: "md5(\" \".join(text.lower().split()) + \"|\" + voice + \"|\" + language), in hex."
        )

        @Argument(help: "The phrase text.")
        var text: String

        @Option(help: "The voice id.")
        var voice: String

        @Option(help: "The language.")
        var language: String

        @Option(help: "The key scheme.")
        var scheme: String = KeyScheme.md5TextVoiceLanguageV1.rawValue

        func validate() throws {
            guard KeyScheme(rawValue: scheme) != nil else {
                let known = KeyScheme.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("unknown key scheme \"\(scheme)\"; known: \(known)")
            }
        }

        func run() {
            let scheme = KeyScheme(rawValue: scheme) ?? .md5TextVoiceLanguageV1
            print(scheme.key(text: text, voiceID: voice, language: language))
        }
    }
}

import ArgumentParser
import AudioCache

/// The closed choices of the command line, each parsed once by ArgumentParser, which lists their
/// values in `--help` and refuses any other with a usage error (exit 64).

/// `--provider`: who renders the speech.
enum ProviderChoice: String, CaseIterable, ExpressibleByArgument {
    /// ElevenLabs over its HTTP API.
    case elevenlabs
    /// The local espeak-ng engine, offline.
    case espeakNG = "espeak-ng"
}

/// `--policy`: which entries an eviction removes first.
extension EvictionPolicy: ExpressibleByArgument {}

/// `serve --provider`: who renders a phrase that `/api/tts` misses.
enum ServeProviderChoice: String, CaseIterable, ExpressibleByArgument {
    /// Nobody: a miss is a 404.
    case none
    /// ElevenLabs over its HTTP API.
    case elevenlabs
    /// The local espeak-ng engine.
    case espeakNG = "espeak-ng"
}

import AudioCache
import Foundation

/// The local espeak-ng synthesizer, run as a subprocess: the embedded default when no ElevenLabs
/// key is configured.
///
/// Each phrase runs `espeak-ng -b 1 -v VOICE [-s SPEED] [-p PITCH] --stdin --stdout` directly, with
/// no shell in between. The text never appears among the arguments: it is written to an unlinked
/// temporary file that becomes the program's standard input, so no character of it can become an
/// option, a redirection or a command substitution (`--help`, `$(…)`, quotes and line breaks are
/// all just words to say). `-b 1` reads it as UTF-8 whatever the locale. The usual espeak-ng text
/// conventions still apply: `[[…]]` spells phonemes; SSML is not enabled.
///
/// ## Voice and language
/// The phrase's voice id *is* the espeak-ng voice, passed to `-v` as it is: a language voice
/// (`es`, `en-us`, `pt-br`), optionally with a variant (`en-us+f3`, `en-gb+m3`). It must look like
/// one (`NAME` or `NAME+VARIANT`, each a letter or digit followed by letters, digits, `.`, `_` or
/// `-`, 64 characters at most); anything else fails the voice (`invalid_voice`) without running
/// the program. The phrase's language is informational: an espeak-ng voice carries its own
/// language, and the language is **not** used in place of a voice espeak-ng does not know. The
/// cache stores the audio under a key that names the voice, so speaking another voice under it
/// would be a silent lie; an unknown voice fails its phrases (`voice_not_found`) and the message
/// suggests a voice for the phrase's language.
///
/// ## Audio
/// espeak-ng streams WAV to standard output with placeholder sizes in its header (it cannot seek
/// back). The provider sets the RIFF and `data` sizes from the bytes actually received, so the
/// stored file is a valid WAV (16-bit mono PCM, 22,050 Hz), and refuses output that is not a
/// RIFF/WAVE file with at least one sample frame.
///
/// ## Failures
/// - The program cannot be found or run: ``SpeechProviderError/Scope/run``, `espeak_ng_missing`,
///   with the install command.
/// - An unknown voice: ``SpeechProviderError/Scope/voice``, `voice_not_found`.
/// - No exit within ``Options/timeout``: the process is killed; ``SpeechProviderError/Scope/transient(retryAfter:)``,
///   `timeout`.
/// - Another non-zero exit or a signal: ``SpeechProviderError/Scope/phrase``, `espeak_ng_failed`,
///   with the first line of its standard error.
/// - Output that is not audio: ``SpeechProviderError/Scope/transient(retryAfter:)``, `bad_audio`.
/// - Text holding a NUL character (espeak-ng would stop reading there):
///   ``SpeechProviderError/Scope/phrase``, `invalid_text`.
public struct EspeakProvider: StreamingSpeechProvider {
    /// How to run espeak-ng.
    public struct Options: Sendable, Hashable {
        /// The program to run: a path, or `nil` to look `espeak-ng` up on `PATH`.
        public var executable: String?
        /// How long one phrase may take before the process is killed.
        public var timeout: Duration
        /// Words per minute (`-s`, 80–450), or `nil` for espeak-ng's default (175).
        public var speed: Int?
        /// Pitch (`-p`, 0–99), or `nil` for espeak-ng's default (50).
        public var pitch: Int?
        /// The most audio one phrase may produce, in bytes (about 25 minutes of speech by default).
        public var maximumAudioBytes: Int

        /// Creates options.
        /// - Parameters:
        ///   - executable: A path to the program, or `nil` to find `espeak-ng` on `PATH`.
        ///   - timeout: How long one phrase may take.
        ///   - speed: Words per minute (80–450), or `nil` for the default.
        ///   - pitch: Pitch (0–99), or `nil` for the default.
        ///   - maximumAudioBytes: The most audio one phrase may produce.
        public init(
            executable: String? = nil,
            timeout: Duration = .seconds(30),
            speed: Int? = nil,
            pitch: Int? = nil,
            maximumAudioBytes: Int = 64 << 20
        ) {
            self.executable = executable
            self.timeout = timeout
            self.speed = speed
            self.pitch = pitch
            self.maximumAudioBytes = maximumAudioBytes
        }
    }

    /// The program's name, looked up on `PATH` when no executable is given.
    public static let programName = "espeak-ng"

    /// What to tell people when the program is missing.
    public static let installHint = "install it: sudo apt-get install espeak-ng"

    /// The concurrency to use when none is configured: one process per processor core.
    public static var defaultConcurrency: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The speeds espeak-ng accepts, in words per minute.
    public static let speedRange = 80...450

    /// The pitches espeak-ng accepts.
    public static let pitchRange = 0...99

    /// `espeak-ng`.
    public let name = "espeak-ng"

    /// How the program is run.
    public let options: Options

    /// Creates a provider.
    /// - Parameter options: How to run espeak-ng.
    /// - Throws: ``SpeechProviderError`` with scope ``SpeechProviderError/Scope/run`` and reason
    ///   `invalid_option` when the speed, pitch, timeout or audio limit is out of range.
    public init(options: Options = Options()) throws(SpeechProviderError) {
        if let speed = options.speed, !Self.speedRange.contains(speed) {
            throw SpeechProviderError(
                .run,
                reason: "invalid_option",
                "espeak-ng speed \(speed) is outside \(Self.speedRange.lowerBound)–\(Self.speedRange.upperBound) words per minute"
            )
        }
        if let pitch = options.pitch, !Self.pitchRange.contains(pitch) {
            throw SpeechProviderError(
                .run,
                reason: "invalid_option",
                "espeak-ng pitch \(pitch) is outside \(Self.pitchRange.lowerBound)–\(Self.pitchRange.upperBound)"
            )
        }
        guard options.timeout > .zero else {
            throw SpeechProviderError(.run, reason: "invalid_option", "the espeak-ng timeout must be positive")
        }
        guard options.maximumAudioBytes > 44 else {
            throw SpeechProviderError(.run, reason: "invalid_option", "the espeak-ng audio limit is too small")
        }
        self.options = options
    }

    /// The voice settings recorded in a rendering: `speed` and `pitch` when set.
    public var voiceSettings: [VoiceSetting] {
        var settings: [VoiceSetting] = []
        if let pitch = options.pitch { settings.append(VoiceSetting(name: "pitch", value: .number(Double(pitch)))) }
        if let speed = options.speed { settings.append(VoiceSetting(name: "speed", value: .number(Double(speed)))) }
        return settings
    }

    /// Renders one phrase with espeak-ng.
    /// - Parameter request: What to say; the voice id names the espeak-ng voice.
    /// - Returns: A valid WAV file and what was rendered.
    /// - Throws: ``SpeechProviderError``, as the type's documentation lists.
    public func render(_ request: SpeechRequest) async throws(SpeechProviderError) -> SpeechAudio {
        try await speak(request, receive: nil)
    }

    /// Renders one phrase with espeak-ng, passing on its standard output as it is written.
    ///
    /// The parts are the WAV file as espeak-ng writes it to a pipe, with placeholder sizes in its
    /// header (players read such a stream to its end); the returned file has the sizes set.
    /// - Parameters:
    ///   - request: What to say; the voice id names the espeak-ng voice.
    ///   - receive: Called with each part of the output, in order.
    /// - Returns: A valid WAV file and what was rendered.
    /// - Throws: ``SpeechProviderError``, as the type's documentation lists.
    public func stream(
        _ request: SpeechRequest,
        to receive: @escaping @Sendable ([UInt8]) async -> Void
    ) async throws(SpeechProviderError) -> SpeechAudio {
        try await speak(request, receive: receive)
    }

    private func speak(
        _ request: SpeechRequest,
        receive: (@Sendable ([UInt8]) async -> Void)?
    ) async throws(SpeechProviderError) -> SpeechAudio {
        let voice = try Self.espeakVoice(for: request)
        guard !request.text.unicodeScalars.contains("\0") else {
            throw SpeechProviderError(
                .phrase,
                reason: "invalid_text",
                "the text of \(request.key) holds a NUL character, which espeak-ng cannot read"
            )
        }
        let output = try await EspeakProcess.run(
            options: options,
            arguments: arguments(voice: voice),
            text: Array(request.text.utf8),
            receive: receive
        )
        let audio = try Self.audio(from: output, request: request, voice: voice)
        return SpeechAudio(
            bytes: audio,
            rendering: RenderingDescription(
                provider: name,
                modelID: nil,
                outputFormat: "wav",
                voiceSettings: voiceSettings,
                text: request.text
            ),
            billedCharacters: request.text.unicodeScalars.count,
            requestID: nil
        )
    }

    /// The program's arguments for `voice`; the text is never among them.
    /// - Parameter voice: A voice already checked by ``isValidVoice(_:)``.
    /// - Returns: The arguments, without the program name.
    func arguments(voice: String) -> [String] {
        var arguments = ["-b", "1", "-v", voice]
        if let speed = options.speed { arguments += ["-s", String(speed)] }
        if let pitch = options.pitch { arguments += ["-p", String(pitch)] }
        arguments += ["--stdin", "--stdout"]
        return arguments
    }
}

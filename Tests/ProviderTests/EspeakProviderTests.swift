import AudioCache
import AudioCacheProviders
import AudioCacheTestSupport
import Foundation
import Testing

@Suite("espeak-ng provider", .timeLimit(.minutes(1)))
struct EspeakProviderTests {
    @Test(
        "renders real speech as a WAV file Python can read",
        arguments: [
            ("Hola, ¿cómo estás? Bienvenido a la aplicación.", "es", "es"),
            ("Welcome back! Your order has shipped.", "en-us", "en-US"),
            ("Good morning.", "en-us+f3", "en-US"),
            ("Good evening.", "en-gb+m3", "en-GB"),
        ]
    )
    func realSpeech(text: String, voice: String, language: String) async throws {
        let folder = try TemporaryFolder()
        let provider = try EspeakProvider()
        let audio = try await provider.render(.sample(text, voice: voice, language: language))
        #expect(AudioContainer.detect(audio.bytes, declaredAs: "wav") == .wav)
        let frames = try WAVCheck.pythonFrameCount(audio.bytes, in: folder)
        #expect(frames > 2_205)  // more than 0.1 s at 22,050 Hz
        #expect(audio.bytes.count == 44 + 2 * frames)
        #expect(audio.billedCharacters == text.unicodeScalars.count)
        #expect(audio.requestID == nil)
        #expect(audio.rendering == RenderingDescription(provider: "espeak-ng", outputFormat: "wav", text: text))
    }

    @Test("records speed and pitch as voice settings and passes them on")
    func speedAndPitch() async throws {
        let folder = try TemporaryFolder()
        let slow = try EspeakProvider(options: .init(speed: 90, pitch: 20))
        let fast = try EspeakProvider(options: .init(speed: 400))
        let request = SpeechRequest.sample(
            "The quick brown fox jumps over the lazy dog.",
            voice: "en-us",
            language: "en"
        )
        let slowAudio = try await slow.render(request)
        let fastAudio = try await fast.render(request)
        #expect(
            slowAudio.rendering.voiceSettings == [
                VoiceSetting(name: "pitch", value: .number(20)), VoiceSetting(name: "speed", value: .number(90)),
            ]
        )
        #expect(fastAudio.rendering.voiceSettings == [VoiceSetting(name: "speed", value: .number(400))])
        let slowFrames = try WAVCheck.pythonFrameCount(slowAudio.bytes, in: folder)
        let fastFrames = try WAVCheck.pythonFrameCount(fastAudio.bytes, in: folder)
        #expect(slowFrames > 2 * fastFrames)
    }

    @Test(
        "says hostile text instead of obeying it",
        arguments: [
            "--help",
            "-v xx --stdout -w /tmp/x.wav",
            "$(touch MARKER-1) `touch MARKER-2`; touch MARKER-3 && echo \"quoted\" 'single' \\ back",
            "first line\nsecond line, with \"quotes\"\n-- third $(line)\n",
        ]
    )
    func hostileText(template: String) async throws {
        let folder = try TemporaryFolder()
        let text = template.replacingOccurrences(of: "MARKER", with: folder.path + "/marker")
        let provider = try EspeakProvider()
        let audio = try await provider.render(.sample(text, voice: "en-us", language: "en"))
        #expect(try WAVCheck.pythonFrameCount(audio.bytes, in: folder) > 22_050 / 2)
        #expect(audio.rendering.text == text)
        let created = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("marker") }
        #expect(created.isEmpty)
    }

    @Test("hands the text over on standard input, never among the arguments")
    func textOnStandardInput() async throws {
        let folder = try TemporaryFolder()
        let wav = try folder.write("fixture.wav", bytes: AudioFixtures.wav(samples: 400))
        let program = try folder.script(
            "fake-espeak",
            """
            printf '%s\\n' "$@" > '\(folder.path)/arguments'
            cat > '\(folder.path)/input'
            cat '\(wav)'
            """
        )
        let text = "--help \"$(rm -rf /)\" 'x'\nnext line ñ 日本語 🎉"
        let provider = try EspeakProvider(options: .init(executable: program, speed: 150, pitch: 60))
        let audio = try await provider.render(.sample(text, voice: "en-us+f3", language: "en"))
        #expect(audio.bytes == AudioFixtures.wav(samples: 400))
        let arguments = try String(contentsOfFile: folder.path + "/arguments", encoding: .utf8)
        #expect(arguments == "-b\n1\n-v\nen-us+f3\n-s\n150\n-p\n60\n--stdin\n--stdout\n")
        let input = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.path + "/input")))
        #expect(input == Array(text.utf8))
    }

    @Test("streams espeak-ng's output as it is written; the returned file is the same audio with its sizes set")
    func streams() async throws {
        let provider = try EspeakProvider()
        let parts = PartCollector()
        let audio = try await provider.stream(
            .sample("Welcome back! Your order has shipped.", voice: "en-us", language: "en")
        ) {
            parts.add($0)
        }
        let streamed = parts.bytes
        #expect(streamed.count == audio.bytes.count && streamed.starts(with: Array("RIFF".utf8)))
        // Only the RIFF and data sizes differ: espeak-ng writes placeholders to a pipe.
        #expect(Array(streamed[8..<40]) == Array(audio.bytes[8..<40]))
        #expect(Array(streamed[44...]) == Array(audio.bytes[44...]))
        #expect(Array(streamed[40..<44]) != Array(audio.bytes[40..<44]))
    }

    @Test("a streamed unknown voice fails before any part")
    func streamUnknownVoice() async throws {
        let parts = PartCollector()
        let error = await #expect(throws: SpeechProviderError.self) {
            try await EspeakProvider().stream(.sample("Hello.", voice: "xx-nosuchvoice", language: "en")) {
                parts.add($0)
            }
        }
        #expect(error?.reason == "voice_not_found")
        #expect(parts.bytes.isEmpty)
    }

    @Test("an unknown voice fails the voice")
    func unknownVoice() async throws {
        let provider = try EspeakProvider()
        let error = await #expect(throws: SpeechProviderError.self) {
            try await provider.render(.sample("Hello.", voice: "xx-nosuchvoice", language: "en"))
        }
        #expect(error?.scope == .voice)
        #expect(error?.reason == "voice_not_found")
        #expect(error?.message.contains("xx-nosuchvoice") == true)
        #expect(error?.message.contains("try the voice \"en\"") == true)
    }

    @Test(
        "a voice id that is not an espeak-ng voice name is refused without running anything",
        arguments: ["--help", "-v", "en+", "+f3", "en-us+f3+m1", "en us", "en/us", "../es", "", "en-us\n"]
    )
    func invalidVoice(voice: String) async throws {
        let provider = try EspeakProvider(options: .init(executable: "/nonexistent/espeak-ng"))
        let error = await #expect(throws: SpeechProviderError.self) {
            try await provider.render(.sample("Hello.", voice: voice, language: "en"))
        }
        #expect(error?.scope == .voice)
        #expect(error?.reason == "invalid_voice")
        #expect(!EspeakProvider.isValidVoice(voice))
    }

    @Test(
        "espeak-ng voice names pass the voice check",
        arguments: ["es", "en-us", "en-us+f3", "en-gb+m3", "zh-yue", "mb-en1"]
    )
    func validVoice(voice: String) {
        #expect(EspeakProvider.isValidVoice(voice))
    }

    @Test("a missing program stops the run and says how to install it")
    func missingProgram() async throws {
        let folder = try TemporaryFolder()
        let provider = try EspeakProvider(options: .init(executable: folder.path + "/no-such-espeak-ng"))
        let error = await #expect(throws: SpeechProviderError.self) {
            try await provider.render(.sample("Hello.", voice: "en-us", language: "en"))
        }
        #expect(error?.scope == .run)
        #expect(error?.reason == "espeak_ng_missing")
        #expect(error?.message.contains("sudo apt-get install espeak-ng") == true)
    }

    @Test("a program that does not finish in time is killed and the phrase may be retried")
    func timeout() async throws {
        let folder = try TemporaryFolder()
        let program = try folder.script(
            "slow-espeak",
            """
            echo $$ > '\(folder.path)/pid'
            exec sleep 120
            """
        )
        let provider = try EspeakProvider(options: .init(executable: program, timeout: .milliseconds(500)))
        let start = ContinuousClock.now
        let error = await #expect(throws: SpeechProviderError.self) {
            try await provider.render(.sample("Hello.", voice: "en-us", language: "en"))
        }
        // Well before the program would end by itself (other suites share the cooperative
        // threads, so the timeout task may run late under load, but not minutes late).
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(error?.scope == .transient(retryAfter: nil))
        #expect(error?.reason == "timeout")
        #expect(error?.isRetryable == true)
        let pidText = try String(contentsOfFile: folder.path + "/pid", encoding: .utf8)
        let pid = try #require(pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "process \(pid) still exists")
    }

    @Test("another failure fails the phrase with the first line of standard error")
    func programFailure() async throws {
        let folder = try TemporaryFolder()
        let program = try folder.script(
            "failing-espeak",
            """
            cat > /dev/null
            printf '\\n  boom: the synthesizer broke  \\nsecond line\\n' >&2
            exit 3
            """
        )
        let provider = try EspeakProvider(options: .init(executable: program))
        let error = await #expect(throws: SpeechProviderError.self) {
            try await provider.render(.sample("Hello.", voice: "en-us", language: "en"))
        }
        #expect(error?.scope == .phrase)
        #expect(error?.reason == "espeak_ng_failed")
        #expect(
            error?.message.hasSuffix(
                "status 3 for \(SpeechRequest.sample("", voice: "", language: "").key): boom: the synthesizer broke"
            ) == true
        )
    }

    @Test(
        "output that is not audio is never returned",
        arguments: ["printf 'not audio at all'", "true", "printf 'RIFF\\377\\377\\377\\377WAVEfmt '"]
    )
    func badAudio(body: String) async throws {
        let folder = try TemporaryFolder()
        let program = try folder.script("bad-espeak", "cat > /dev/null\n" + body)
        let provider = try EspeakProvider(options: .init(executable: program))
        let error = await #expect(throws: SpeechProviderError.self) {
            try await provider.render(.sample("Hello.", voice: "en-us", language: "en"))
        }
        #expect(error?.scope == .transient(retryAfter: nil))
        #expect(error?.reason == "bad_audio")
    }

    @Test("a program that exits before reading its input does not take this process down")
    func earlyExit() async throws {
        let folder = try TemporaryFolder()
        let program = try folder.script("quitting-espeak", "echo 'Error: no' >&2\nexit 1")
        let provider = try EspeakProvider(options: .init(executable: program))
        let text = String(repeating: "A long text that does not fit in a pipe buffer. ", count: 10_000)
        let error = await #expect(throws: SpeechProviderError.self) {
            try await provider.render(.sample(text, voice: "en-us", language: "en"))
        }
        #expect(error?.scope == .phrase)
    }

    @Test("text holding a NUL character fails the phrase")
    func nulText() async throws {
        let provider = try EspeakProvider()
        let error = await #expect(throws: SpeechProviderError.self) {
            try await provider.render(.sample("before\0after", voice: "en-us", language: "en"))
        }
        #expect(error?.scope == .phrase)
        #expect(error?.reason == "invalid_text")
    }

    @Test("options out of range are refused when the provider is made")
    func invalidOptions() {
        for options in [
            EspeakProvider.Options(speed: 10), .init(speed: 1_000), .init(pitch: -1), .init(pitch: 100),
            .init(timeout: .zero),
        ] {
            #expect(throws: SpeechProviderError.self) { try EspeakProvider(options: options) }
        }
    }

    @Test("its default concurrency is one process per core")
    func defaultConcurrency() throws {
        #expect(EspeakProvider.defaultConcurrency == ProcessInfo.processInfo.activeProcessorCount)
        #expect(try EspeakProvider().name == "espeak-ng")
    }
}

extension TemporaryFolder {
    /// Writes an executable `/bin/sh` script.
    fileprivate func script(_ name: String, _ body: String) throws -> String {
        let path = try write(name, "#!/bin/sh\n" + body + "\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }
}

import AudioCacheTestSupport
import Foundation
import Synchronization

@testable import AudioCache

/// A wall clock the test sets, for `CacheDirectory(now:)`.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ date: Date) {
        current = Mutex(date)
    }

    var date: Date { current.withLock { $0 } }

    func set(_ date: Date) {
        current.withLock { $0 = date }
    }

    var now: @Sendable () -> Date {
        { [self] in date }
    }
}

/// A cache built through the library API with the cases a reader in another runtime must get
/// right: Unicode casing and whitespace, voice settings, escapes, a long text, pinned, unpinned,
/// expired, recorded and replaced entries.
struct CacheFixture {
    struct Phrase: Sendable {
        var name: String
        /// The text stored.
        var stored: String
        /// Another spelling of it with the same key, to look it up with.
        var lookup: String
        var voice: String
        var language: String
        var isPinned = true
        var source = AudioSource.tts
        var provider = "elevenlabs"
        var model: String? = "eleven_multilingual_v2"
        var outputFormat = "mp3_44100_128"
        var settings: [VoiceSetting] = []

        var rendering: RenderingDescription {
            RenderingDescription(
                provider: provider,
                modelID: model,
                outputFormat: outputFormat,
                voiceSettings: settings,
                text: stored
            )
        }

        var request: CacheDirectory.StoreRequest {
            CacheDirectory.StoreRequest(
                text: stored,
                voiceID: voice,
                language: language,
                rendering: rendering,
                source: source,
                isPinned: isPinned,
                // What ElevenLabs answers with, for synthesized audio.
                response: source == .tts && provider == "elevenlabs"
                    ? ProviderResponse(
                        requestID: "req-\(name.count)",
                        characterCost: stored.unicodeScalars.count,
                        historyItemID: "hist-\(name.count)"
                    )
                    : nil
            )
        }
    }

    /// Phrases stored now, pinned unless said otherwise, each found by its `lookup` spelling.
    static let phrases: [Phrase] = [
        Phrase(
            name: "casing and whitespace",
            stored: "  ¡Hola   MUNDO! ",
            lookup: "¡hola mundo!",
            voice: "es-voice",
            language: "es",
            settings: [
                VoiceSetting(name: "stability", value: .number(0.5)),
                VoiceSetting(name: "use_speaker_boost", value: .bool(true)),
                VoiceSetting(name: "similarity_boost", value: .number(0.75)),
                VoiceSetting(name: "style", value: .number(1e-05)),
                VoiceSetting(name: "speed", value: .number(1)),
            ]
        ),
        Phrase(
            name: "dotted capital I",
            stored: "İstanbul'a hoş geldiniz",
            lookup: "i\u{307}stanbul'a HOŞ\tgeldiniz",
            voice: "tr-voice",
            language: "tr"
        ),
        Phrase(
            name: "final sigma",
            stored: "ΟΔΟΣ ΣΟΦΟΣ",
            lookup: "οδος σοφος",
            voice: "el-voice",
            language: "el"
        ),
        Phrase(
            name: "emoji",
            stored: "Thumbs up 👍🏽 family 👨‍👩‍👧",
            lookup: "THUMBS up\u{3000}👍🏽 FAMILY 👨‍👩‍👧",
            voice: "en-voice",
            language: "en-US"
        ),
        Phrase(
            name: "escapes and a long text",
            stored: "He said \"hi\"\tthen \\ left / right. " + String(repeating: "Ñandú ", count: 60),
            lookup: "he said \"HI\" then \\ left / right. " + String(repeating: "ñandú ", count: 60),
            voice: "en-voice",
            language: "en-US",
            model: nil,
            outputFormat: "wav"
        ),
        Phrase(
            name: "unpinned, alive",
            stored: "Your code is 4 2 7",
            lookup: "your code is 4 2 7",
            voice: "en-voice",
            language: "en-US",
            isPinned: false
        ),
        Phrase(
            name: "recorded",
            stored: "Welcome to Acme",
            lookup: "WELCOME  to  acme",
            voice: "en-voice",
            language: "en-US",
            source: .recorded,
            provider: "recorded",
            model: nil
        ),
        Phrase(
            name: "same text, another voice",
            stored: "¡Hola mundo!",
            lookup: "¡Hola Mundo!",
            voice: "es-voice.2",
            language: "es"
        ),
    ]

    /// Stored on 2020-01-01 with a TTL of one minute: expired at 00:01:00.000.
    static let expired = Phrase(
        name: "expired",
        stored: "Offer ends soon",
        lookup: "offer ends soon",
        voice: "en-voice",
        language: "en-US",
        isPinned: false
    )
    static let storedAt = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01T00:00:00Z
    static let expiresAt = "2020-01-01T00:01:00.000Z"

    /// Stored on 2020-01-01, then stored again now with other audio.
    static let replaced = Phrase(
        name: "replaced",
        stored: "Replaced take",
        lookup: "replaced TAKE",
        voice: "en-voice",
        language: "en-US"
    )

    /// Never stored.
    static let absent = Phrase(
        name: "absent",
        stored: "Never stored",
        lookup: "never stored",
        voice: "en-voice",
        language: "en-US"
    )

    /// Every phrase a reader should be asked for.
    static var everyPhrase: [Phrase] { phrases + [expired, replaced, absent] }

    /// A payload of the phrase's format: an ID3-tagged MP3 or a RIFF/WAVE file.
    static func audio(for phrase: Phrase, take: Int) -> [UInt8] {
        let body = Array("\(phrase.name) take \(take)".utf8) + [UInt8](repeating: UInt8(take & 0xFF), count: 64)
        if phrase.outputFormat == "wav" {
            return Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVEfmt ".utf8) + body
        }
        return Array("ID3".utf8) + [4, 0, 0, 0, 0, 0, 0] + body
    }

    let folder: TemporaryFolder
    let clock: ManualClock
    /// The writer, still open: its journal holds everything stored now.
    let cache: CacheDirectory
    /// The file of the replaced entry's first take.
    let replacedPath: String

    var directory: String { folder.path + "/cache" }

    /// Builds the cache: the expired entry and the first take of the replaced one on 2020-01-01
    /// (closed, so they are in `index.json`), then the rest now, with a hit and a miss recorded
    /// and flushed, leaving the writer open.
    init() async throws {
        folder = try TemporaryFolder()
        clock = ManualClock(Self.storedAt)
        let directory = folder.path + "/cache"
        let past = try CacheDirectory(
            configuration: CacheConfiguration(directory: directory, ttlSeconds: 60),
            now: clock.now
        )
        try await past.store(Self.audio(for: Self.expired, take: 1), for: Self.expired.request)
        replacedPath = try await past.store(Self.audio(for: Self.replaced, take: 1), for: Self.replaced.request).path
        try await past.close()

        clock.set(Date())
        cache = try CacheDirectory(configuration: CacheConfiguration(directory: directory), now: clock.now)
        for phrase in Self.phrases {
            try await cache.store(Self.audio(for: phrase, take: 1), for: phrase.request)
        }
        try await cache.store(Self.audio(for: Self.replaced, take: 2), for: Self.replaced.request)
        // Two verdicts, so that the journal and the index carry reviews.
        for (phrase, verdict, note) in [
            (Self.phrases[1], ReviewVerdict.approved, nil), (Self.phrases[2], .flagged, "Stress on \"ΣΟΦΟΣ\"\n"),
        ] {
            let key = KeyScheme.md5TextVoiceLanguageV1.key(
                text: phrase.stored,
                voiceID: phrase.voice,
                language: phrase.language
            )
            try await cache.review(key, verdict: verdict, note: note)
        }
        let first = Self.phrases[0]
        _ = await cache.lookup(text: first.lookup, voice: first.voice, language: first.language)
        _ = await cache.lookup(text: Self.absent.lookup, voice: Self.absent.voice, language: Self.absent.language)
        try await cache.flush()
    }

    /// Runs `examples/python/audio_cache.py` for a phrase.
    static func runLoader(_ directory: String, _ phrase: Phrase, _ extra: [String] = []) throws -> PythonProcess.Result
    {
        try PythonProcess.run(
            [
                "examples/python/audio_cache.py", directory, "--text", phrase.lookup, "--voice", phrase.voice,
                "--language", phrase.language,
            ] + extra
        )
    }
}

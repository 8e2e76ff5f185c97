import Testing

@testable import AudioCache

/// Readers walk raw pointers, so every input must end in phrases, problems or one thrown error:
/// never a read past the buffer, a crash or a hang. Valid manifests are cut and mutated with a
/// fixed seed; run under `swift test --sanitize=address` to check memory safety too.
@Suite struct ReaderRobustnessTests {
    /// A small deterministic generator (xorshift64*), so that failures reproduce.
    struct Generator {
        var state: UInt64

        mutating func next(_ bound: Int) -> Int {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Int((state &* 0x2545_F491_4F6C_DD1D) >> 33) % bound
        }
    }

    static let seeds: [(ManifestFormat, String)] = [
        (
            .csv,
            "\u{FEFF}text,voice_id,language,id,scene\r\n\"Hola, \"\"tú\"\"\",v1,es,a,x\n\"two\nlines\",,,b,\n€ ok,v2,en,c,y\n"
        ),
        (
            .json,
            #"{"voice_id": "v1", "tags": {"k": "v"}, "phrases": ["a\u00e9\ud83d\ude00", {"text": "b", "id": "x", "tags": {"t": "u"}}, -1.5e3, [true, null]]}"#
        ),
        (.jsonLines, "{\"text\": \"a\\n\", \"voice_id\": \"v\"}\r\n\"b\"\n\n{\"text\": \"ñ\", \"tags\": {}}\n"),
    ]

    static let interesting: [UInt8] =
        Array("\"\\,{}[]:\r\n u0123456789abcdefE+-.".utf8) + [0x00, 0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xFF]

    @Test(arguments: 0..<3)
    func mutatedInputsNeverCrash(_ index: Int) {
        let (format, seed) = Self.seeds[index]
        let original = Array(seed.utf8)
        var random = Generator(state: 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        for _ in 0..<3_000 {
            var bytes = original
            for _ in 0...random.next(4) {
                let position = random.next(bytes.count + 1)
                switch random.next(4) {
                case 0 where position < bytes.count: bytes.remove(at: position)
                case 1: bytes.insert(Self.interesting[random.next(Self.interesting.count)], at: position)
                case 2 where position < bytes.count:
                    bytes[position] = Self.interesting[random.next(Self.interesting.count)]
                default: bytes.removeSubrange(min(position, bytes.count)...)
                }
            }
            let outcome = ReaderTestSupport.run(
                format,
                bytes,
                limits: ManifestLimits(maxTextCharacters: 40, maxNestingDepth: 4)
            )
            #expect(outcome.phrases.allSatisfy { !$0.text.isEmpty })
            if outcome.thrown != nil { #expect(format != .jsonLines) }
        }
    }
}

import AudioCacheTestSupport
import Testing

@testable import AudioCacheProviders

@Suite("Streamed WAV headers")
struct StreamedWAVTests {
    /// `AudioFixtures.wav` with its RIFF and data sizes replaced, as a streaming writer leaves them.
    private func streamed(samples: Int, riffSize: UInt32, dataSize: UInt32, extra: [UInt8] = []) -> [UInt8] {
        var bytes = AudioFixtures.wav(samples: samples) + extra
        put(riffSize, into: &bytes, at: 4)
        put(dataSize, into: &bytes, at: 40)
        return bytes
    }

    private func put(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    @Test("placeholder sizes are set from the bytes received", arguments: [0x7FFF_F024, 0xFFFF_FFFF] as [UInt32])
    func placeholders(riff: UInt32) throws {
        let repaired = try #require(
            StreamedWAV.finalized(streamed(samples: 300, riffSize: riff, dataSize: riff &- 36))
        )
        #expect(repaired == AudioFixtures.wav(samples: 300))
    }

    @Test("a partial trailing frame is dropped")
    func partialFrame() throws {
        let repaired = try #require(
            StreamedWAV.finalized(streamed(samples: 300, riffSize: 0xFFFF_FFFF, dataSize: 0xFFFF_FFFF, extra: [7]))
        )
        #expect(repaired == AudioFixtures.wav(samples: 300))
    }

    @Test("a consistent file is kept as it is")
    func consistent() {
        #expect(StreamedWAV.finalized(AudioFixtures.wav(samples: 10)) == AudioFixtures.wav(samples: 10))
    }

    @Test("a RIFF size past the end is cut to the file")
    func riffPastEnd() {
        let bytes = streamed(samples: 10, riffSize: 0x7FFF_F024, dataSize: 20)
        #expect(StreamedWAV.finalized(bytes) == AudioFixtures.wav(samples: 10))
    }

    @Test("no audio is not a WAV file")
    func noAudio() {
        let header = Array(AudioFixtures.wav(samples: 0))
        #expect(StreamedWAV.finalized(header) == nil)
        #expect(StreamedWAV.finalized(streamed(samples: 0, riffSize: 0xFFFF_FFFF, dataSize: 0xFFFF_FFFF)) == nil)
        #expect(StreamedWAV.finalized(Array(header.prefix(30))) == nil)
        #expect(StreamedWAV.finalized(Array("not audio at all, not at all".utf8)) == nil)
        #expect(StreamedWAV.finalized([]) == nil)
        // A data chunk before any fmt chunk.
        var noFormat = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVEdata".utf8) + [4, 0, 0, 0, 1, 2, 3, 4]
        noFormat[4] = UInt8(noFormat.count - 8)
        #expect(StreamedWAV.finalized(noFormat) == nil)
    }
}

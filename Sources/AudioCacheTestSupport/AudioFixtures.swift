import Foundation
import Synchronization

/// Small but real audio payloads for tests.
public enum AudioFixtures {
    /// A valid RIFF/WAVE file: 16-bit mono PCM at 16 kHz, `samples` samples of a tone whose pitch
    /// depends on `seed`, so different seeds give different bytes.
    /// - Parameters:
    ///   - samples: The number of samples.
    ///   - seed: Varies the content.
    /// - Returns: The file's bytes.
    public static func wav(samples: Int = 800, seed: Int = 0) -> [UInt8] {
        var bytes: [UInt8] = []
        func append(_ text: String) { bytes += Array(text.utf8) }
        func append32(_ value: UInt32) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
        func append16(_ value: UInt16) { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
        let dataSize = UInt32(samples * 2)
        append("RIFF")
        append32(36 + dataSize)
        append("WAVE")
        append("fmt ")
        append32(16)
        append16(1)
        append16(1)
        append32(16_000)
        append32(32_000)
        append16(2)
        append16(16)
        append("data")
        append32(dataSize)
        let frequency = 220.0 + Double(seed % 500)
        for index in 0..<samples {
            let value = Int16(8_000 * sin(2 * Double.pi * frequency * Double(index) / 16_000))
            append16(UInt16(bitPattern: value))
        }
        return bytes
    }

    /// An MPEG audio frame header followed by `count` bytes: enough for the container check.
    /// - Parameters:
    ///   - count: The bytes after the 4-byte header.
    ///   - seed: Varies the content.
    /// - Returns: The bytes.
    public static func mp3(count: Int = 400, seed: Int = 0) -> [UInt8] {
        [0xFF, 0xFB, 0x90, 0x64] + (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) }
    }
}

/// A wall clock that tests set and advance by hand.
public final class ManualWallClock: Sendable {
    private let date: Mutex<Date>

    /// Creates a clock showing `start`.
    /// - Parameter start: The first time shown; defaults to 2026-01-01T00:00:00Z.
    public init(start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        date = Mutex(start)
    }

    /// The time shown.
    /// - Returns: The current date of this clock.
    public func now() -> Date {
        date.withLock { $0 }
    }

    /// Moves the clock forward.
    /// - Parameter seconds: How far.
    public func advance(by seconds: TimeInterval) {
        date.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

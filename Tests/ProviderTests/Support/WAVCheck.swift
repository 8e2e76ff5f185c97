import AudioCacheTestSupport
import Foundation

@testable import AudioCache

/// Checks audio the way a consumer would: Python's `wave` module reads the file and counts its
/// frames.
enum WAVCheck {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The number of frames Python's `wave` module reads from `bytes`, written to a file in `folder`.
    /// - Parameters:
    ///   - bytes: A WAV file.
    ///   - folder: Where to write it.
    /// - Returns: `getnframes()`.
    /// - Throws: When python3 cannot run or cannot read the file.
    static func pythonFrameCount(_ bytes: [UInt8], in folder: TemporaryFolder) throws -> Int {
        let path = try folder.write("audio-\(UUID().uuidString).wav", bytes: bytes)
        let script = """
            import sys, wave
            w = wave.open(sys.argv[1])
            n = w.getnframes()
            assert len(w.readframes(n)) == n * w.getsampwidth() * w.getnchannels(), "short data"
            print(n)
            """
        let result = try run(["/usr/bin/env", "python3", "-c", script, path])
        guard result.status == 0, let frames = Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw Failure(description: "python's wave could not read \(path): \(result.output)")
        }
        return frames
    }

    /// Runs a program without a shell and returns its status and combined output.
    static func run(_ command: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

extension SpeechRequest {
    /// A request with a fixed key, for provider tests.
    static func sample(_ text: String, voice: String, language: String) -> SpeechRequest {
        SpeechRequest(
            key: CacheKey(high: 0x0123_4567_89ab_cdef, low: 42),
            text: text,
            voiceID: voice,
            language: language
        )
    }
}

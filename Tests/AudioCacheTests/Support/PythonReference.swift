import Foundation

/// Runs `python3` in a real subprocess: the reference the key must match byte for byte.
enum PythonReference {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `script` with the paths of an input file (holding `input`) and an output file as its
    /// arguments, and returns what the script wrote to the output file.
    static func run(script: String, input: String = "") throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("audiocache-python-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scriptURL = directory.appendingPathComponent("script.py")
        let inputURL = directory.appendingPathComponent("input.txt")
        let outputURL = directory.appendingPathComponent("output.txt")
        try Data(script.utf8).write(to: scriptURL)
        try Data(input.utf8).write(to: inputURL)
        let result = try PythonProcess.run([scriptURL.path, inputURL.path, outputURL.path])
        guard result.status == 0 else {
            throw Failure(
                description: "python3 exited with \(result.status):\n\(result.standardOutput)\(result.standardError)"
            )
        }
        return try String(contentsOf: outputURL, encoding: .utf8)
    }

    /// The UTF-8 of `string` as lower-case hex, the transport format to and from Python.
    static func hex(_ string: String) -> String {
        hex(Array(string.utf8))
    }

    /// Bytes as lower-case hex.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A string as its code points, for readable failure messages.
    static func codePoints(_ string: String) -> String {
        string.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
    }
}

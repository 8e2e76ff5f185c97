#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads `.jsonl` (JSON Lines) manifests: one phrase per line, as an object with the phrase
/// fields or a string holding only the text.
///
/// ```json
/// {"text": "Hola", "voice_id": "narrator", "language": "es"}
/// "Adiós"
/// ```
///
/// Lines are independent, so a malformed line (bad JSON, invalid UTF-8, a second value) is a
/// problem reported for that line, and reading goes on with the next one. Blank lines are
/// skipped; a line's number is its physical line in the file. Lines end at a line feed; a
/// carriage return before it is whitespace.
enum JSONLinesManifestReader {
    /// Reads one phrase per line into a sink.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - sink: Receives phrases and per-line problems.
    /// - Throws: Nothing in practice: every problem belongs to one line and is reported.
    static func read(_ bytes: UnsafeRawBufferPointer, into sink: inout ManifestSink) throws(AudioCacheError) {
        _ = readLines(bytes, in: 0..<bytes.count, into: &sink)
    }

    /// Reads the lines in `part` of a file, so that a large file can be read in parts at once
    /// (``ManifestPartition``): lines are independent, and a line feed always ends one (JSON
    /// strings hold no raw line feed).
    ///
    /// Lines are numbered from 1 at the start of the part; the caller adds the lines of the parts
    /// before.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - part: Where the part's lines are: the whole file, or a range that starts where a line
    ///     starts.
    ///   - sink: Receives phrases and per-line problems.
    /// - Returns: The number of lines in the part, blank ones included.
    static func readLines(_ bytes: UnsafeRawBufferPointer, in part: Range<Int>, into sink: inout ManifestSink) -> Int {
        guard let raw = bytes.baseAddress else { return 0 }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let count = bytes.count
        let end = min(count, part.upperBound)
        // The first line's content starts after the byte order mark, when the part is the file's start.
        var lineStart =
            part.lowerBound == 0 ? UTF8Bytes.byteOrderMarkLength(base, at: 0, end: count) : part.lowerBound
        var line = 1
        var scanner = JSONScanner(
            base: base,
            start: lineStart,
            end: lineStart,
            line: line,
            lineStart: lineStart,
            path: sink.path,
            limits: sink.limits.scanning,
            endDescription: "the end of the line",
            countsLines: false
        )
        while lineStart < end && !sink.isSaturated {
            let lineEnd: Int
            if let newline = memchr(base + lineStart, 0x0A, count - lineStart) {
                lineEnd = lineStart + (UnsafeRawPointer(newline) - UnsafeRawPointer(base + lineStart))
            } else {
                lineEnd = count
            }
            if !isBlank(base, from: lineStart, to: lineEnd) {
                scanner.reset(start: lineStart, end: lineEnd, line: line)
                do {
                    if let phrase = try readLine(&scanner, into: &sink) {
                        sink.add(phrase, in: base, scratch: scanner.scratch)
                    }
                } catch {
                    sink.report(error)
                }
            }
            lineStart = lineEnd + 1
            line += 1
        }
        return line - 1
    }

    /// Reads the phrase on one line, which must hold nothing else.
    private static func readLine(
        _ scanner: inout JSONScanner,
        into sink: inout ManifestSink
    ) throws(AudioCacheError) -> ScannedPhrase? {
        scanner.skipWhitespace()
        let phrase = try scanner.readPhrase(
            fileDefaults: PhraseDefaults(),
            fileTags: [:],
            withColumn: false,
            into: &sink
        )
        scanner.skipWhitespace()
        guard scanner.isAtEnd else {
            throw scanner.unexpectedAfter("the phrase", "put one phrase on each line")
        }
        return phrase
    }

    /// Whether `start..<end` holds only spaces, tabs and carriage returns.
    @inline(__always)
    private static func isBlank(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var offset = start
        while offset < end {
            let byte = base[offset]
            if byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
            offset += 1
        }
        return true
    }
}

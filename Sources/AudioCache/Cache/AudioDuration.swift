import Foundation

/// How long an audio file plays, from its header: exact for PCM WAV, from the bit rate for MP3
/// (the rate of the format name, `mp3_44100_128`, or of the first frame), unknown otherwise.
enum AudioDuration {
    /// Seconds of audio in a file of `size` bytes whose first bytes are `head`.
    static func seconds(head: [UInt8], size: Int, format: String) -> Double? {
        switch AudioContainer.detect(head, declaredAs: format) {
        case .wav: wav(head: head, size: size)
        case .mp3: mp3(head: head, size: size, format: format)
        default: nil
        }
    }

    /// PCM WAV: the `data` chunk's bytes over the `fmt ` chunk's byte rate. A streamed header
    /// (espeak-ng writes `0xFFFFFFFF` or 0 as the data size) counts the rest of the file.
    private static func wav(head: [UInt8], size: Int) -> Double? {
        var offset = 12
        var byteRate = 0
        while offset + 8 <= head.count {
            let name = String(decoding: head[offset..<offset + 4], as: UTF8.self)
            let length = Int(littleEndian: head, at: offset + 4)
            let body = offset + 8
            if name == "fmt ", body + 12 <= head.count {
                byteRate = Int(littleEndian: head, at: body + 8)
            } else if name == "data" {
                guard byteRate > 0 else { return nil }
                let available = size - body
                let bytes = length == 0 || length > available ? available : length
                return Double(max(0, bytes)) / Double(byteRate)
            }
            offset = body + length + (length & 1)
        }
        return nil
    }

    /// MP3 at a constant bit rate: the bytes after any ID3v2 tag over the bit rate.
    private static func mp3(head: [UInt8], size: Int, format: String) -> Double? {
        var start = 0
        if head.count >= 10, head[0] == 0x49, head[1] == 0x44, head[2] == 0x33 {
            start =
                10
                + (Int(head[6] & 0x7F) << 21 | Int(head[7] & 0x7F) << 14 | Int(head[8] & 0x7F) << 7
                    | Int(head[9] & 0x7F))
        }
        // `mp3_44100_128`: 128 kbit/s.
        var kilobits = format.split(separator: "_").last.flatMap { Int($0) }
        if kilobits == nil, start + 4 <= head.count, head[start] == 0xFF, head[start + 1] & 0xE0 == 0xE0 {
            // MPEG-1 Layer III bit rates, by the frame header's index.
            let rates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0]
            let index = Int(head[start + 2] >> 4)
            if head[start + 1] & 0x18 == 0x18, head[start + 1] & 0x06 == 0x02, rates[index] > 0 {
                kilobits = rates[index]
            }
        }
        guard let kilobits, kilobits > 0, size > start else { return nil }
        return Double(size - start) * 8 / Double(kilobits * 1_000)
    }
}

extension Int {
    /// The 32-bit little-endian number at `offset`.
    fileprivate init(littleEndian bytes: [UInt8], at offset: Int) {
        self =
            Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
            | Int(bytes[offset + 3]) << 24
    }
}

extension CacheDirectory {
    /// How long the entry's audio plays, in seconds, read from its file's header; `nil` when the
    /// format does not say (Ogg, FLAC, raw samples) or the file cannot be read.
    public nonisolated func duration(of entry: CacheEntry) -> Double? {
        guard let head = FileSystem.head(of: filePath(of: entry), count: 4_096) else { return nil }
        return AudioDuration.seconds(head: head, size: entry.size, format: entry.audioFormat)
    }
}

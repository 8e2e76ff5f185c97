import CompressNIO
import Crypto
import Foundation
import NIOCore

/// Compresses a stream with gzip (compress-nio's zlib binding) into a file, hashing what it
/// writes. zlib writes the gzip header with no name and a zero time, so the same input gives
/// the same bytes.
final class GzipWriter {
    private let compressor: ZlibCompressor
    private let output: FileHandle
    private var window: ByteBuffer
    private var hash = SHA256()
    private(set) var writtenBytes = 0

    init(to output: FileHandle) throws {
        compressor = try ZlibCompressor(algorithm: .gzip)
        self.output = output
        window = ByteBufferAllocator().buffer(capacity: 1 << 18)
    }

    /// Compresses `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var input = ByteBuffer(bytes: bytes)
        try deflate(&input, flush: .no)
    }

    /// Ends the stream and returns the SHA-256 of everything written.
    func finish() throws -> SHA256Digest {
        var empty = ByteBuffer()
        try deflate(&empty, flush: .finish)
        try drain()
        return hash.finalize()
    }

    private func deflate(_ input: inout ByteBuffer, flush: CompressNIOFlush) throws {
        while true {
            do {
                try compressor.deflate(from: &input, to: &window, flush: flush)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // The window is full, or (finishing) more output is to come.
                if window.writableBytes == 0 || flush == .finish {
                    try drain()
                    continue
                }
                // No progress was possible: everything given has been taken.
                if input.readableBytes == 0 { return }
                throw error
            }
            if window.writableBytes == 0 {
                try drain()
                continue
            }
            if flush == .finish || input.readableBytes == 0 { return }
        }
    }

    private func drain() throws {
        guard window.readableBytes > 0 else { return }
        try window.withUnsafeReadableBytes { bytes in
            hash.update(bufferPointer: bytes)
            try output.write(contentsOf: bytes)
        }
        writtenBytes += window.readableBytes
        window.clear()
    }
}

/// Decompresses a gzip file as a stream of chunks.
final class GzipReader {
    private let decompressor: ZlibDecompressor
    private let input: FileHandle
    private var compressed = ByteBuffer()
    private var window: ByteBuffer
    private var inputEnded = false

    init(from input: FileHandle) throws {
        decompressor = try ZlibDecompressor(algorithm: .gzip)
        self.input = input
        window = ByteBufferAllocator().buffer(capacity: 1 << 18)
    }

    /// The next decompressed bytes, or `nil` at the end.
    /// - Throws: `CompressNIOError.corruptData` for bytes that are not gzip; I/O errors.
    func next() throws -> ByteBuffer? {
        while true {
            if compressed.readableBytes == 0 && !inputEnded {
                let data = try input.read(upToCount: 1 << 18) ?? Data()
                if data.isEmpty { inputEnded = true } else { compressed = ByteBuffer(bytes: data) }
            }
            window.clear()
            do {
                try decompressor.inflate(from: &compressed, to: &window)
            } catch let error as CompressNIOError where error == .bufferOverflow || error == .inputBufferOverflow {
                // More output to take, or more input needed: the loop does both.
            }
            if window.readableBytes > 0 { return window }
            // Nothing came out: the file has ended, or the gzip stream ended before the file did
            // (zlib leaves the rest of the input); a tar reader finds the archive cut short.
            if inputEnded || compressed.readableBytes > 0 { return nil }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a run of bytes lies in a ``ByteStore``.
struct ByteSpan: Sendable, Hashable {
    /// The offset of the first byte.
    var start: Int
    /// The number of bytes, or -1 for ``none``.
    var count: Int

    /// No value at all (an id a phrase does not have), as opposed to an empty one.
    static let none = ByteSpan(start: 0, count: -1)

    /// Whether this is ``none``.
    var isNone: Bool { count < 0 }

    /// The bytes of this span in `bytes` (empty for ``none``).
    @inline(__always)
    func buffer(in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard count > 0, let base = bytes.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base + start, count: count)
    }
}

/// Many short UTF-8 strings (texts, ids) one after another in one buffer, each named by a
/// ``ByteSpan``.
///
/// A plan over a million phrases holds a million texts and ids: as `String`s they are a million
/// allocations to make, reference-count and free; here they are one growing buffer. A `String`
/// is made only when a value is read out (``string(_:)``).
struct ByteStore: Sendable {
    private(set) var bytes: [UInt8] = []

    /// Removes every byte, keeping the room.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Makes room for `count` more bytes.
    mutating func reserveCapacity(adding count: Int) {
        bytes.reserveCapacity(bytes.count + count)
        bytes.adviseHugePages()
    }

    /// Stores a copy of `buffer`.
    /// - Returns: Where the copy lies.
    @inline(__always)
    mutating func append(_ buffer: UnsafeBufferPointer<UInt8>) -> ByteSpan {
        let span = ByteSpan(start: bytes.count, count: buffer.count)
        bytes.append(contentsOf: buffer)
        return span
    }

    /// Calls `body` with the bytes of `span` (empty for ``ByteSpan/none``).
    @inline(__always)
    func withBytes<Result>(_ span: ByteSpan, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBufferPointer { try body(span.buffer(in: $0)) }
    }

    /// Calls `body` with all the bytes stored, for reading many spans (``ByteSpan/buffer(in:)``).
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBufferPointer(body)
    }

    /// The text at `span`, or `nil` for ``ByteSpan/none``.
    func string(_ span: ByteSpan) -> String? {
        span.isNone ? nil : withBytes(span) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the bytes at `span` are exactly `other` (byte equality, not canonical equivalence).
    @inline(__always)
    func equals(_ span: ByteSpan, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard span.count == other.count else { return false }
        guard span.count > 0, let otherStart = other.baseAddress else { return true }
        return bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return false }
            return memcmp(base + span.start, otherStart, span.count) == 0
        }
    }
}

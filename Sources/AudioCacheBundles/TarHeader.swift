/// One 512-byte header of a POSIX ustar archive (IEEE Std 1003.1-1988), written and read by hand:
/// no tar library is among this project's dependencies, and the format is small. Only what a
/// cache bundle needs is supported: regular files and folders, names up to 255 bytes (split
/// into `prefix` and `name`), sizes below 8 GiB, numeric owner 0 and no user or group name.
struct TarHeader: Equatable {
    /// The entry's type, as its `typeflag` byte says.
    enum Kind: Equatable {
        case file
        case folder
        /// Anything else (links, devices, FIFOs, GNU and pax extensions), with its flag.
        case other(UInt8)
    }

    static let blockSize = 512
    /// The largest size eleven octal digits hold.
    static let maximumSize = (1 << 33) - 1

    var path: String
    var kind: Kind
    var size: Int
    var mode: Int
    var modificationTime: Int

    /// The header's 512 bytes, or `nil` when the path does not fit or the size is too large.
    func encoded() -> [UInt8]? {
        guard size >= 0, size <= Self.maximumSize, modificationTime >= 0, modificationTime <= Self.maximumSize else {
            return nil
        }
        let (prefix, name) = Self.split(path)
        guard let name else { return nil }
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        func put(_ bytes: some Collection<UInt8>, at offset: Int) {
            for (index, byte) in bytes.enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(mode, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)  // uid
        put(octal(0, width: 8), at: 116)  // gid
        put(octal(size, width: 12), at: 124)
        put(octal(modificationTime, width: 12), at: 136)
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148)  // the checksum, counted as spaces
        switch kind {
        case .file: block[156] = UInt8(ascii: "0")
        case .folder: block[156] = UInt8(ascii: "5")
        case .other(let flag): block[156] = flag
        }
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(prefix, at: 345)
        let checksum = block.reduce(0) { $0 + Int($1) }
        put(octal(checksum, width: 7) + [UInt8(ascii: " ")], at: 148)
        return block
    }

    /// Why a block is not a header this reader takes.
    enum ParseError: Error, Equatable {
        case badChecksum
        case badNumber(String)
    }

    /// Reads a header block.
    /// - Parameter block: 512 bytes, not all zero.
    /// - Throws: ``ParseError`` for a wrong checksum or a field that is not an octal number.
    init(parsing block: some RandomAccessCollection<UInt8>) throws(ParseError) {
        let bytes = Array(block)
        func field(_ offset: Int, _ length: Int) -> ArraySlice<UInt8> {
            let slice = bytes[offset..<offset + length]
            return slice.prefix { $0 != 0 }
        }
        func number(_ offset: Int, _ length: Int, _ name: String) throws(ParseError) -> Int {
            let text = String(decoding: field(offset, length), as: UTF8.self).trimmingSpaces
            guard !text.isEmpty else { return 0 }
            guard let value = Int(text, radix: 8), value >= 0 else { throw .badNumber(name) }
            return value
        }
        var unsigned = 0
        for (index, byte) in bytes.enumerated() { unsigned += (148..<156).contains(index) ? 32 : Int(byte) }
        guard try number(148, 8, "chksum") == unsigned else { throw .badChecksum }
        let name = String(decoding: field(0, 100), as: UTF8.self)
        let isUstar = bytes[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? String(decoding: field(345, 155), as: UTF8.self) : ""
        path = prefix.isEmpty ? name : prefix + "/" + name
        size = try number(124, 12, "size")
        mode = try number(100, 8, "mode")
        modificationTime = try number(136, 12, "mtime")
        switch bytes[156] {
        case UInt8(ascii: "0"), 0: kind = .file
        case UInt8(ascii: "5"): kind = .folder
        case let flag: kind = .other(flag)
        }
    }

    init(path: String, kind: Kind, size: Int, mode: Int, modificationTime: Int) {
        self.path = path
        self.kind = kind
        self.size = size
        self.mode = mode
        self.modificationTime = modificationTime
    }

    /// `path` as ustar's `prefix` (up to 155 bytes) and `name` (up to 100), split at a slash;
    /// `name` is `nil` when no split fits.
    static func split(_ path: String) -> (prefix: [UInt8], name: [UInt8]?) {
        let bytes = Array(path.utf8)
        if bytes.count <= 100 { return ([], bytes) }
        for index in bytes.indices.reversed() where bytes[index] == UInt8(ascii: "/") {
            let prefix = Array(bytes[..<index])
            let name = Array(bytes[(index + 1)...])
            if prefix.count <= 155 && name.count <= 100 && !name.isEmpty { return (prefix, name) }
        }
        return ([], nil)
    }

    /// Bytes of padding after `size` bytes of data, up to the next block.
    static func padding(after size: Int) -> Int {
        (blockSize - size % blockSize) % blockSize
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

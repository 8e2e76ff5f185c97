/// One of N parts of a plan, chosen by cache key, so that N processes (a CI matrix, a Kubernetes
/// Indexed Job) can each warm their part without talking to each other.
///
/// Shard K of N (1-based, as Playwright's and Jest's `--shard K/N`) holds the renderings whose key
/// satisfies `int(key[:16], 16) % N == K - 1`: the first 16 hex digits of the key, read as an
/// unsigned 64-bit integer, modulo N. The shard of a rendering depends on its key alone, so every
/// process agrees, and adding a phrase moves no other phrase to another shard. MD5 keys spread
/// evenly over the shards.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// Which shard, from 1.
    public let index: Int
    /// How many shards.
    public let count: Int

    /// Where a CI system or a job runner says which shard a process is.
    public enum IndexSource: String, Sendable, CaseIterable {
        /// Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX`, from 0.
        case kubernetes = "JOB_COMPLETION_INDEX"
        /// GitLab CI `parallel:`: `CI_NODE_INDEX`, from 1.
        case gitLab = "CI_NODE_INDEX"

        /// Whether the variable counts from 0.
        var isZeroBased: Bool { self == .kubernetes }
    }

    /// Creates shard `index` of `count`.
    /// - Parameters:
    ///   - index: Which shard, from 1 to `count`.
    ///   - count: How many shards, at least 1.
    /// - Throws: ``AudioCacheError`` (usage) for an index or count out of range.
    public init(index: Int, count: Int) throws(AudioCacheError) {
        guard count >= 1 else {
            throw AudioCacheError(.usage, "the number of shards must be at least 1, not \(count)")
        }
        guard (1...count).contains(index) else {
            throw AudioCacheError(.usage, "shard \(index) of \(count) does not exist: shards count from 1 to \(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `K/N`, as `--shard` takes it.
    /// - Parameter text: `K/N`, with 1 ≤ K ≤ N.
    /// - Throws: ``AudioCacheError`` (usage) for anything else.
    public init(parsing text: String) throws(AudioCacheError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Self.number(parts[0]), let count = Self.number(parts[1]) else {
            throw AudioCacheError(.usage, "a shard is K/N, such as 1/4 (the first of four), not \"\(text)\"")
        }
        try self.init(index: index, count: count)
    }

    /// Shard K of `count`, with K from the first of `JOB_COMPLETION_INDEX` (Kubernetes, from 0)
    /// and `CI_NODE_INDEX` (GitLab, from 1) that `environment` sets.
    /// - Parameters:
    ///   - count: How many shards.
    ///   - environment: The process environment.
    /// - Throws: ``AudioCacheError`` (usage) when neither variable is set, or one is not a shard
    ///   of `count`.
    public init(count: Int, environment: [String: String]) throws(AudioCacheError) {
        for source in IndexSource.allCases {
            guard let value = environment[source.rawValue] else { continue }
            guard let number = Self.number(Substring(value)) else {
                throw AudioCacheError(.usage, "\(source.rawValue)=\"\(value)\" is not a shard index")
            }
            let index = source.isZeroBased ? number + 1 : number
            guard (1...max(1, count)).contains(index) else {
                let range = source.isZeroBased ? "0 to \(count - 1)" : "1 to \(count)"
                throw AudioCacheError(
                    .usage,
                    "\(source.rawValue)=\(value) is not one of \(count) shards (it counts from \(range))"
                )
            }
            try self.init(index: index, count: count)
            return
        }
        throw AudioCacheError(
            .usage,
            "--shards \(count) takes the shard from JOB_COMPLETION_INDEX (Kubernetes, from 0) or CI_NODE_INDEX "
                + "(GitLab, from 1), and neither is set; give --shard K/N instead"
        )
    }

    /// Whether the rendering with `key` belongs to this shard.
    /// - Parameter key: The cache key.
    /// - Returns: `true` when `int(key[:16], 16) % count == index - 1`.
    public func contains(_ key: CacheKey) -> Bool {
        key.high % UInt64(count) == UInt64(index - 1)
    }

    /// `K/N`.
    public var description: String { "\(index)/\(count)" }

    /// A decimal number of at most nine digits, without a sign.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }
}

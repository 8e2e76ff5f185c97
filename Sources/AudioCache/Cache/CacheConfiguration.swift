import Foundation

/// How a cache behaves: the settings of the reference Python implementation.
///
/// Values come, strongest first, from command-line flags, the environment (the reference Python implementation's names:
/// `AUDIO_CACHE_ENABLED`, `AUDIO_CACHE_DIR`, `AUDIO_CACHE_TTL`, `AUDIO_CACHE_MAX_SIZE`), a
/// configuration file (`audiocache.json`, or the file `AUDIO_CACHE_CONFIG` names), and the
/// defaults below. See `docs/cache-format.md`.
public struct CacheConfiguration: Sendable, Hashable {
    /// Whether the runtime cache answers lookups at all; when `false`, every lookup misses and
    /// nothing is recorded.
    public var isEnabled: Bool
    /// The cache folder.
    public var directory: String
    /// How long an entry stored at run time lives, in seconds; `0` means forever. Pinned
    /// (pre-warmed) entries never expire.
    public var ttlSeconds: Int
    /// The size the cache is kept under by eviction, in bytes; `0` means no limit.
    public var maxSizeBytes: Int
    /// How often, in lookups, access statistics are written to the journal.
    public var accessFlushInterval: Int

    /// The reference Python implementation's defaults: enabled, `cache`, one day, 1 GiB.
    public static let defaultTTLSeconds = 86_400
    /// 1 GiB.
    public static let defaultMaxSizeBytes = 1 << 30

    /// Creates a configuration.
    /// - Parameters:
    ///   - isEnabled: Whether lookups are answered.
    ///   - directory: The cache folder.
    ///   - ttlSeconds: Seconds an entry lives; `0` for forever.
    ///   - maxSizeBytes: The maximum size in bytes; `0` for no limit.
    ///   - accessFlushInterval: Lookups between writes of access statistics.
    public init(
        isEnabled: Bool = true,
        directory: String = "cache",
        ttlSeconds: Int = defaultTTLSeconds,
        maxSizeBytes: Int = defaultMaxSizeBytes,
        accessFlushInterval: Int = 1_000
    ) {
        self.isEnabled = isEnabled
        self.directory = directory
        self.ttlSeconds = max(0, ttlSeconds)
        self.maxSizeBytes = max(0, maxSizeBytes)
        self.accessFlushInterval = max(1, accessFlushInterval)
    }

    /// The settings a run was given, any of which may be missing.
    public struct Overrides: Sendable, Hashable {
        /// `enabled`.
        public var isEnabled: Bool?
        /// `dir`.
        public var directory: String?
        /// `ttl`, in seconds.
        public var ttlSeconds: Int?
        /// `max_size`, in bytes.
        public var maxSizeBytes: Int?

        /// Creates overrides.
        public init(isEnabled: Bool? = nil, directory: String? = nil, ttlSeconds: Int? = nil, maxSizeBytes: Int? = nil)
        {
            self.isEnabled = isEnabled
            self.directory = directory
            self.ttlSeconds = ttlSeconds
            self.maxSizeBytes = maxSizeBytes
        }

        /// `self`, with the settings `other` has taking precedence.
        public func overridden(by other: Overrides) -> Overrides {
            Overrides(
                isEnabled: other.isEnabled ?? isEnabled,
                directory: other.directory ?? directory,
                ttlSeconds: other.ttlSeconds ?? ttlSeconds,
                maxSizeBytes: other.maxSizeBytes ?? maxSizeBytes
            )
        }
    }

    /// Resolves a configuration: `flags` beat the environment, which beats the configuration file,
    /// which beats the defaults.
    /// - Parameters:
    ///   - flags: What the command line set.
    ///   - environment: The process environment.
    ///   - configurationFile: The file to read; `nil` reads `AUDIO_CACHE_CONFIG` or, when that is
    ///     unset, `audiocache.json` if it exists.
    /// - Returns: The configuration.
    /// - Throws: ``AudioCacheError`` (usage) naming the variable or file whose value is bad.
    public static func resolve(
        flags: Overrides = Overrides(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configurationFile: String? = nil
    ) throws(AudioCacheError) -> CacheConfiguration {
        let fileOverrides: Overrides
        let named = configurationFile ?? environment["AUDIO_CACHE_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let named {
            fileOverrides = try readFile(named)
        } else if FileManager.default.fileExists(atPath: "audiocache.json") {
            fileOverrides = try readFile("audiocache.json")
        } else {
            fileOverrides = Overrides()
        }
        let resolved = fileOverrides.overridden(by: try environmentOverrides(environment)).overridden(by: flags)
        return CacheConfiguration(
            isEnabled: resolved.isEnabled ?? true,
            directory: resolved.directory ?? "cache",
            ttlSeconds: resolved.ttlSeconds ?? defaultTTLSeconds,
            maxSizeBytes: resolved.maxSizeBytes ?? defaultMaxSizeBytes
        )
    }

    /// The settings in the reference Python implementation's environment variables; empty variables count as unset.
    public static func environmentOverrides(_ environment: [String: String]) throws(AudioCacheError) -> Overrides {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        var overrides = Overrides()
        if let text = value("AUDIO_CACHE_ENABLED") {
            guard let flag = parseBool(text) else {
                throw AudioCacheError(
                    .usage,
                    "AUDIO_CACHE_ENABLED=\(text) is not true or false (also 1/0, yes/no, on/off)"
                )
            }
            overrides.isEnabled = flag
        }
        overrides.directory = value("AUDIO_CACHE_DIR")
        if let text = value("AUDIO_CACHE_TTL") {
            guard let seconds = ByteCount.parseDuration(text) else {
                throw AudioCacheError(
                    .usage,
                    "AUDIO_CACHE_TTL=\(text) is not a duration (seconds, or 30m, 12h, 7d; 0 = never)"
                )
            }
            overrides.ttlSeconds = seconds
        }
        if let text = value("AUDIO_CACHE_MAX_SIZE") {
            guard let bytes = ByteCount.parse(text) else {
                throw AudioCacheError(
                    .usage,
                    "AUDIO_CACHE_MAX_SIZE=\(text) is not a size (bytes, or 500MB, 1GiB; 0 = no limit)"
                )
            }
            overrides.maxSizeBytes = bytes
        }
        return overrides
    }

    /// Reads a configuration file: a JSON object with any of `enabled` (Boolean), `dir` (string),
    /// `ttl` (seconds, or a duration string) and `max_size` (bytes, or a size string).
    public static func readFile(_ path: String) throws(AudioCacheError) -> Overrides {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .missingInput(path, "cannot read the configuration file")
        }
        let object: [String: FileValue]
        do {
            object = try JSONDecoder().decode([String: FileValue].self, from: data)
        } catch DecodingError.typeMismatch {
            throw AudioCacheError(.usage, at: SourceLocation(file: path), "a configuration file holds one JSON object")
        } catch {
            throw AudioCacheError(.usage, at: SourceLocation(file: path), "is not valid JSON")
        }
        var overrides = Overrides()
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            func bad(_ expected: String) -> AudioCacheError {
                AudioCacheError(.usage, at: SourceLocation(file: path), "\"\(name)\" must be \(expected)")
            }
            switch (name, value) {
            case ("enabled", .bool(let flag)):
                overrides.isEnabled = flag
            case ("enabled", _):
                throw bad("true or false")
            case ("dir", .string(let text)) where !text.isEmpty:
                overrides.directory = text
            case ("dir", _):
                throw bad("a folder path")
            case ("ttl", .string(let text)) where ByteCount.parseDuration(text) != nil:
                overrides.ttlSeconds = ByteCount.parseDuration(text)
            case ("ttl", .integer(let number)) where number >= 0:
                overrides.ttlSeconds = number
            case ("ttl", _):
                throw bad("seconds (0 = never) or a duration such as \"12h\"")
            case ("max_size", .string(let text)) where ByteCount.parse(text) != nil:
                overrides.maxSizeBytes = ByteCount.parse(text)
            case ("max_size", .integer(let number)) where number >= 0:
                overrides.maxSizeBytes = number
            case ("max_size", _):
                throw bad("bytes (0 = no limit) or a size such as \"500MB\"")
            default:
                throw AudioCacheError(
                    .usage,
                    at: SourceLocation(file: path),
                    "unknown setting \"\(name)\"; expected enabled, dir, ttl or max_size"
                )
            }
        }
        return overrides
    }

    /// A value of the configuration file, as far as the settings care.
    private enum FileValue: Decodable {
        case bool(Bool)
        case integer(Int)
        case string(String)
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else if let number = try? container.decode(Int.self) {
                self = .integer(number)
            } else if let text = try? container.decode(String.self) {
                self = .string(text)
            } else {
                self = .other
            }
        }
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: nil
        }
    }
}

/// Sizes and durations as people write them.
public enum ByteCount {
    /// Parses a size: a whole number of bytes, or a number (decimals allowed) with a unit: `B`,
    /// `KB`/`MB`/`GB`/`TB` (powers of 1000), `KiB`/`MiB`/`GiB`/`TiB` (powers of 1024), `K`/`M`/`G`
    /// (powers of 1024, as `du` prints them). Case and a space before the unit do not matter.
    /// - Parameter text: The size.
    /// - Returns: Bytes, or `nil` when `text` is not a size or is out of range.
    public static func parse(_ text: String) -> Int? {
        let units: [(String, Double)] = [
            ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("tib", 1_099_511_627_776),
            ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12),
            ("k", 1024), ("m", 1_048_576), ("g", 1_073_741_824), ("t", 1_099_511_627_776), ("b", 1),
        ]
        return parse(text, units: units)
    }

    /// Parses a duration in seconds: a whole number, or a number with `s`, `m`, `h` or `d`.
    /// - Parameter text: The duration.
    /// - Returns: Seconds, or `nil`.
    public static func parseDuration(_ text: String) -> Int? {
        parse(text, units: [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)])
    }

    private static func parse(_ text: String, units: [(String, Double)]) -> Int? {
        let lowered = text.trimmingCharacters(in: .whitespaces).lowercased()
        var number = Substring(lowered)
        var scale = 1.0
        for (unit, factor) in units where lowered.hasSuffix(unit) {
            number = lowered.dropLast(unit.count)
            scale = factor
            break
        }
        let digits = number.trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(digits), value.isFinite
        else { return nil }
        let result = (value * scale).rounded()
        guard result >= 0, result < 9e18 else { return nil }
        return Int(result)
    }

    /// A size for people: `512 B`, `1.5 KiB`, `3.2 MiB`, `1.0 GiB`.
    /// - Parameter bytes: The size.
    /// - Returns: The text.
    public static func describe(_ bytes: Int) -> String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" {
                return "\(String(format: "%.1f", value)) \(unit)"
            }
        }
        return "\(bytes) B"
    }
}

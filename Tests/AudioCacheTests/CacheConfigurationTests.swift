import AudioCache
import AudioCacheTestSupport
import Testing

@Suite("CacheConfiguration")
struct CacheConfigurationTests {
    @Test(
        "sizes with units",
        arguments: [
            ("0", 0), ("1024", 1_024), ("500MB", 500_000_000), ("500 mb", 500_000_000), ("1GiB", 1 << 30),
            ("1.5KiB", 1_536), ("2G", 2 << 30), ("10kb", 10_000), ("7B", 7),
        ]
    )
    func sizes(text: String, bytes: Int) {
        #expect(ByteCount.parse(text) == bytes)
    }

    @Test("not sizes", arguments: ["", "MB", "-1MB", "1e3", "1,000", "one", "1 PB", "12 34"])
    func notSizes(text: String) {
        #expect(ByteCount.parse(text) == nil)
    }

    @Test("durations", arguments: [("0", 0), ("86400", 86_400), ("30m", 1_800), ("12h", 43_200), ("7d", 604_800)])
    func durations(text: String, seconds: Int) {
        #expect(ByteCount.parseDuration(text) == seconds)
    }

    @Test("the seed's defaults")
    func defaults() throws {
        let configuration = try CacheConfiguration.resolve(environment: [:], configurationFile: nil)
        #expect(
            configuration
                == CacheConfiguration(isEnabled: true, directory: "cache", ttlSeconds: 86_400, maxSizeBytes: 1 << 30)
        )
    }

    @Test("flags beat the environment, which beats the file")
    func precedence() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(
            "audiocache.json",
            #"{"dir": "from-file", "ttl": "1h", "max_size": "2GB", "enabled": false}"#
        )
        let environment = ["AUDIO_CACHE_DIR": "from-env", "AUDIO_CACHE_TTL": "60", "AUDIO_CACHE_MAX_SIZE": ""]
        let configuration = try CacheConfiguration.resolve(
            flags: .init(ttlSeconds: 5),
            environment: environment,
            configurationFile: file
        )
        #expect(configuration.directory == "from-env")
        #expect(configuration.ttlSeconds == 5)
        #expect(configuration.maxSizeBytes == 2_000_000_000)
        #expect(!configuration.isEnabled)
    }

    @Test("bad values name the variable or the file")
    func badValues() throws {
        let folder = try TemporaryFolder()
        #expect(throws: AudioCacheError.self) {
            try CacheConfiguration.resolve(environment: ["AUDIO_CACHE_MAX_SIZE": "lots"], configurationFile: nil)
        }
        #expect(throws: AudioCacheError.self) {
            try CacheConfiguration.resolve(environment: ["AUDIO_CACHE_ENABLED": "maybe"], configurationFile: nil)
        }
        let unknown = try folder.write("a.json", #"{"max-size": 10}"#)
        #expect {
            try CacheConfiguration.resolve(environment: [:], configurationFile: unknown)
        } throws: { error in
            "\(error)".contains("a.json") && "\(error)".contains("unknown setting \"max-size\"")
        }
        let notJSON = try folder.write("b.json", "dir = cache")
        #expect(throws: AudioCacheError.self) {
            try CacheConfiguration.resolve(environment: [:], configurationFile: notJSON)
        }
    }
}

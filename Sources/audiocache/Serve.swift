import ArgumentParser
import AsyncHTTPClient
import AudioCache
import AudioCacheBundles
import AudioCacheProviders
import AudioCacheServer
import Foundation
import Logging

extension AudioCacheCommand {
    /// `audiocache serve`: the runtime HTTP service over a cache folder.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a cache folder over HTTP: cached audio, read-through speech, the management API.",
            discussion: """
                Routes (docs/openapi.yaml): GET/HEAD /api/audio/{key} (ETag, Range, Cache-Control); \
                POST /api/tts and GET /api/tts?text=…&voice_id=…&language=… (a miss is rendered by \
                --provider, once however many ask, and stored; with --provider none it is a 404); \
                GET /api/audio-cache/stats, POST /api/audio-cache/clear, /invalidate, /evict and \
                DELETE /api/audio-cache/entries/{key} with Authorization: Bearer <token> (the token from \
                $AUDIO_CACHE_ADMIN_TOKEN or --admin-token-file; without one they answer 403); \
                GET /health, GET /ready and GET /metrics (Prometheus).

                Binds 127.0.0.1 unless --host says otherwise. SIGINT or SIGTERM stops accepting \
                requests, lets those in flight finish, writes the access statistics and exits 0. \
                --read-only takes no lock and writes nothing, so that several replicas can serve one \
                folder, and reloads the cache when its index changes or on SIGHUP (--cache may be a \
                link that a rollout moves to each new bundle). --bundle FILE unpacks a bundle \
                (audiocache bundle) into the --cache folder, which must be empty or hold that same bundle \
                from an earlier start, and serves it read-only.
                """
        )

        @OptionGroup var cacheOptions: CacheOptions

        @Option(help: "The address to listen on (0.0.0.0 for every interface).")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on (0 picks a free one, printed at start).")
        var port = 8080

        @Flag(help: "Open the cache read-only: no lock, no writes (replicas sharing one folder).")
        var readOnly = false

        @Option(
            help: ArgumentHelp(
                "Unpack this bundle into the --cache folder (once; kept while the bundle is the same) and serve it read-only.",
                valueName: "file"
            )
        )
        var bundle: String?

        @Option(help: "Who renders a phrase /api/tts misses (none: a miss is a 404).")
        var provider: ServeProviderChoice = .none

        @Option(help: "A file holding the ElevenLabs API key (default: $ELEVENLABS_API_KEY).")
        var apiKeyFile: String?

        @Option(help: "The ElevenLabs API's base URL (default: $ELEVENLABS_BASE_URL, else https://api.elevenlabs.io).")
        var baseURL: String?

        @Option(help: "Recently served audio kept in memory (500MB, 1GiB, bytes; 0 = none; default 64MiB).")
        var memoryCache: String?

        @Option(help: "A file holding the management API's bearer token (default: $AUDIO_CACHE_ADMIN_TOKEN).")
        var adminTokenFile: String?

        @Option(
            help:
                "The log level: trace, debug, info, notice, warning, error or critical (default: $LOG_LEVEL, else info)."
        )
        var logLevel: Logger.Level?

        func validate() throws {
            try cacheOptions.validate()
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
            guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
            if let memoryCache, ByteCount.parse(memoryCache) == nil {
                throw ValidationError("--memory-cache \"\(memoryCache)\" is not a size (500MB, 1GiB, bytes; 0 = none)")
            }
        }

        func run() async throws {
            let configuration = try await reportingErrors { try cacheOptions.configuration() }
            let token = try adminToken()
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            var logger = Logger(label: "audiocache.serve")
            logger.logLevel =
                logLevel ?? ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
                ?? .info
            let readOnly = readOnly || bundle != nil
            if let bundle {
                let unpacked = try await reportingErrors {
                    try CacheBundle.extractUnlessPresent(bundle, into: configuration.directory)
                }
                logger.info(
                    unpacked ? "bundle unpacked" : "bundle already unpacked",
                    metadata: ["bundle": "\(bundle)", "cache": "\(configuration.directory)"]
                )
            }
            // A replica opens the folder a link points at (a bundle) and watches the link.
            var opened = configuration
            // Accesses are written by the service every flush interval, never by a lookup.
            opened.accessFlushInterval = .max
            if readOnly {
                opened.directory = URL(fileURLWithPath: configuration.directory).resolvingSymlinksInPath().path
            }
            let cache = try await reportingErrors {
                try CacheDirectory(configuration: opened, access: readOnly ? .readOnly : .readWrite)
            }
            let server = ServerConfiguration(
                host: host,
                port: port,
                adminToken: token,
                memoryCacheBytes: memoryCache.flatMap(ByteCount.parse) ?? 64 << 20,
                watchedFolder: readOnly ? configuration.directory : nil,
                onServerRunning: { [logger, host] port in
                    logger.info("listening", metadata: ["address": "http://\(host):\(port)"])
                }
            )
            switch provider {
            case .none:
                try await serve(server, cache: cache, provider: nil, logger: logger)
            case .espeakNG:
                let speech: EspeakProvider
                do {
                    speech = try EspeakProvider()
                } catch {
                    try? await cache.close()
                    printError(error.message)
                    throw ExitStatus.usage
                }
                try await serve(server, cache: cache, provider: speech, logger: logger)
            case .elevenlabs:
                let apiKey: Secret?
                do {
                    apiKey = try ElevenLabsConfiguration.apiKey(file: apiKeyFile)
                } catch {
                    apiKey = nil
                    printError(error.message)
                }
                guard let apiKey else {
                    try? await cache.close()
                    if apiKeyFile == nil {
                        printError(
                            "--provider elevenlabs needs an API key: set ELEVENLABS_API_KEY or pass --api-key-file"
                        )
                    }
                    throw ExitStatus.usage
                }
                let settings = ElevenLabsConfiguration.resolved(
                    apiKey: apiKey,
                    baseURL: baseURL,
                    outputFormat: nil,
                    modelID: nil
                )
                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    let speech = try ElevenLabsProvider(configuration: settings, httpClient: client)
                    try await serve(server, cache: cache, provider: speech, logger: logger)
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try await client.shutdown()
            }
        }

        /// Runs the service until SIGINT or SIGTERM.
        private func serve(
            _ server: ServerConfiguration,
            cache: CacheDirectory,
            provider: (any SpeechProvider)?,
            logger: Logger
        ) async throws {
            let application = buildApplication(configuration: server, cache: cache, provider: provider, logger: logger)
            do {
                try await application.runService()
            } catch {
                try? await cache.close()
                printError("audiocache serve: \(error)")
                throw ExitStatus.io
            }
        }

        /// The token of `--admin-token-file`, else `AUDIO_CACHE_ADMIN_TOKEN`; `nil` when neither
        /// is set. Surrounding white space (a file's final line feed) is not part of it.
        private func adminToken() throws -> String? {
            guard let adminTokenFile else {
                let token = ProcessInfo.processInfo.environment["AUDIO_CACHE_ADMIN_TOKEN"] ?? ""
                return token.isEmpty ? nil : token
            }
            guard let data = FileManager.default.contents(atPath: adminTokenFile) else {
                printError("\(adminTokenFile): cannot read the admin token file")
                throw ExitStatus.missingInput
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                printError("\(adminTokenFile): the admin token file is empty")
                throw ExitStatus.usage
            }
            return token
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

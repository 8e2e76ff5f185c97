import AudioCache
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the audio cache's HTTP service: what `audiocache serve` runs, and what the tests start.
///
/// Routes (docs/openapi.yaml):
/// - `GET`/`HEAD /api/audio/{key}`: a cached entry's audio (``AudioFileResponder``).
/// - `POST /api/tts`, `GET /api/tts?text=…&voice_id=…&language=…`: a phrase's audio, rendered
///   through `provider` on a miss (``ReadThrough``: single flight, deadline, circuit breaker),
///   streamed as it arrives when the provider streams (``StreamingSpeechProvider``).
/// - `GET /api/audio-cache/stats`, `POST /api/audio-cache/clear`, `/invalidate`, `/evict`,
///   `DELETE /api/audio-cache/entries/{key}`: management, behind `Authorization: Bearer`.
/// - `GET /health` (the process is up), `GET /ready` (the cache is open; what it holds; the
///   provider's state), `GET /metrics` (Prometheus: lookups, provider calls, errors and latency,
///   bytes served, evictions, entries, size, requests in flight).
///
/// The application runs under swift-service-lifecycle (`runService()` stops on SIGINT and SIGTERM):
/// the server stops accepting, drains, the flights under way end, and then the cache's access
/// statistics are flushed and the cache closed.
/// - Parameters:
///   - configuration: Where to listen and what to allow.
///   - cache: The open cache; the application closes it when it stops.
///   - provider: What renders misses of `/api/tts`, or `nil` (`--provider none`).
///   - logger: The service's logger.
/// - Returns: The application.
public func buildApplication(
    configuration: ServerConfiguration,
    cache: CacheDirectory,
    provider: (any SpeechProvider)?,
    logger: Logger
) -> some ApplicationProtocol {
    let metrics = ServerMetrics()
    let source = CacheSource(cache)
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: InFlightMiddleware(gauge: metrics.inFlight))
    router.add(middleware: MethodNotAllowedMiddleware())
    let audio = AudioFileResponder(
        pinnedMaxAge: configuration.pinnedMaxAge,
        metrics: metrics,
        hot: HotAudio(capacity: configuration.memoryCacheBytes)
    )
    router.get("api/audio/:key") { request, context in
        try await serveAudio(request, context, cache: source.current, responder: audio)
    }
    router.head("api/audio/:key") { request, context in
        try await serveAudio(request, context, cache: source.current, responder: audio)
    }
    let management = router.group("api/audio-cache").add(
        middleware: AdminTokenMiddleware(token: configuration.adminToken)
    )
    ManagementRoutes(
        source: source,
        maxBodyBytes: configuration.maxBodyBytes,
        maxUploadBytes: configuration.maxUploadBytes,
        metrics: metrics
    ).add(to: management)
    ReviewPage.add(to: router, management: management, source: source)
    let flights = FlightRunner()
    let readThrough = provider.map { provider in
        ReadThrough(
            provider: provider,
            cache: cache,
            timeout: configuration.providerTimeout,
            breaker: CircuitBreaker(
                threshold: configuration.providerFailureThreshold,
                coolDown: configuration.providerCoolDown
            ),
            runner: flights,
            metrics: metrics,
            logger: logger
        )
    }
    SpeechRoutes(
        source: source,
        metrics: metrics,
        readThrough: readThrough,
        responder: audio,
        maxBodyBytes: configuration.maxBodyBytes,
        maxTextCharacters: configuration.maxTextCharacters
    ).add(to: router)
    router.get("health") { _, _ in try JSONResponse.response(["status": "ok"]) }
    router.get("metrics") { _, _ in
        let cache = source.current
        metrics.entries.record(await cache.count)
        metrics.sizeBytes.record(await cache.totalBytes)
        let state = await readThrough?.providerState
        metrics.providerState.record(state.map { [.closed: 0, .open: 1, .halfOpen: 2][$0] ?? 0 } ?? -1)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.text()))
        )
    }
    router.get("ready") { _, _ in
        let cache = source.current
        return try JSONResponse.response(
            Readiness(
                ready: true,
                entries: await cache.count,
                access: cache.access == .readWrite ? "read-write" : "read-only",
                provider: provider?.name ?? "none",
                providerState: await readThrough?.providerState.rawValue ?? "none"
            )
        )
    }
    var services: [any Service] = [
        CacheMaintenanceService(
            source: source,
            flushInterval: configuration.flushInterval,
            expireInterval: configuration.expireInterval,
            metrics: metrics,
            logger: logger,
            preparesListing: configuration.adminToken != nil
        ),
        // After the maintenance service, so that it shuts down before it: flights end (and are
        // stored) before the cache is closed.
        flights,
    ]
    if cache.access == .readOnly {
        services.append(
            IndexWatcher(
                source: source,
                folder: configuration.watchedFolder ?? cache.configuration.directory,
                interval: configuration.reloadInterval,
                metrics: metrics,
                logger: logger,
                preparesListing: configuration.adminToken != nil
            )
        )
    }
    return Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "audiocache"
        ),
        services: services,
        onServerRunning: { channel in await configuration.onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}

private func serveAudio(
    _ request: Request,
    _ context: BasicRequestContext,
    cache: CacheDirectory,
    responder: AudioFileResponder
) async throws -> Response {
    let key = try CacheKey(pathParameter: context.parameters.get("key"))
    guard let hit = await responder.lookup(key, in: cache) else {
        throw APIError(.notFound, reason: "not_found", "no audio is cached under \(key) (or it expired)")
    }
    return try await responder.respond(to: hit, request: request, context: context)
}

/// `GET /ready`.
private struct Readiness: Encodable {
    var ready: Bool
    var entries: Int
    var access: String
    var provider: String
    var providerState: String

    enum CodingKeys: String, CodingKey {
        case ready, entries, access, provider
        case providerState = "provider_state"
    }
}

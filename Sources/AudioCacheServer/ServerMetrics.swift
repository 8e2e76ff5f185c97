import CoreMetrics
import Prometheus

/// What the service counts, recorded through swift-metrics' API into its own Prometheus registry
/// (never the process-wide `MetricsSystem`, which belongs to the application) and written by
/// `GET /metrics` in Prometheus' text format.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Lookups that found audio (`/api/audio/{key}` and `/api/tts`).
    let hits: CoreMetrics.Counter
    /// Lookups that found none.
    let misses: CoreMetrics.Counter
    /// Audio bytes sent.
    let bytesServed: CoreMetrics.Counter
    /// Calls to the provider (one per single flight).
    let providerCalls: CoreMetrics.Counter
    /// Failed provider calls (timeouts included).
    let providerErrors: CoreMetrics.Counter
    /// How long provider calls took.
    let providerLatency: CoreMetrics.Timer
    /// How long a streaming provider took to send the first part of its audio.
    let providerFirstByte: CoreMetrics.Timer
    /// Requests refused at once because the provider is cooling down.
    let providerRefused: CoreMetrics.Counter
    /// Entries removed by the eviction route.
    let evictions: CoreMetrics.Counter
    /// Runtime entries removed once past their TTL.
    let expired: CoreMetrics.Counter
    /// Times a read-only replica reloaded its cache.
    let reloads: CoreMetrics.Counter
    /// Requests being answered.
    let inFlight: CoreMetrics.Gauge
    /// Entries in the cache, set at each scrape.
    let entries: CoreMetrics.Gauge
    /// Bytes of audio in the cache, set at each scrape.
    let sizeBytes: CoreMetrics.Gauge
    /// The provider's breaker: 0 closed, 1 open (cooling down), 2 half open; -1 without a provider.
    let providerState: CoreMetrics.Gauge

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let providerBuckets: [Duration] = [
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2_500), .seconds(5), .seconds(10), .seconds(30),
        ]
        factory.durationHistogramBuckets["audiocache_provider_latency_seconds"] = providerBuckets
        factory.durationHistogramBuckets["audiocache_provider_first_byte_seconds"] = providerBuckets
        hits = CoreMetrics.Counter(label: "audiocache_lookups_total", dimensions: [("result", "hit")], factory: factory)
        misses = CoreMetrics.Counter(
            label: "audiocache_lookups_total",
            dimensions: [("result", "miss")],
            factory: factory
        )
        bytesServed = CoreMetrics.Counter(label: "audiocache_bytes_served_total", factory: factory)
        providerCalls = CoreMetrics.Counter(label: "audiocache_provider_calls_total", factory: factory)
        providerErrors = CoreMetrics.Counter(label: "audiocache_provider_errors_total", factory: factory)
        providerLatency = CoreMetrics.Timer(label: "audiocache_provider_latency_seconds", factory: factory)
        providerFirstByte = CoreMetrics.Timer(label: "audiocache_provider_first_byte_seconds", factory: factory)
        providerRefused = CoreMetrics.Counter(label: "audiocache_provider_refused_total", factory: factory)
        evictions = CoreMetrics.Counter(label: "audiocache_evictions_total", factory: factory)
        expired = CoreMetrics.Counter(label: "audiocache_expired_total", factory: factory)
        reloads = CoreMetrics.Counter(label: "audiocache_reloads_total", factory: factory)
        inFlight = CoreMetrics.Gauge(label: "audiocache_requests_in_flight", factory: factory)
        entries = CoreMetrics.Gauge(label: "audiocache_entries", factory: factory)
        sizeBytes = CoreMetrics.Gauge(label: "audiocache_size_bytes", factory: factory)
        providerState = CoreMetrics.Gauge(label: "audiocache_provider_state", factory: factory)
    }

    /// The registry in Prometheus' text format.
    func text() -> [UInt8] {
        registry.emitToBuffer()
    }
}

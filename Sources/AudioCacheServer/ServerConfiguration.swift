import AudioCache

/// How `audiocache serve` listens and what it allows.
public struct ServerConfiguration: Sendable {
    /// The address to bind; `127.0.0.1` unless told otherwise.
    public var host: String
    /// The port; `0` picks a free one (tests), reported through ``onServerRunning``.
    public var port: Int
    /// The bearer token of the management routes (`/api/audio-cache/…`); with none, they answer
    /// 403 to everyone.
    public var adminToken: String?
    /// The largest request body accepted, in bytes.
    public var maxBodyBytes: Int
    /// The largest recording the review page may upload, in bytes.
    public var maxUploadBytes: Int
    /// The longest text `/api/tts` accepts, in Unicode scalars (the manifests' limit by default).
    public var maxTextCharacters: Int
    /// How often access statistics are written to the journal while serving.
    public var flushInterval: Duration
    /// How often a writable server removes the runtime entries past their TTL.
    public var expireInterval: Duration
    /// How long a pinned entry (pre-warmed or recorded, which never expires) may be cached by a
    /// client or a proxy before it revalidates (its `ETag` makes that cheap).
    public var pinnedMaxAge: Duration
    /// How long a miss waits for the provider before it is answered 503.
    public var providerTimeout: Duration
    /// Provider failures in a row after which it is not called for ``providerCoolDown``.
    public var providerFailureThreshold: Int
    /// How long a failing provider is left alone before one request tries it again.
    public var providerCoolDown: Duration
    /// Bytes of recently served audio kept in memory, so that hits skip the file system (files of
    /// up to 1 MiB); `0` keeps none.
    public var memoryCacheBytes: Int
    /// How often a read-only server looks for a changed index to reload (it also reloads on
    /// `SIGHUP`).
    public var reloadInterval: Duration
    /// The folder a read-only server watches for a new index, when it is not the cache's own: the
    /// path as the user gave it, which may be a link that rollouts point at each new bundle (the
    /// cache itself is then opened where the link points).
    public var watchedFolder: String?
    /// Called once the server listens, with the port it bound.
    public var onServerRunning: @Sendable (Int) async -> Void

    /// Creates a configuration.
    /// - Parameters:
    ///   - host: The address to bind.
    ///   - port: The port; `0` for any free one.
    ///   - adminToken: The management routes' bearer token, or `nil` to refuse them all.
    ///   - maxBodyBytes: The largest request body, in bytes.
    ///   - maxUploadBytes: The largest recording uploaded to replace an entry's audio, in bytes.
    ///   - maxTextCharacters: The longest text `/api/tts` accepts.
    ///   - flushInterval: How often access statistics are written.
    ///   - expireInterval: How often expired runtime entries are removed.
    ///   - pinnedMaxAge: The `Cache-Control` max-age of entries that never expire.
    ///   - providerTimeout: How long a miss waits for the provider.
    ///   - providerFailureThreshold: Failures in a row that start a cool-down.
    ///   - providerCoolDown: How long the provider is not called after them.
    ///   - memoryCacheBytes: Bytes of recently served audio kept in memory.
    ///   - reloadInterval: How often a read-only server checks the index for a change.
    ///   - watchedFolder: The folder a read-only server watches, if not the cache's own.
    ///   - onServerRunning: Told the bound port once the server listens.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        adminToken: String? = nil,
        maxBodyBytes: Int = 64 * 1024,
        maxUploadBytes: Int = 50 << 20,
        maxTextCharacters: Int = ManifestLimits().maxTextCharacters,
        flushInterval: Duration = .seconds(10),
        expireInterval: Duration = .seconds(300),
        pinnedMaxAge: Duration = .seconds(86_400),
        providerTimeout: Duration = .seconds(15),
        providerFailureThreshold: Int = 5,
        providerCoolDown: Duration = .seconds(30),
        memoryCacheBytes: Int = 64 << 20,
        reloadInterval: Duration = .seconds(2),
        watchedFolder: String? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.adminToken = adminToken.flatMap { $0.isEmpty ? nil : $0 }
        self.maxBodyBytes = maxBodyBytes
        self.maxUploadBytes = maxUploadBytes
        self.maxTextCharacters = maxTextCharacters
        self.flushInterval = flushInterval
        self.expireInterval = expireInterval
        self.pinnedMaxAge = pinnedMaxAge
        self.providerTimeout = providerTimeout
        self.providerFailureThreshold = max(1, providerFailureThreshold)
        self.providerCoolDown = providerCoolDown
        self.memoryCacheBytes = max(0, memoryCacheBytes)
        self.reloadInterval = reloadInterval
        self.watchedFolder = watchedFolder
        self.onServerRunning = onServerRunning
    }
}

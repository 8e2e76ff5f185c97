// swift-tools-version: 6.0
import PackageDescription

// The benchmarks, a package of their own so that building the tool builds only the tool:
//
//   swift build --package-path Benchmarks -c release
//
// They use the root package, by path, as a client would: through its products. The scripts beside
// this file build them with scripts/build-release, which knows the release flags.
let package = Package(
    name: "audiocache-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named: a path dependency's identity is otherwise its folder's name, which is the clone's.
        .package(name: "audiocache", path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "CacheBenchmark",
            dependencies: [.product(name: "AudioCache", package: "audiocache")],
            path: "CacheBenchmark"
        ),
        .executableTarget(
            name: "WarmBenchmark",
            dependencies: [
                .product(name: "AudioCache", package: "audiocache"),
                .product(name: "AudioCacheProviders", package: "audiocache"),
                .product(name: "AudioCacheTestSupport", package: "audiocache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "WarmBenchmark"
        ),
    ]
)

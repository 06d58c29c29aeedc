// swift-tools-version:6.0
import PackageDescription

/// Strict settings on every target, as hummingbird does.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Reclaim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "reclaim", targets: ["ReclaimCLI"]),
        .library(name: "PQKit", targets: ["PQKit"]),
        .library(name: "Reclaim", targets: ["Reclaim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // SHA-256 for `fund verify`, computed outside the database it checks.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // The CLI's client of the service's own API (already resolved for HummingbirdTesting).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // The dashboard's templates (server-rendered HTML).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // /metrics: swift-metrics with the Prometheus backend.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The C module: libpq, found through pkg-config, never a hard-coded path.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // A small, safe Swift layer over libpq. Knows nothing of mines.
        .target(
            name: "PQKit",
            dependencies: [
                "CLibPQ",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The domain: mines, the fund ledger, migrations, and later plans and closures.
        .target(
            name: "Reclaim",
            dependencies: [
                "PQKit",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The HTTP service: Hummingbird over the same domain module; the API
        // under /v1 and, beside it, the dashboard (Dashboard/, its templates
        // and stylesheet as files, read at start-up).
        .target(
            name: "ReclaimHTTP",
            dependencies: [
                "Reclaim",
                "PQKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["Dashboard/Templates", "Dashboard/Static"],
            swiftSettings: strict
        ),
        // One interface to everything the API offers, with two backends: the
        // domain over a database connection, and an HTTP client of the API.
        .target(
            name: "ReclaimClient",
            dependencies: [
                "Reclaim",
                "PQKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The `reclaim` executable.
        .executableTarget(
            name: "ReclaimCLI",
            dependencies: [
                "Reclaim",
                "ReclaimClient",
                "ReclaimHTTP",
                "PQKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Shared by the test targets: throwaway databases, the CLI runner.
        .target(
            name: "TestSupport",
            dependencies: ["PQKit", "Reclaim"],
            path: "Tests/Support",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PQKitTests",
            dependencies: ["PQKit", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReclaimTests",
            dependencies: [
                "Reclaim", "PQKit", "TestSupport", "ReclaimCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReclaimHTTPTests",
            dependencies: [
                "ReclaimHTTP", "Reclaim", "PQKit", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ]
)

// swift-tools-version:6.0
// The benchmark peer of `make bench` (issue 33): the leanest Swift service
// over Reclaim's booking function, to measure Reclaim's HTTP layer against.
// A separate package, never a dependency of Reclaim (which stays on libpq).
import PackageDescription

let package = Package(
    name: "ReclaimBenchPeer",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .executableTarget(
            name: "Peer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ]
)

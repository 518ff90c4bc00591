// swift-tools-version: 6.1
// The benchmarks of uncord-e2ee: a package of its own, so that the main build and CI never compile the benchmark
// framework. Run them with `make bench` from the repository root.
import PackageDescription

import class Foundation.ProcessInfo
import struct Foundation.URL

// A path dependency's identity is its folder's name, which is whatever the clone was called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "uncord-e2ee-benchmarks",
    dependencies: [
        .package(path: ".."),
        // The apps' package, for the catch-up figure's network client and development server.
        .package(path: "../Apps"),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        // swift-log at the root package's version, for the notification probe's logger.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // libsodium reached directly, for the floor benchmarks (the root package's CSodium is not a product).
        .systemLibrary(name: "CSodiumBench", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .executableTarget(
            name: "UncordBenchmarks",
            dependencies: [
                "CSodiumBench",
                .product(name: "UncordCrypto", package: rootIdentity),
                .product(name: "UncordRatchet", package: rootIdentity),
                .product(name: "UncordProtocol", package: rootIdentity),
                .product(name: "UncordStore", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/UncordBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // What the probe children share (the key on standard input, the one line of figures, the peak resident set).
        .target(
            name: "ProbeSupport",
            dependencies: [.product(name: "UncordCrypto", package: rootIdentity)],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The children whose resident memory is a figure (the store's open, the notification decrypt): a binary
        // that links what an app's extension links, not the network client or the development server.
        .executableTarget(
            name: "StoreProbe",
            dependencies: [
                "ProbeSupport",
                .product(name: "UncordStore", package: rootIdentity),
                .product(name: "UncordE2EE", package: rootIdentity),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The persisted figures (persisted receive, skipped keys, 10,000 sessions, the store's open) on real store
        // files, timed by itself: their fixtures take seconds to build and the open needs a process of its own.
        .executableTarget(
            name: "StoreBench",
            dependencies: [
                "ProbeSupport",
                .product(name: "UncordCrypto", package: rootIdentity),
                .product(name: "UncordRatchet", package: rootIdentity),
                .product(name: "UncordProtocol", package: rootIdentity),
                .product(name: "UncordStore", package: rootIdentity),
                .product(name: "UncordE2EE", package: rootIdentity),
                .product(name: "UncordClient", package: "apps"),
                .product(name: "UncordDevServer", package: "apps"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)

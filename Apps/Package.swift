// swift-tools-version: 6.1
// The apps of uncord-e2ee, a package of their own so that an app linking the library (the package at the repository's
// root) resolves and builds none of their dependencies: the network client (`UncordClient`, over AsyncHTTPClient and
// a WebSocket client), the development server (`uncord-devserver`, on Hummingbird), the key-management CLI
// (`uncord-keys`), the demo (`uncord-demo`) and the tests that run them. `make demo`, `make test` and `make install`
// at the repository's root build them.
import PackageDescription

import struct Foundation.URL

// A path dependency's identity is its folder's name, which is whatever the clone was called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "uncord-e2ee-apps",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .library(name: "UncordClient", targets: ["UncordClient"]),
        .library(name: "UncordDevServer", targets: ["UncordDevServer"]),
        .library(name: "UncordQRCode", targets: ["UncordQRCode"]),
        .executable(name: "uncord-keys", targets: ["uncord-keys"]),
        .executable(name: "uncord-devserver", targets: ["uncord-devserver"]),
        .executable(name: "uncord-demo", targets: ["uncord-demo"]),
    ],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "UncordClient",
            dependencies: [
                .product(name: "UncordProtocol", package: root),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .target(name: "UncordQRCode", dependencies: ["CQRencode", "CZlib"]),
        .executableTarget(
            name: "uncord-keys",
            dependencies: [
                "UncordClient", "UncordQRCode",
                .product(name: "UncordConformance", package: root),
                .product(name: "UncordCrypto", package: root),
                .product(name: "UncordProtocol", package: root),
                .product(name: "UncordRatchet", package: root),
                .product(name: "UncordStore", package: root),
                .product(name: "UncordE2EE", package: root),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "UncordDevServer",
            dependencies: [
                .product(name: "UncordProtocol", package: root),
                .product(name: "UncordSQLite", package: root),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "uncord-devserver",
            dependencies: [
                "UncordDevServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "uncord-demo",
            dependencies: [
                "UncordClient", "UncordDevServer",
                .product(name: "UncordCrypto", package: root),
                .product(name: "UncordProtocol", package: root),
                .product(name: "UncordRatchet", package: root),
                .product(name: "UncordStore", package: root),
                .product(name: "UncordE2EE", package: root),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "UncordClientTests",
            dependencies: [
                "UncordClient",
                .product(name: "UncordProtocol", package: root),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "UncordDevServerTests",
            dependencies: [
                "UncordDevServer", "UncordClient",
                .product(name: "UncordTestSupport", package: root),
                .product(name: "UncordCrypto", package: root),
                .product(name: "UncordProtocol", package: root),
                .product(name: "UncordRatchet", package: root),
                .product(name: "UncordSQLite", package: root),
                .product(name: "UncordStore", package: root),
                .product(name: "UncordE2EE", package: root),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The engine over the real clients and the development server: the chaos run and the secrets scan (issue 9).
        .testTarget(
            name: "UncordNetworkTests",
            dependencies: [
                "UncordDevServer", "UncordClient",
                .product(name: "UncordTestSupport", package: root),
                .product(name: "UncordCrypto", package: root),
                .product(name: "UncordProtocol", package: root),
                .product(name: "UncordRatchet", package: root),
                .product(name: "UncordStore", package: root),
                .product(name: "UncordE2EE", package: root),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "UncordQRCodeTests", dependencies: ["UncordQRCode"]),
        .testTarget(
            name: "UncordKeysTests",
            dependencies: [
                "UncordQRCode",
                .product(name: "UncordTestSupport", package: root),
                .product(name: "UncordCrypto", package: root),
                .product(name: "UncordProtocol", package: root),
                .product(name: "UncordRatchet", package: root),
                .product(name: "UncordSQLite", package: root),
                .product(name: "UncordStore", package: root),
            ]
        ),
    ]
)

// The strict settings, applied to every Swift target in one place (as in the library's package).
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}

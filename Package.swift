// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "uncord-e2ee",
    products: [
        .library(name: "UncordCrypto", targets: ["UncordCrypto"]),
        .library(name: "UncordProtocol", targets: ["UncordProtocol"]),
        .library(name: "UncordRatchet", targets: ["UncordRatchet"]),
        .library(name: "UncordStore", targets: ["UncordStore"]),
        .library(name: "UncordE2EE", targets: ["UncordE2EE"]),
        .library(name: "UncordConformance", targets: ["UncordConformance"]),
        .library(name: "UncordClient", targets: ["UncordClient"]),
        .library(name: "UncordQRCode", targets: ["UncordQRCode"]),
        .executable(name: "uncord-keys", targets: ["uncord-keys"]),
        .library(name: "UncordDevServer", targets: ["UncordDevServer"]),
        .executable(name: "uncord-devserver", targets: ["uncord-devserver"]),
        .executable(name: "uncord-demo", targets: ["uncord-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
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
        .target(name: "UncordCrypto", dependencies: ["CSodium"]),
        .target(name: "UncordProtocol", dependencies: ["UncordCrypto"]),
        .target(name: "UncordRatchet", dependencies: ["UncordCrypto", "UncordProtocol"]),
        .target(name: "UncordStore", dependencies: ["CSQLite", "UncordCrypto", "UncordProtocol", "UncordRatchet"]),
        .target(
            name: "UncordE2EE",
            dependencies: [
                "UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordStore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "UncordClient",
            dependencies: [
                "UncordProtocol", "UncordE2EE",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .target(name: "UncordConformance", dependencies: ["UncordCrypto", "UncordProtocol", "UncordRatchet"]),
        .target(name: "UncordQRCode", dependencies: ["CQRencode", "CZlib"]),
        .executableTarget(
            name: "uncord-keys",
            dependencies: [
                "UncordConformance", "UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordStore",
                "UncordClient", "UncordE2EE", "UncordQRCode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "uncord-crash-helper",
            dependencies: ["UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordStore"]
        ),
        .executableTarget(
            name: "generate-vectors",
            dependencies: ["UncordCrypto", "UncordProtocol", "UncordConformance"]
        ),
        .target(
            name: "UncordDevServer",
            dependencies: [
                "UncordProtocol", "UncordStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
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
                "UncordClient", "UncordDevServer", "UncordE2EE", "UncordStore", "UncordRatchet", "UncordProtocol",
                "UncordCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "UncordCryptoTests", dependencies: ["UncordCrypto"]),
        .testTarget(name: "UncordProtocolTests", dependencies: ["UncordProtocol"]),
        .testTarget(name: "UncordRatchetTests", dependencies: ["UncordRatchet", "UncordStore"]),
        .testTarget(
            name: "UncordStoreTests", dependencies: ["UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordStore"]),
        .testTarget(
            name: "UncordE2EETests",
            dependencies: [
                "UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordStore", "UncordE2EE", "UncordTestSupport",
                // The chaos and secrets tests (issue 9) run engines over the real clients and the dev server.
                "UncordClient", "UncordDevServer",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "UncordTestSupport", path: "Tests/UncordTestSupport"),
        .testTarget(
            name: "UncordDevServerTests",
            dependencies: [
                "UncordTestSupport", "UncordDevServer", "UncordProtocol", "UncordStore", "UncordCrypto",
                "UncordRatchet", "UncordClient", "UncordE2EE",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "UncordClientTests",
            dependencies: [
                "UncordClient", "UncordProtocol", "UncordE2EE",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "UncordQRCodeTests", dependencies: ["UncordQRCode"]),
        .testTarget(
            name: "UncordKeysTests",
            dependencies: [
                "UncordTestSupport", "UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordStore", "UncordQRCode",
            ]
        ),
        .testTarget(
            name: "UncordConformanceTests",
            dependencies: ["UncordConformance"],
            resources: []
        ),
    ]
)

// The strict settings, applied to every Swift target in one place.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}

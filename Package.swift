// swift-tools-version: 6.1
// The library: what an app links to encrypt and decrypt Uncord DMs. It depends on swift-log and two system libraries
// (libsodium, SQLite) and nothing else; the network client, the development server, the CLI and the demo are the
// package in Apps/, and the benchmarks and fuzz targets have packages of their own (Benchmarks/, Fuzz/).
import PackageDescription

let package = Package(
    name: "uncord-e2ee",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "UncordCrypto", targets: ["UncordCrypto"]),
        .library(name: "UncordProtocol", targets: ["UncordProtocol"]),
        .library(name: "UncordRatchet", targets: ["UncordRatchet"]),
        .library(name: "UncordSQLite", targets: ["UncordSQLite"]),
        .library(name: "UncordStore", targets: ["UncordStore"]),
        .library(name: "UncordE2EE", targets: ["UncordE2EE"]),
        .library(name: "UncordConformance", targets: ["UncordConformance"]),
        // What the tests of this package and of Apps/ share (subprocesses, seeded randomness); not for apps.
        .library(name: "UncordTestSupport", targets: ["UncordTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2")
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "UncordCrypto", dependencies: ["CSodium"]),
        .target(name: "UncordProtocol", dependencies: ["UncordCrypto"]),
        .target(name: "UncordRatchet", dependencies: ["UncordCrypto", "UncordProtocol"]),
        .target(name: "UncordSQLite", dependencies: ["CSQLite", "UncordCrypto"]),
        .target(
            name: "UncordStore", dependencies: ["UncordSQLite", "UncordCrypto", "UncordProtocol", "UncordRatchet"]),
        .target(
            name: "UncordE2EE",
            dependencies: [
                "UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordStore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "UncordConformance", dependencies: ["UncordCrypto", "UncordProtocol", "UncordRatchet"]),
        .executableTarget(
            name: "uncord-crash-helper",
            dependencies: ["UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordStore"]
        ),
        .executableTarget(
            name: "generate-vectors",
            dependencies: ["UncordCrypto", "UncordProtocol", "UncordConformance"]
        ),
        .target(
            name: "UncordTestSupport",
            dependencies: ["UncordCrypto", "UncordRatchet", "UncordSQLite", "UncordStore"],
            path: "Tests/UncordTestSupport"
        ),
        .testTarget(name: "UncordCryptoTests", dependencies: ["UncordCrypto", "UncordTestSupport"]),
        .testTarget(name: "UncordProtocolTests", dependencies: ["UncordProtocol", "UncordTestSupport"]),
        .testTarget(
            name: "UncordRatchetTests",
            dependencies: ["UncordRatchet", "UncordSQLite", "UncordStore", "UncordTestSupport"]
        ),
        .testTarget(name: "UncordSQLiteTests", dependencies: ["UncordSQLite", "UncordTestSupport"]),
        .testTarget(
            name: "UncordStoreTests",
            dependencies: [
                "UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordSQLite", "UncordStore", "UncordTestSupport",
            ]
        ),
        .testTarget(
            name: "UncordE2EETests",
            dependencies: [
                "UncordCrypto", "UncordProtocol", "UncordRatchet", "UncordSQLite", "UncordStore", "UncordE2EE",
                "UncordTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "UncordConformanceTests", dependencies: ["UncordConformance"]),
    ]
)

// `make docs` sets UNCORD_DOCS=1 to add swift-docc-plugin, so an app that links the library never resolves it.
if Context.environment["UNCORD_DOCS"] == "1" {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
}

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

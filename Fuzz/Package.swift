// swift-tools-version: 6.1
// The fuzz targets of uncord-e2ee: a package of its own, built with libFuzzer and AddressSanitizer
// (`-sanitize=fuzzer,address`), so the main build never carries the instrumentation. Run them with
// `make fuzz FUZZ_SECONDS=N` from the repository root (Docs/FUZZING.md).
import PackageDescription

import struct Foundation.URL

// A path dependency's identity is its folder's name, which is whatever the clone was called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

/// One executable per fuzz target; each links libFuzzer's driver through `FuzzSupport`.
let fuzzTargets: [(name: String, products: [String])] = [
    ("FuzzFrame", ["UncordProtocol"]),
    ("FuzzWrap", ["UncordRatchet", "UncordCrypto"]),
    ("FuzzContent", ["UncordRatchet", "UncordCrypto"]),
    ("FuzzPayload", ["UncordRatchet", "UncordProtocol"]),
    ("FuzzBundle", ["UncordRatchet", "UncordProtocol", "UncordCrypto"]),
    ("FuzzReceive", ["UncordRatchet", "UncordProtocol", "UncordCrypto"]),
]

let package = Package(
    name: "uncord-e2ee-fuzz",
    products: fuzzTargets.map { .executable(name: $0.name, targets: [$0.name]) },
    dependencies: [.package(path: "..")],
    targets: [
        // libFuzzer's `LLVMFuzzerRunDriver`, declared for Swift (the library itself comes with -sanitize=fuzzer).
        .systemLibrary(name: "CFuzzer", path: "Sources/CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"], swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
        + fuzzTargets.map { target in
            .executableTarget(
                name: target.name,
                dependencies: ["FuzzSupport"] + target.products.map { .product(name: $0, package: rootIdentity) },
                swiftSettings: [.swiftLanguageMode(.v6)]
            )
        }
)

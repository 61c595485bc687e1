// swift-tools-version:6.0
import PackageDescription

// moq-fastrelay: a Media-over-QUIC stack whose relay can forward media in the kernel (TC eBPF).
// Layout and module boundaries: see README.md and docs/ARCHITECTURE.md.

let common = "Sources/Common"

let package = Package(
    name: "moq-fastrelay",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "moq-pub", targets: ["moq-pub"]),
        .executable(name: "moq-relay", targets: ["moq-relay"]),
        .executable(name: "moq-sub", targets: ["moq-sub"]),
        .executable(name: "quic-interop", targets: ["quic-interop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C system libraries.
        .systemLibrary(name: "CAVFormat", path: "\(common)/CAVFormat", pkgConfig: "libavformat libavcodec libavutil"),
        .systemLibrary(name: "CGnuTLS", path: "\(common)/CGnuTLS", pkgConfig: "gnutls"),
        .systemLibrary(name: "CLibBPF", path: "\(common)/CLibBPF", pkgConfig: "libbpf"),
        // The one ABI header shared by the BPF programs (bpf/fastpath_abi.h) and Swift.
        .target(name: "CFastPathABI", path: "\(common)/CFastPathABI"),

        // Pure Swift libraries.
        .target(name: "Wire", path: "\(common)/Wire"),
        .target(
            name: "QUIC",
            dependencies: [
                "Wire", "CGnuTLS",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "\(common)/QUIC",
            // Dynamic exclusivity checks cost ~10% of the packet path (docs/QUIC-PERF.md); debug builds keep them.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .target(name: "QUICTLS", dependencies: ["QUIC", "CGnuTLS"], path: "\(common)/QUICTLS"),
        .target(
            name: "QUICIO",
            dependencies: [
                "QUIC", "QUICTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "\(common)/QUICIO"
        ),
        .target(name: "NetSim", dependencies: ["QUIC"], path: "\(common)/NetSim"),
        // MoQT on a sans-I/O QUIC connection: the transport adapter and the event bridge, shared by
        // MoQTNet (real sockets) and the simulator tests.
        .target(name: "MoQTQUIC", dependencies: ["MoQT", "QUIC"], path: "\(common)/MoQTQUIC"),
        .target(
            name: "MoQTNet",
            dependencies: ["MoQT", "MoQTQUIC", "MoQTWebTransport", "HTTP3", "QUIC", "QUICIO", "QUICTLS", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            path: "\(common)/MoQTNet"
        ),
        .target(name: "MoQT", dependencies: ["Wire"], path: "\(common)/MoQT"),
        // HTTP/3 and WebTransport, sans-I/O (docs/WEBTRANSPORT.md).
        .target(name: "HTTP3", dependencies: ["Wire"], path: "\(common)/HTTP3"),
        // MoQT over a WebTransport session on one of our QUIC connections (ALPN h3).
        .target(name: "MoQTWebTransport", dependencies: ["MoQT", "HTTP3", "QUIC"], path: "\(common)/MoQTWebTransport"),
        .target(name: "Media", dependencies: ["CAVFormat"], path: "\(common)/Media"),
        .target(
            name: "MoQMedia",
            dependencies: ["Media", "MoQT", "MoQTNet", "QUICIO", "QUICTLS", "Wire", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio")],
            path: "\(common)/MoQMedia"
        ),
        .target(
            name: "Relay",
            dependencies: ["MoQT", "Wire", "MoQTNet", "MoQTQUIC", "QUIC", "QUICIO", "QUICTLS", "FastPath", "CFastPathABI", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio")],
            path: "\(common)/Relay"
        ),
        // Prometheus metrics of the relay over HTTP (moq-relay --metrics).
        .target(
            name: "RelayMetrics",
            dependencies: ["Relay", .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "\(common)/RelayMetrics"
        ),
        .target(name: "FastPath", dependencies: ["CLibBPF", "CFastPathABI"], path: "\(common)/FastPath"),
        // The web player over HTTP (moq-relay --http; docs/WEBTRANSPORT.md).
        .target(name: "PlayerHTTP", dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                                                   .product(name: "NIOHTTP1", package: "swift-nio")], path: "\(common)/PlayerHTTP"),
        .target(
            name: "CLIKit",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "\(common)/CLIKit"
        ),

        // Executables: argument parsing and wiring only.
        .executableTarget(
            name: "moq-pub",
            dependencies: ["MoQMedia", "MoQTNet", "CLIKit", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log")],
            path: "Sources/moq-pub"
        ),
        .executableTarget(
            name: "moq-relay",
            dependencies: ["MoQT", "MoQTNet", "Relay", "RelayMetrics", "FastPath", "CLIKit", "PlayerHTTP", "QUICTLS", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
            path: "Sources/moq-relay"
        ),
        .executableTarget(
            name: "moq-sub",
            dependencies: ["Media", "MoQMedia", "MoQTNet", "CLIKit", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log")],
            path: "Sources/moq-sub"
        ),
        .executableTarget(
            name: "quic-interop",
            dependencies: ["QUIC", "QUICTLS", "QUICIO", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Interop/quic-interop"
        ),

        // libFuzzer harnesses (docs/FUZZING.md): built with -sanitize=fuzzer -DFUZZING by scripts/fuzz.sh;
        // an ordinary build makes them replay tools for saved inputs.
        .target(name: "FuzzSupport", path: "Tests/Fuzz/FuzzSupport"),
        .executableTarget(name: "fuzz-moqt-coding", dependencies: ["FuzzSupport", "MoQT", "Wire"], path: "Tests/Fuzz/fuzz-moqt-coding"),
        .executableTarget(name: "fuzz-moqt-control", dependencies: ["FuzzSupport", "MoQT", "Wire"], path: "Tests/Fuzz/fuzz-moqt-control"),
        .executableTarget(name: "fuzz-moqt-data", dependencies: ["FuzzSupport", "MoQT", "Wire"], path: "Tests/Fuzz/fuzz-moqt-data"),
        .executableTarget(name: "fuzz-loc", dependencies: ["FuzzSupport", "MoQMedia", "MoQT", "Wire"], path: "Tests/Fuzz/fuzz-loc"),
        .executableTarget(name: "fuzz-catalog", dependencies: ["FuzzSupport", "MoQMedia"], path: "Tests/Fuzz/fuzz-catalog"),
        .executableTarget(name: "fuzz-quic-packet", dependencies: ["FuzzSupport", "QUIC", "Wire"], path: "Tests/Fuzz/fuzz-quic-packet"),
        .executableTarget(name: "fuzz-quic-frame", dependencies: ["FuzzSupport", "QUIC", "Wire"], path: "Tests/Fuzz/fuzz-quic-frame"),
        .executableTarget(name: "fuzz-http3", dependencies: ["FuzzSupport", "HTTP3", "Wire"], path: "Tests/Fuzz/fuzz-http3"),
        .executableTarget(name: "fuzz-quic-transport-parameters", dependencies: ["FuzzSupport", "QUIC", "Wire"], path: "Tests/Fuzz/fuzz-quic-transport-parameters"),
        .executableTarget(name: "fuzz-bpf-classifier", dependencies: ["FuzzSupport", "FastPath", "CFastPathABI", "CLibBPF"], path: "Tests/Fuzz/fuzz-bpf-classifier"),

        // Tests mirror modules.
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "HTTP3Tests", dependencies: ["HTTP3", "Wire"]),
        .testTarget(name: "MoQTWebTransportTests", dependencies: ["MoQTWebTransport", "HTTP3", "MoQT", "QUIC", "QUICTLS", "NetSim", "Wire"]),
        .testTarget(name: "QUICTests", dependencies: [
            "QUIC", "QUICTLS", "NetSim", "Wire",
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .testTarget(name: "QUICTLSTests", dependencies: ["QUIC", "QUICTLS", "TestSupport"]),
        .testTarget(name: "MoQTTests", dependencies: ["MoQT", "Wire", "TestSupport"]),
        .testTarget(name: "MoQTSimulationTests", dependencies: ["MoQTQUIC", "MoQT", "QUIC", "QUICTLS", "NetSim", "TestSupport"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MediaTests", dependencies: ["Media", "TestSupport"]),
        .testTarget(name: "MoQMediaTests", dependencies: ["TestSupport", "MoQMedia", "MoQTNet", "Media", "MoQT"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "QUICIOTests", dependencies: ["QUICIO", "QUIC", "QUICTLS", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "RelayTests", dependencies: ["Relay", "MoQT", "MoQTNet", "QUIC", "QUICIO", "QUICTLS", "TestSupport",
                                                   .product(name: "NIOCore", package: "swift-nio"),
                                                   .product(name: "NIOPosix", package: "swift-nio"),
                                                   .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
        .testTarget(name: "RelayMetricsTests", dependencies: ["RelayMetrics", "Relay", .product(name: "NIOCore", package: "swift-nio"),
                                                          .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "FastPathTests", dependencies: ["FastPath", "CFastPathABI", "CLibBPF", "Relay", "MoQT", "Wire", "TestSupport",
                                                      // the kernel's ChaCha20-Poly1305 checked against an independent implementation
                                                      "QUIC", .product(name: "Crypto", package: "swift-crypto"),
                                                      .product(name: "_CryptoExtras", package: "swift-crypto")]),
    ],
    swiftLanguageModes: [.v5]
)

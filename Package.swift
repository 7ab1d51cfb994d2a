// swift-tools-version: 6.1
import PackageDescription

/// A Debian system library reached through pkg-config.
func systemLibrary(_ name: String, pkgConfig: String, apt: [String]) -> Target {
    .systemLibrary(name: name, pkgConfig: pkgConfig, providers: [.apt(apt)])
}

let package = Package(
    name: "kdnetctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kdnetctl", targets: ["kdnetctl"]),
        .library(name: "KDNetKit", targets: ["KDNetKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The lab service's stderr log (journald reads it); small, no dependencies.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The lab service's /metrics (with swift-metrics and swift-atomics, both small).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        systemLibrary("CSodium", pkgConfig: "libsodium", apt: ["libsodium-dev"]),
        systemLibrary("CPCI", pkgConfig: "libpci", apt: ["libpci-dev"]),
        systemLibrary("CNetlink", pkgConfig: "libnl-route-3.0", apt: ["libnl-3-dev", "libnl-route-3-dev"]),
        systemLibrary("CPcap", pkgConfig: "libpcap", apt: ["libpcap-dev"]),
        systemLibrary("CNftables", pkgConfig: "libnftables", apt: ["libnftables-dev"]),
        systemLibrary("CLibcrypto", pkgConfig: "libcrypto", apt: ["libssl-dev"]),
        // C glue that needs file-scope state or fixed-arity wrappers around variadic calls.
        .target(name: "CShims", dependencies: ["CPCI"]),
        // KDNET's datagram cipher on libcrypto, keyed once per session (the hot path of
        // inspect and the listener); swift-crypto does the rest.
        .target(name: "CDatagramCipher", dependencies: ["CLibcrypto"]),
        // libvirt's C API (headers from libvirt-dev), loaded with dlopen at first use, not
        // linked: its 60-odd libraries cost every command's start-up, and most never use it.
        .target(name: "CLibvirt"),
        // The protocol core: codec, sessions, keys and the address value. No sockets,
        // clocks or host queries: the compiler keeps them out (NIOCore beside NIOPosix).
        .target(
            name: "KDNetProtocol",
            dependencies: [
                "CSodium", "CDatagramCipher",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "KDNetKit",
            dependencies: [
                "KDNetProtocol",
                "CSodium", "CPCI", "CNetlink", "CPcap", "CNftables", "CLibvirt", "CShims",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "kdnetctl",
            dependencies: [
                "KDNetKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Shared by the tests, the fuzz harness and the benchmarks, in no product: the
        // in-memory session pump, the built-binary locator, golden files.
        .target(name: "KDNetTestSupport", dependencies: ["KDNetKit"]),
        // Fuzz harnesses: built with libFuzzer by Checks/check-fuzz.sh, or as a replayer.
        .executableTarget(name: "kdnetctl-fuzz", dependencies: ["KDNetKit", "KDNetTestSupport"]),
        // Benchmarks: `swift build -c release --static-swift-stdlib --product kdnetctl-bench`, see README.md.
        // The benchmarks' crypto floor: a bare C loop over libcrypto, the baseline no decoder can beat.
        .target(name: "CCryptoFloor", dependencies: ["CLibcrypto", "CDatagramCipher"]),
        // The benchmarks' view of a child's own peak memory (ru_maxrss of a posix_spawn'd child
        // starts at the parent's, since the child shares the parent's memory until it execs).
        .target(name: "CSpawnPeak"),
        .executableTarget(
            name: "kdnetctl-bench",
            dependencies: [
                "KDNetKit", "KDNetTestSupport", "CCryptoFloor", "CSpawnPeak",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "KDNetKitTests",
            dependencies: ["KDNetKit", "KDNetTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "kdnetctlTests",
            dependencies: ["KDNetKit", "KDNetTestSupport"]
        ),
    ]
)

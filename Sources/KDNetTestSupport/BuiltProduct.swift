import Foundation

/// Finds a program SwiftPM built (kdnetctl, kdnetctl-fuzz) for the tests and benchmarks
/// that run it, and fails loudly when it is missing: a test that cannot find the binary
/// must fail saying so, never skip or pass on an error it did not mean.
public enum BuiltProduct {
    public struct Missing: Error, CustomStringConvertible {
        public var name: String
        public var searched: String
        public var description: String {
            "\(name) is not built: no executable \(name) in \(searched) or the folders above it; build it first (swift build --build-tests, or swift build -c release --product \(name) for the benchmarks)"
        }
    }

    /// The executable `name` from environment variable `override` when set, else the one
    /// in the folder of the running program (the test runner sits in the build products
    /// folder, or inside a bundle folder there) or the nearest folder above it.
    public static func url(_ name: String, overriddenBy override: String? = nil) throws(Missing) -> URL {
        if let override, let path = ProcessInfo.processInfo.environment[override], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else { throw Missing(name: name, searched: "$\(override) (\(path))") }
            return URL(fileURLWithPath: path)
        }
        let start = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var dir = start
        while true {
            let candidate = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            guard dir.path != "/" else { throw Missing(name: name, searched: start.path) }
            dir = dir.deletingLastPathComponent()
        }
    }
}

import Foundation
import KDNetTestSupport

/// Runs the built `kdnetctl` binary as a user would, capturing its output.
struct KdnetctlBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary SwiftPM built next to the test runner; a missing one fails the test
    /// that wants it, naming what to build (`BuiltProduct.Missing`).
    static var url: URL { get throws { try BuiltProduct.url("kdnetctl") } }

    /// Each run gets a state directory of its own (made only if the run remembers a
    /// setup): a wizard or plan run by one test must not become the remembered setup of
    /// the user running the tests, nor of a test running beside it. Give XDG_STATE_HOME
    /// in `environment` to share one between runs.
    static var baseEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env["XDG_STATE_HOME"] = FileManager.default.temporaryDirectory
            .appendingPathComponent("kdnetctl-tests-state/\(UUID().uuidString)").path
        return env
    }

    @discardableResult
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    currentDirectory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = try url
        process.arguments = arguments
        var env = baseEnvironment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so neither fills up and blocks the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A UDP port in `range` that nothing holds now, on IPv4 and IPv6 alike (a dual-stack
    /// bind of `[::]:port` succeeds). Each call starts where the last one stopped, so
    /// tests running side by side never get the same port, and the first start differs
    /// per process.
    static func freeUDPPort(in range: ClosedRange<Int> = 50100...59999) -> Int {
        let span = range.count
        let start = PortCursor.shared.next(span: span)
        for step in 0..<span {
            let port = range.lowerBound + (start + step) % span
            let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var off: Int32 = 0
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
            if bound == 0 { return port }
        }
        return range.lowerBound
    }

    private final class PortCursor: @unchecked Sendable {
        static let shared = PortCursor()
        private let lock = NSLock()
        private var offset = Int(getpid()) * 7

        func next(span: Int) -> Int {
            lock.lock(); defer { lock.unlock() }
            offset += 1
            return offset % span
        }
    }

    /// Starts the binary in the background and returns once it prints `ready` on stderr
    /// (listen, probe listen and simulate-target say so once bound), so a test talks
    /// to it without guessing how long start-up takes. Fails if it exits first or
    /// stays silent for `limit` seconds.
    static func start(_ arguments: [String], readyWhen ready: String, limit: Double = 20) throws -> (Process, Pipe, StderrWatch) {
        let process = Process()
        process.executableURL = try url
        process.arguments = arguments
        process.environment = baseEnvironment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let said = StderrWatch(err.fileHandleForReading)
        guard said.wait(for: ready, seconds: limit) else {
            process.terminate()
            process.waitUntilExit()
            throw StartError(arguments: arguments, stderr: said.text)
        }
        return (process, out, said)
    }

    struct StartError: Error, CustomStringConvertible {
        var arguments: [String]
        var stderr: String
        var description: String { "kdnetctl \(arguments.joined(separator: " ")) never became ready: \(stderr)" }
    }

    /// Collects a child's stderr on a background thread (so the pipe never fills) and
    /// lets the test wait for a line, or for the end once the child has exited.
    final class StderrWatch: @unchecked Sendable {
        private let lock = NSCondition()
        private var buffer = ""
        private var closed = false

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData
                    lock.lock()
                    if chunk.isEmpty { closed = true } else { buffer += String(decoding: chunk, as: UTF8.self) }
                    lock.broadcast()
                    lock.unlock()
                    if chunk.isEmpty { return }
                }
            }
        }

        var text: String { lock.lock(); defer { lock.unlock() }; return buffer }

        /// Everything the child wrote, once it has closed stderr (it exited).
        func all(seconds: Double = 10) -> String {
            let deadline = Date(timeIntervalSinceNow: seconds)
            lock.lock(); defer { lock.unlock() }
            while !closed, lock.wait(until: deadline) {}
            return buffer
        }

        func wait(for needle: String, seconds: Double) -> Bool {
            let deadline = Date(timeIntervalSinceNow: seconds)
            lock.lock(); defer { lock.unlock() }
            while !buffer.contains(needle) {
                if closed || !lock.wait(until: deadline) { return buffer.contains(needle) }
            }
            return true
        }
    }

    /// Runs `body` with a fresh network namespace of that name (loopback up), deleted after.
    static func withNetworkNamespace<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let ip = { (args: [String]) in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            p.arguments = args
            try p.run(); p.waitUntilExit()
        }
        try ip(["netns", "add", name])
        defer { try? ip(["netns", "del", name]) }
        try ip(["-n", name, "link", "set", "lo", "up"])
        return try body()
    }

    /// Runs the binary under `/usr/bin/time` (inside network namespace `namespace` when
    /// given) and returns its exit status, standard output and peak resident set size in KiB.
    static func peakRSS(_ arguments: [String], inNamespace namespace: String? = nil) throws -> (status: Int32, stdout: String, kib: Int) {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("rss-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: report) }
        let binary = try url.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: namespace == nil ? "/usr/bin/time" : "/usr/sbin/ip")
        p.arguments = (namespace.map { ["netns", "exec", $0, "/usr/bin/time"] } ?? [])
            + ["-f", "%M", "-o", report.path, binary] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = try String(contentsOf: report, encoding: .utf8)
        // `time` notes a non-zero exit on a line of its own before the number.
        let kib = text.split(separator: "\n").compactMap { Int($0) }.last ?? 0
        return (p.terminationStatus, String(decoding: stdout, as: UTF8.self), kib)
    }

    /// Runs with `--json` and decodes the single JSON document on stdout.
    static func json(_ arguments: [String], stdin: String? = nil) throws -> (Result, [String: Any]) {
        let r = try run(arguments + ["--json"], stdin: stdin)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        return (r, object)
    }
}

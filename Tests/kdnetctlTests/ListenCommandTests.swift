import Foundation
import Testing

/// `listen` against `simulate-target`, both binaries, over loopback (127.0.0.1 host,
/// 127.0.0.2 target, so both can own the same port number as a real pair does).
@Suite(.serialized) struct ListenCommandTests {
    static func freePort() -> String { String(Int.random(in: 52000...52999)) }

    /// Starts the simulator in the background; returns it so the test can wait for it.
    static func simulator(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = KdnetctlBinary.url
        p.arguments = ["simulate-target", "--host-ip", "127.0.0.1", "--bind", "127.0.0.2"] + args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func key() throws -> String {
        try KdnetctlBinary.run(["key", "generate"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func connectsToASimulatedTargetAndReportsItsBuild() throws {
        let port = Self.freePort(), k = try key()
        let sim = try Self.simulator(["--port", port, "--key", k, "--poke-interval", "1", "--build", "10586", "--machine", "x86", "--duration", "5"])
        defer { sim.terminate(); sim.waitUntilExit() }
        let (r, doc) = try KdnetctlBinary.json(["listen", "--port", port, "--key", k, "--bind", "127.0.0.1", "--timeout", "10"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(doc["connected"] as? Bool == true && doc["build"] as? Int == 10586 && doc["machine"] as? String == "x86")
        #expect((doc["target"] as? [String: Any])?["address"] as? String == "127.0.0.2")
    }

    @Test func wrongKeyIsDiagnosedAfterTheTimeout() throws {
        let port = Self.freePort()
        let sim = try Self.simulator(["--port", port, "--key", try key(), "--poke-interval", "0.5", "--duration", "4"])
        defer { sim.terminate(); sim.waitUntilExit() }
        let (r, doc) = try KdnetctlBinary.json(["listen", "--port", port, "--key", try key(), "--bind", "127.0.0.1", "--timeout", "2"])
        #expect(r.status == 1)
        #expect(doc["connected"] as? Bool == false && doc["diagnosis"] as? String == "wrong-key")
    }

    /// Hostile-input trial #17a: every port held a 64 KiB receive buffer per socket, so
    /// 2,000 idle targets cost 260 MB. They must cost a few KiB each: at most 8 KiB a
    /// target over a one-target run (one 64 KiB buffer per port would be 125 MiB more).
    @Test func idleTargetsCostAFewKilobytesEach() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("listen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let k = try key()
        func config(_ count: Int) throws -> String {
            let targets = (0..<count).map { ["name": "t\($0)", "port": 50000 + $0, "key": k] as [String: Any] }
            let url = folder.appendingPathComponent("listener-\(count).json")
            try JSONSerialization.data(withJSONObject: ["version": 1, "targets": targets]).write(to: url)
            return url.path
        }
        // Its own network namespace: thousands of ports cannot collide with anything else.
        let ns = "kdt-rss-\(getpid())"
        let (one, many) = try KdnetctlBinary.withNetworkNamespace(ns) {
            (try KdnetctlBinary.peakRSS(["listen", "--config", try config(1), "--timeout", "1", "--json"], inNamespace: ns),
             try KdnetctlBinary.peakRSS(["listen", "--config", try config(2000), "--timeout", "1", "--json"], inNamespace: ns))
        }
        // Exit 1: nothing connected, as expected of idle targets.
        #expect(one.status == 1 && many.status == 1 && one.kib > 0)
        let doc = try JSONSerialization.jsonObject(with: Data(many.stdout.utf8)) as? [String: Any]
        #expect((doc?["targets"] as? [Any])?.count == 2000, "\(many.stdout.prefix(300))")
        #expect(many.kib - one.kib < 2000 * 8, "2,000 targets peaked at \(many.kib) KiB, one at \(one.kib) KiB")
    }

    @Test func missingKeyOrBadTimeoutAreUsageErrors() throws {
        #expect(try KdnetctlBinary.run(["listen", "--port", "50000"]).status == 64)
        let r = try KdnetctlBinary.run(["listen", "--port", "50000", "--key", "1.2.3.4", "--timeout", "0"])
        #expect(r.status == 64 && r.stderr.contains("--timeout"))
        #expect(try KdnetctlBinary.run(["simulate-target", "--host-ip", "nowhere", "--port", "50000", "--key", "1.2.3.4"]).status == 64)
    }
}

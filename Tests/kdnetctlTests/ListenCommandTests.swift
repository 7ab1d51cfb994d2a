import Foundation
import Testing

/// `listen` against `simulate-target`, both binaries, over loopback (127.0.0.1 host,
/// 127.0.0.2 target, so both can own the same port number as a real pair does).
@Suite(.serialized) struct ListenCommandTests {
    static func freePort() -> String { String(KdnetctlBinary.freeUDPPort()) }

    /// Starts the simulator in the background; returns it so the test can wait for it.
    static func simulator(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = try KdnetctlBinary.url
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
            chmod(url.path, 0o600)  // it holds keys: one others can read is refused
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

    /// A hand-edited config is checked before anything listens: exit 1 (a file's content,
    /// not how the command was called), one line naming the target and the field.
    @Test(arguments: [
        (#"{"version": 1, "targets": [{"name": "lab-07", "port": 80, "key": "KEY"}]}"#,
         #"target 'lab-07': port 80 is outside 49152-65535; pick one from 50000-50039"#),
        (#"{"version": 1, "targets": [{"name": "a", "port": 0, "key": "KEY"}]}"#, #"target 'a': port 0 is outside 49152-65535"#),
        (#"{"version": 1, "targets": [{"name": "a", "key": "KEY"}]}"#, #"target 'a': port is missing"#),
        (#"{"version": 3, "targets": [{"name": "a", "port": 50000, "key": "KEY"}]}"#, "version 3 is not supported"),
        (#"{"version": 1, "host_ip": "999.1.1.1", "targets": [{"name": "a", "port": 50000, "key": "KEY"}]}"#,
         #"host_ip '999.1.1.1' is not an IPv4 or IPv6 address"#),
        (#"{"version": 1, "targets": [{"name": "a", "port": 50000, "key": "KEY"}, {"name": "a", "port": 50001, "key": "KEY"}]}"#,
         #"targets[1]: its name 'a' is also used by targets[0]"#),
    ])
    func aBrokenConfigIsRefusedBeforeListening(json: String, problem: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-lc-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(json.replacingOccurrences(of: "KEY", with: try key()).utf8).write(to: file)
        let r = try KdnetctlBinary.run(["listen", "--config", file.path, "--bind", "127.0.0.1", "--timeout", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: \(file.path): \(problem)") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    /// The README's way to try the listener without Windows: a default `listen` (every
    /// address) and `simulate-target` towards loopback on the same port, on one machine.
    @Test func simulateTargetRunsBesideADefaultListenOnLoopback() throws {
        let port = Self.freePort(), k = try key()
        let (listen, _, err) = try KdnetctlBinary.start(["listen", "--port", port, "--key", k, "--timeout", "20"],
                                                     readyWhen: "listening on UDP \(port) (IPv4 and IPv6)")
        defer { if listen.isRunning { listen.terminate() }; listen.waitUntilExit() }

        let sim = try KdnetctlBinary.run(["simulate-target", "--host-ip", "127.0.0.1", "--port", port, "--key", k, "--poke-interval", "0.5"])
        #expect(sim.status == 0, "\(sim.stderr)")
        #expect(sim.stderr.contains("simulated target 127.0.0.2:"))
        #expect(sim.stderr.contains("so it sends from port"))
        listen.waitUntilExit()
        let said = err.all()
        #expect(listen.terminationStatus == 0, "\(said)")
        #expect(said.contains("connected: target at 127.0.0.2"))
    }

    @Test func badSimulatorSourcesAndNumbersAreOneLineUsageErrors() throws {
        for (args, message) in [
            (["--bind", "::1"], "error: --bind ::1 is IPv6 but --host-ip 127.0.0.1 is IPv4; give a --bind address of the host's family, or drop --bind\n"),
            (["--poke-interval", "1e-9"], "error: --poke-interval 1e-09 is outside 0.05-60 seconds (a real target pokes about every 3 s); give e.g. --poke-interval 3\n"),
            (["--max-pokes=-1"], "error: --max-pokes -1 is outside 1-10000; give e.g. --max-pokes 5\n"),
        ] {
            let r = try KdnetctlBinary.run(["simulate-target", "--host-ip", "127.0.0.1", "--port", Self.freePort(), "--key", "1.2.3.4"] + args)
            #expect(r.status == 64 && r.stderr == message, "\(args): exit \(r.status), \(r.stderr)")
        }
    }
}

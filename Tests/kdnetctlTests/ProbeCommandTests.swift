import Foundation
import Testing

/// The probe, ping and firewall commands through the built binary, on loopback or in
/// namespaces these tests create (Checks/check-probes.sh and check-firewall.sh go wider).
@Suite(.serialized) struct ProbeCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../KDNetKitTests/Fixtures/nft").standardizedFileURL

    static func json(_ pipe: Pipe) -> [String: Any] {
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    @Test func probeOverLoopbackReportsBothDirections() throws {
        let port = KdnetctlBinary.freeUDPPort()
        let (listener, out, _) = try KdnetctlBinary.start(["probe", "listen", "--port", "\(port)", "--key", "loop", "--max", "2", "--timeout", "10", "--json"],
                                                       readyWhen: "listening on UDP")
        let (r, send) = try KdnetctlBinary.json(["probe", "send", "127.0.0.1", "--port", "\(port)", "--key", "loop", "--count", "2"])
        let listen = Self.json(out)
        listener.waitUntilExit()
        #expect(r.status == 0)
        #expect(send["answered"] as? Int == 2 && send["reached_responder"] as? Int == 2)
        #expect(send["nat_detected"] as? Bool == false)
        #expect(listen["answered"] as? Int == 2 && listen["stopped_because"] as? String == "max")
        #expect(listener.terminationStatus == 0)
    }

    @Test func aHeldPortNamesItsProcess() throws {
        let port = KdnetctlBinary.freeUDPPort()
        let (listener, _, _) = try KdnetctlBinary.start(["probe", "listen", "--port", "\(port)", "--key", "k", "--timeout", "5"],
                                                     readyWhen: "listening on UDP")
        defer { listener.terminate(); listener.waitUntilExit() }
        let (r, report) = try KdnetctlBinary.json(["probe", "port", "--port", "\(port)"])
        let holder = (report["holders"] as? [[String: Any]])?.first
        #expect(r.status == 1)
        #expect(holder?["pid"] as? Int == Int(listener.processIdentifier))
        #expect(holder?["command"] as? String == "kdnetctl")
    }

    @Test func firewallVerdictFromASavedRuleset() throws {
        let file = Self.fixtures.appendingPathComponent("reject-rule.json").path
        let (r, report) = try KdnetctlBinary.json(["firewall", "--port", "50010", "--ruleset", file])
        #expect(r.status == 1)
        #expect(report["outcome"] as? String == "rejected")
        #expect((report["open_commands"] as? [String])?.first == "nft insert rule inet filter input udp dport 50010 accept")
        let (ok, accepted) = try KdnetctlBinary.json(["firewall", "--port", "50040", "--ruleset", file])
        #expect(ok.status == 0 && accepted["outcome"] as? String == "accepted")
    }

    @Test func badValuesAreUsageErrorsOnOneLine() throws {
        for args in [["ping", "300.1.1.1"], ["probe", "send", "10.0.0.1", "--port", "70000", "--key", "k"],
                     ["probe", "listen", "--port", "50000", "--key", ""], ["firewall", "--port", "0"]] {
            let r = try KdnetctlBinary.run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
    }

    @Test func pingRefusalInANamespaceExplainsTheSysctl() throws {
        let ns = "kdt-prb-u\(getpid())"
        let binary = try KdnetctlBinary.url.path
        try KdnetctlBinary.withNetworkNamespace(ns) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            p.arguments = ["netns", "exec", ns, "sh", "-c",
                           "sysctl -qw net.ipv4.ping_group_range='1 0' && setpriv --reuid=65534 --regid=65534 --clear-groups \(binary) ping 127.0.0.1 --count 1 --json"]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let report = Self.json(out)
            p.waitUntilExit()
            #expect(p.terminationStatus == 1)
            #expect(report["refused"] as? Bool == true)
            #expect((report["fix"] as? String)?.contains("net.ipv4.ping_group_range=\"0 2147483647\"") == true)
        }
    }
}

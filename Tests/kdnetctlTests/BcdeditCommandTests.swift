import Foundation
import KDNetTestSupport
import Testing

@Suite struct BcdeditCommandTests {
    static let key = "3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i"

    /// Set KDNETCTL_UPDATE_GOLDEN=1 to rewrite the files after an intended change (see `Golden`).
    @Test(arguments: ["text", "cmd", "ps1", "json"])
    func everyFormatMatchesItsGolden(format: String) throws {
        let cases = try Golden.cases()
        #expect(cases.count >= 4)
        for (name, args) in cases {
            let r = try KdnetctlBinary.run(["bcdedit"] + args + ["--format", format])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(throws: Never.self) { try Golden.check(r.stdout, against: "\(name).\(format)") }
        }
    }

    @Test func jsonFlagEqualsFormatJson() throws {
        let args = ["bcdedit", "--host-ip", "10.0.0.1", "--key", Self.key]
        let a = try KdnetctlBinary.run(args + ["--json"]), b = try KdnetctlBinary.run(args + ["--format", "json"])
        #expect(a.status == 0 && a.stdout == b.stdout)
        let conflict = try KdnetctlBinary.run(args + ["--json", "--format", "cmd"])
        #expect(conflict.status == 64)
    }

    @Test func generatesAFreshKeyByDefault() throws {
        let (r1, d1) = try KdnetctlBinary.json(["bcdedit", "--host-ip", "10.0.0.1"])
        let (_, d2) = try KdnetctlBinary.json(["bcdedit", "--host-ip", "10.0.0.1"])
        #expect(r1.status == 0)
        #expect(d1["key_source"] as? String == "generated")
        let k1 = try #require(d1["key"] as? String), k2 = try #require(d2["key"] as? String)
        #expect(k1 != k2)
        #expect(try KdnetctlBinary.run(["key", "check", k1]).status == 0)
        let host = try #require(d1["host"] as? [String: Any])
        #expect(host["listen"] as? String == "kdnetctl listen --port 50000 --key \(k1)")
    }

    @Test(arguments: [
        (["--host-ip", "10.0.0.1", "--port", "80"], "port 80 is outside 49152-65535; pick one from 50000-50039"),
        (["--host-ip", "10.0.0.1", "--busparams", "0.40.0"], "PCI device 40"),
        (["--host-ip", "1.2.3"], "not an IPv4 or IPv6 address"),
        (["--host-ip", "10.0.0.1", "--key", "1.2"], "--key: the key has 2 parts"),
        ([], "no host address"),
        (["--delete", "frob"], "not a dbgsettings element"),
        (["--host-ip", "10.0.0.1", "--format", "xml"], "--format: 'xml' is unknown; use text, cmd, ps1 or json"),
        (["--host-ip", "10.0.0.1", "--key", Self.key, "--newkey"], "give one of them"),
    ])
    func badInputIsOneLineAndExit64(args: [String], message: String) throws {
        let r = try KdnetctlBinary.run(["bcdedit"] + args)
        #expect(r.status == 64)
        #expect(r.stderr.contains(message))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stdout.isEmpty)
    }

    @Test func portWarningAndConversionNoteGoToStderr() throws {
        let r = try KdnetctlBinary.run(["bcdedit", "--host-ip", "10.0.0.1", "--port", "60000", "--busparams", "3b:00.0", "--format", "cmd"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning: port 60000 is outside the recommended 50000-50039"))
        #expect(r.stderr.contains("3b:00.0 (lspci, hex) is 59.0.0"))
        #expect(r.stdout.hasPrefix("@echo off"))
    }
}

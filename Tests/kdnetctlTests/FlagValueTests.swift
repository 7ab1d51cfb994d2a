import Foundation
import Testing

/// One rule for every command: a malformed flag value is a usage error (64) on one
/// line that names the flag, and under `--json` it is the same `{"error": ...}`
/// document as every other error. Keys come from a flag, a 0600 file or the
/// environment, and a key's value never appears in an error.
@Suite struct FlagValueTests {
    static let capture = InspectCommandTests.vectors.appendingPathComponent("windbg-8.8.8.8-v4.pcapng").path

    static func usage(_ args: [String], names flag: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try KdnetctlBinary.run(args)
        #expect(r.status == 64, "\(args): exit \(r.status): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: \(flag)"), "\(args): \(r.stderr)")
        #expect(!r.stderr.contains("Missing value"), "\(args): \(r.stderr)")
        return r.stderr
    }

    @Test(arguments: [
        ["listen", "--port", "50000", "--key", "1.2"],
        ["simulate-target", "--host-ip", "127.0.0.1", "--port", "50000", "--key", "1.2"],
        ["bcdedit", "--key", "1.2"],
        ["doctor", "--key", "1.2"],
        ["inspect", "x.pcap", "--key", "1.2"],
        ["wizard", "--non-interactive", "--simulated-target", "--key", "1.2"],
    ])
    func aMalformedKeyIsAUsageErrorThatDoesNotRepeatTheKey(args: [String]) throws {
        let message = try Self.usage(args, names: "--key")
        #expect(message.contains("2 parts, not 4"))
        #expect(!message.contains("'1.2'") && !message.contains(" 1.2"))
    }

    @Test(arguments: [
        (["listen", "--port", "-3", "--key", "1.2.3.4"], "--port", "-3"),
        (["listen", "--port", "80", "--key", "1.2.3.4"], "--port", "80"),
        (["simulate-target", "--host-ip", "127.0.0.1", "--port", "80", "--key", "1.2.3.4"], "--port", "80"),
        (["simulate-target", "--host-ip", "127.0.0.1", "--port", "50000", "--key", "1.2.3.4", "--build", "-1"], "--build", "-1"),
        (["listen", "--port", "50000", "--key", "1.2.3.4", "--timeout", "-1"], "--timeout", "-1"),
        (["probe", "listen", "--port", "-1", "--key", "k"], "--port", "-1"),
        (["probe", "listen", "--port", "50000", "--key", "k", "--max", "0"], "--max", "0"),
        (["ping", "192.0.2.1", "--count", "-1"], "count", "-1"),
        (["firewall", "--port", "50000", "--source-port", "70000"], "--source-port", "70000"),
        (["vm", "check", "x", "--qemu-pid", "-3"], "--qemu-pid", "-3"),
    ])
    func numbersOutOfRangeOrNegativeAreNamed(args: [String], flag: String, value: String) throws {
        let message = try Self.usage(args, names: flag)
        #expect(message.contains(" \(value)"), "\(message)")
    }

    @Test func parserErrorsPrintTheJSONErrorDocumentUnderJSON() throws {
        for args in [["listen", "--bogus", "--json"], ["listen", "--json", "--port", "-3"], ["plan", "--json"]] {
            let r = try KdnetctlBinary.run(args)
            #expect(r.status == 64, "\(args)")
            let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: String]
            let message = try #require(doc?["error"], "\(args): stdout \(r.stdout)")
            #expect(r.stderr == "error: \(message)\n")
        }
    }

    @Test func theKeyComesFromAPrivateFileOrTheEnvironment() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnetctl-keyfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("key").path
        FileManager.default.createFile(atPath: file, contents: Data("8.8.8.8\n".utf8), attributes: [.posixPermissions: 0o600])

        let (fromFile, doc) = try KdnetctlBinary.json(["inspect", Self.capture, "--key-file", file])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect((doc["summary"] as? [String: Any])?["authenticated"] as? Int == 955)

        let fromEnvironment = try KdnetctlBinary.run(["inspect", Self.capture], environment: ["KDNETCTL_KEY": "8.8.8.8"])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
        #expect(fromEnvironment.stdout.contains("authenticated 955"))

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let exposed = try KdnetctlBinary.run(["listen", "--port", "50000", "--key-file", file])
        #expect(exposed.status == 1)
        #expect(exposed.stderr.contains("mode 0644 gives its group and every other user access") && exposed.stderr.contains("chmod 600 \(file)"))
        #expect(!exposed.stderr.contains("8.8.8.8"))

        let both = try KdnetctlBinary.run(["listen", "--port", "50000", "--key", "1.2.3.4", "--key-file", file])
        #expect(both.status == 64 && both.stderr.contains("not both"))

        let badEnvironment = try KdnetctlBinary.run(["doctor", "--port", "50000"], environment: ["KDNETCTL_KEY": "nope"])
        #expect(badEnvironment.status == 1 && badEnvironment.stderr.contains("KDNETCTL_KEY holds no usable key"))
    }

    @Test func theFirewallRefusesAnInterfaceThatWouldEndTheRule() throws {
        let message = try Self.usage(["firewall", "--port", "50000", "--interface", "eth0\" accept; flush ruleset; \""], names: "--interface")
        #expect(message.contains("at most 15"))
        _ = try Self.usage(["firewall", "--port", "50000", "--interface", "a\"b"], names: "--interface")
        _ = try Self.usage(["firewall", "--port", "50000", "--interface", "a/b"], names: "--interface")
    }

    @Test func setupsInsertTheFirewallRuleBeforeAnyDrop() throws {
        let r = try KdnetctlBinary.run(["bcdedit", "--host-ip", "192.168.1.10/24", "--key", "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("hostip:192.168.1.10 port:50000"), "the prefix length is dropped: \(r.stdout)")
        #expect(r.stdout.contains("nft insert rule inet filter input udp dport 50000 accept"))
        #expect(!r.stdout.contains("nft add rule"))
    }

    @Test func hostAddressesTheTargetCannotUseAreRefused() throws {
        let mapped = try Self.usage(["bcdedit", "--host-ip", "::ffff:192.168.1.1"], names: "--host-ip")
        #expect(mapped.contains("give 192.168.1.1 (bcdedit's hostip)"))
        _ = try Self.usage(["bcdedit", "--host-ip", "192.168.1.10/33"], names: "--host-ip")
    }

    /// Every option and argument that takes an address parses it one way (`IPAddress`
    /// as a typed argument): the same message for a malformed one and for a zone this
    /// host has no interface for, exit 64, before the command runs.
    static let addressOptions: [[String]] = [
        ["ping"], ["probe", "send", "--port", "50000"], ["probe", "route"], ["probe", "listen", "--port", "50000", "--address"],
        ["host", "--target"], ["listen", "--port", "50000", "--key", "1.2.3.4", "--bind"],
        ["listen", "--port", "50000", "--key", "1.2.3.4", "--expect"], ["listen", "--port", "50000", "--key", "1.2.3.4", "--target"],
        ["simulate-target", "--port", "50000", "--key", "1.2.3.4", "--host-ip"],
        ["simulate-target", "--port", "50000", "--key", "1.2.3.4", "--host-ip", "127.0.0.1", "--bind"],
        ["doctor", "--port", "50000", "--target"], ["firewall", "--port", "50000", "--source"], ["firewall", "--port", "50000", "--destination"],
    ]

    @Test(arguments: addressOptions)
    func anAddressIsParsedOneWayEverywhere(_ args: [String]) throws {
        let malformed = try KdnetctlBinary.run(args + ["10.0.0.300"])
        #expect(malformed.status == 64, "\(args): \(malformed.stderr)")
        #expect(malformed.stderr.contains("'10.0.0.300' is not an IPv4 or IPv6 address; give one like 192.168.1.20, fd00::10 or fe80::1%eth0"), "\(args): \(malformed.stderr)")
        #expect(malformed.stderr.split(separator: "\n").count == 1, "\(args): \(malformed.stderr)")
        let zone = try KdnetctlBinary.run(args + ["fe80::1%nonexist0"])
        #expect(zone.status == 64, "\(args): \(zone.stderr)")
        #expect(zone.stderr.contains("names the zone nonexist0, but this host has no interface nonexist0"), "\(args): \(zone.stderr)")
    }

    @Test func aFileThatIsNotPCIIDsIsBlamedByName() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-pci-ids-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: file, contents: Data((0..<2000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try KdnetctlBinary.run(["nics", "--ids", "8086:10d3", "--pci-ids", file])
        #expect(r.status == 1)
        #expect(r.stderr.contains("'\(file)' is not a pci.ids file") && !r.stderr.contains("run as root"), "\(r.stderr)")
    }

    @Test func twoHostAddressesOfOneFamilyAreAUsageErrorAndWriteNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnetctl-plan-\(UUID().uuidString)")
        let inventory = FileManager.default.temporaryDirectory.appendingPathComponent("inv-\(UUID().uuidString).csv")
        try "name\nlab-1\n".write(to: inventory, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: inventory) }
        _ = try Self.usage(["plan", "--inventory", inventory.path, "--host-ip", "10.0.0.1", "--host-ip", "10.0.0.2", "--out", dir.path],
                           names: "two host addresses")
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}

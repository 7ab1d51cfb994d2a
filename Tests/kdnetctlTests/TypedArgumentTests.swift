import Foundation
import Testing

/// Values with a type of their own (`HostOS`, bcdedit's `Format`, `DebugKey`,
/// `DebugPort`, `HostAddress`, `InterfaceName`) are parsed by ArgumentParser as
/// arguments, in every command alike: a bad one is exit 64 with one line that names
/// the flag and carries the type's own reason, before the command runs.
@Suite struct TypedArgumentTests {
    static let key = "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p"

    static func refused(_ args: [String]) throws -> String {
        let r = try KdnetctlBinary.run(args)
        #expect(r.status == 64, "\(args): exit \(r.status): \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(args): \(r.stdout)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        return r.stderr
    }

    /// One `HostOS` for every command that asks: the same words accepted, the same refusal.
    @Test(arguments: [
        ["bcdedit", "--host-ip", "10.0.0.1", "--host-os", "macos"],
        ["plan", "--inventory", "inv.csv", "--out", "fleet", "--host-ip", "10.0.0.1", "--host-os", "macos"],
        ["firewall", "--port", "50000", "--host-os", "macos"],
        ["doctor", "--port", "50000", "--host-os", "macos"],
    ])
    func everyHostOSFlagRefusesAlike(args: [String]) throws {
        #expect(try Self.refused(args) == "error: --host-os: 'macos' is neither linux nor windows\n")
    }

    @Test func hostOSAndFormatTakeAnyCase() throws {
        let windows = try KdnetctlBinary.run(["firewall", "--port", "50005", "--host-os", "Windows"])
        #expect(windows.status == 0, "\(windows.stderr)")
        #expect(windows.stdout.contains("netsh"))
        let script = try KdnetctlBinary.run(["bcdedit", "--host-ip", "10.0.0.1", "--key", Self.key, "--format", "PS1", "--host-os", "WINDOWS"])
        #expect(script.status == 0, "\(script.stderr)")
        #expect(script.stdout.contains("Run it in an elevated PowerShell"), "\(script.stdout.prefix(300))")
    }

    @Test func anUnknownFormatNamesTheChoices() throws {
        #expect(try Self.refused(["bcdedit", "--host-ip", "10.0.0.1", "--format", "xml"])
            == "error: --format: 'xml' is unknown; use text, cmd, ps1 or json\n")
    }

    /// `--format json` asks for JSON as `--json` does, also when parsing fails.
    @Test func aParseErrorUnderFormatJSONIsTheJSONErrorDocument() throws {
        let r = try KdnetctlBinary.run(["bcdedit", "--format", "json", "--port", "80"])
        #expect(r.status == 64)
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: String]
        #expect(doc?["error"] == "--port: port 80 is outside 49152-65535; pick one from 50000-50039", "\(r.stdout)")
    }

    @Test func keysPortsAddressesAndInterfacesKeepTheirOwnReasons() throws {
        let key = try Self.refused(["dbgsettings", "lint", "-", "--skip-host-check", "--key", "1.2"])
        #expect(key.hasPrefix("error: --key: the key has 2 parts, not 4"), "\(key)")
        #expect(!key.contains("1.2"))
        let port = try Self.refused(["wizard", "--non-interactive", "--port", "abc"])
        #expect(port.hasPrefix("error: --port"), "\(port)")
        #expect(port.contains("'abc'"), "\(port)")
        let address = try Self.refused(["plan", "--inventory", "inv.csv", "--out", "fleet", "--host-ip", "1.2.3"])
        #expect(address.hasPrefix("error: --host-ip") && address.contains("not an IPv4 or IPv6 address"), "\(address)")
        let interface = try Self.refused(["firewall", "--port", "50000", "--interface", String(repeating: "e", count: 16)])
        #expect(interface.hasPrefix("error: --interface") && interface.contains("at most 15"), "\(interface)")
    }
}

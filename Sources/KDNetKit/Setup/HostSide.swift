import Foundation

/// What to run on the host once the target is configured: the debugger command
/// lines, the kdnetctl listener, and the firewall rule that lets the port in.
public struct HostSide: Sendable, Equatable, Codable {
    public var windbg: String
    public var kd: String
    public var listen: String
    /// The debugger line for the hypervisor, which listens on port+1.
    public var hypervisorWindbg: String?
    public var firewallOs: HostOS
    public var firewall: [String]
    public var firewallNote: String?

    /// `keyText` is nil when bcdedit makes the key (`newkey`) and the host learns it later.
    public init(port: DebugPort, keyText: String?, target: String?, hypervisorPort: DebugPort?, os: HostOS) {
        let key = keyText ?? "<the key bcdedit printed>"
        func debuggerArgs(_ p: DebugPort) -> String {
            "net:port=\(p),key=\(key)" + (target.map { ",target=\($0)" } ?? "")
        }
        windbg = "windbg -k " + debuggerArgs(port)
        kd = "kd -k " + debuggerArgs(port)
        listen = "kdnetctl listen --port \(port) --key \(key)"
        hypervisorWindbg = hypervisorPort.map { "windbg -k " + debuggerArgs($0) }
        firewallOs = os
        let ports = [port] + (hypervisorPort.map { [$0] } ?? [])
        firewall = Self.firewallRules(ports: ports, os: os)
        firewallNote = os == .linux
            ? "assumes an `inet filter` table with an `input` chain, as in Debian's /etc/nftables.conf; adjust it to your ruleset"
            : "allows the ports on all three profiles, domain, private and public, as the debugger's own prompt asks"
    }

    public static func firewallRules(ports: [DebugPort], os: HostOS) -> [String] {
        let list = ports.map(\.description).joined(separator: ",")
        let name = "KDNET debugger UDP \(list)"
        switch os {
        case .windows:
            return [
                "netsh advfirewall firewall add rule name=\"\(name)\" dir=in action=allow protocol=UDP localport=\(list) profile=domain,private,public",
                "New-NetFirewallRule -DisplayName '\(name)' -Direction Inbound -Action Allow -Protocol UDP -LocalPort \(list) -Profile Domain,Private,Public",
            ]
        case .linux:
            return [NftOpenRule.command(ports: ports.map { Int($0.value) })]
        }
    }
}

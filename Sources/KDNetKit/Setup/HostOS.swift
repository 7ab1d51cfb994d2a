/// The OS the debugger host runs, which decides its firewall advice; one value for
/// every command that asks (`--host-os`).
public enum HostOS: String, Sendable, Codable, CaseIterable { case linux, windows }

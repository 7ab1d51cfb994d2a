import Foundation

/// What the doctor checks when the flags name no port, key or host address: the setup
/// the last wizard or plan remembered, or else the recommended defaults. It is said
/// first, so nobody mistakes what was checked.
public struct DoctorBasis: Sendable, Codable, Equatable {
    public enum Source: String, Sendable, Codable { case remembered, defaults }

    public var source: Source
    /// The remembered setup's folder.
    public var folder: String?
    public var port: Int?
    public var hostIp: String?
    /// The doctor's first line.
    public var description: String

    /// The settings to check, besides the description.
    public struct Settings: Sendable {
        public var port: Int?
        public var key: DebugKey?
        public var hostIP: HostAddress?

        public init(port: Int? = nil, key: DebugKey? = nil, hostIP: HostAddress? = nil) {
            self.port = port; self.key = key; self.hostIP = hostIP
        }
    }

    /// The remembered setup: its port and key (the first target's, for a plan of several)
    /// and its host address. Its listener.json is read now; a WinDbg setup has none.
    public static func remembered(_ setup: RememberedSetup) throws -> (DoctorBasis, Settings) {
        var settings = Settings(hostIP: setup.hostIp.flatMap { try? HostAddress(parsing: $0) })
        var line = setup.usingLine(otherwise: "--port, --host-ip or the key")
        if setup.listenerConfig != nil {
            let config = try setup.loadListenerConfig()
            if let first = config.targets.first {
                settings.port = Int(first.port)
                settings.key = try DebugKey(parsing: first.key)
                if config.targets.count > 1 { line += " (checking its first target, \(TerminalText.escaped(first.name)))" }
            }
            if settings.hostIP == nil { settings.hostIP = config.hostIp.flatMap { try? HostAddress(parsing: $0) } }
        } else {
            settings.port = setup.port
        }
        let basis = DoctorBasis(source: .remembered, folder: setup.folder, port: settings.port,
                                hostIp: settings.hostIP?.text, description: line)
        return (basis, settings)
    }

    /// The defaults the wizard would offer: the first free port of the recommended range
    /// and the address `kdnetctl host` recommends. No key: the checks that need one are
    /// left out.
    public static func defaults(recommended: HostAdvice.Recommendation?, firstFreePort: Int?) -> (DoctorBasis, Settings) {
        let range = "\(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound)"
        let port = firstFreePort ?? DebugPort.recommended.lowerBound
        let portText = firstFreePort != nil ? "port \(port) (the first free one in \(range))" : "port \(port) (every port in \(range) is in use)"
        let host = recommended.flatMap { try? HostAddress(parsing: $0.address.description) }
        let hostText = host.map { "host address \($0.text) (\(TerminalText.escaped(recommended!.interface)), as `kdnetctl host` recommends)" }
            ?? "no host address (none to recommend; see `kdnetctl host`)"
        let line = "no setup given or remembered: checking the recommended defaults, \(portText) and \(hostText); give --port, --host-ip or the key, or run `kdnetctl wizard` to make a setup"
        return (DoctorBasis(source: .defaults, folder: nil, port: port, hostIp: host?.text, description: line),
                Settings(port: port, key: nil, hostIP: host))
    }

    /// `defaults` on this host: its interfaces and its UDP sockets.
    public static func liveDefaults() -> (DoctorBasis, Settings) {
        let advice = try? HostAdvice.advise()
        let free = DebugPort.recommended.first { port in
            (try? PortOwnership.check(port: port)).map { $0.verdict != .fail } ?? true
        }
        return defaults(recommended: advice?.recommended, firstFreePort: free)
    }
}

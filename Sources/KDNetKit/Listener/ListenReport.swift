/// Where a connected target is.
public struct TargetLocation: Sendable, Codable, Equatable {
    public var address: String
    public var port: UInt16
    /// From the kernel's neighbour table (ARP or NDP); nil when it has no entry (a routed target).
    public var mac: String?
}

/// The outcome for one target: one model for the human report and `--json`.
public struct ListenResult: Sendable, Codable, Equatable {
    /// The target's name, with `--config`.
    public var name: String?
    public var port: UInt16?
    public var connected: Bool
    public var target: TargetLocation?
    public var protocolVersion: UInt8?
    /// False for a version no real target was seen speaking (`KDNetVersion.known`):
    /// answered as the target speaks it, as WinDbg does.
    public var protocolVersionSeenBefore: Bool?
    public var build: UInt16?
    public var machine: String?
    /// Hex, e.g. `0xfffff8026bc18000`.
    public var kernelBase: String?
    /// From the poke that started the session to the target acknowledging Continue2.
    public var confirmMs: Int?
    public var diagnosis: TrafficDiagnosis?
    public var explanation: String?
    public var fix: String?
    public var seen: TrafficTally?
    /// `--follow`: sessions seen (a reboot starts a new one) and the debug output.
    public var sessions: Int?
    public var debugOutput: [String]?

    public init(name: String?, port: UInt16, session: HostSession, mac: String?, follow: Bool, debugOutput: [String]) {
        self.name = name
        self.port = name == nil ? nil : port
        connected = follow ? session.connections > 0 : session.isConfirmed
        if connected, let peer = session.peer {
            target = TargetLocation(address: peer.address.description, port: peer.port, mac: mac)
            protocolVersion = session.protocolVersion
            protocolVersionSeenBefore = session.protocolVersion.map(KDNetVersion.isKnown)
        }
        if let v = session.version {
            build = v.build
            machine = v.machineName
            kernelBase = "0x" + String(v.kernelBase, radix: 16)
        }
        if let start = session.sessionStartedAt, let end = session.confirmedAt {
            confirmMs = Int(((end - start) * 1000).rounded())
        }
        if follow {
            sessions = session.sessions
            self.debugOutput = debugOutput
        }
        // Also when connected: what was rejected on the way (a flood, replays) is worth knowing.
        seen = session.tally
        if !connected {
            let d = session.tally.diagnosis
            diagnosis = d; explanation = session.tally.explanation; fix = d.fix
        }
    }
}

/// `listen --config`: one document for all targets.
public struct ListenFleetResult: Sendable, Codable, Equatable {
    public var targets: [ListenResult]
    public init(targets: [ListenResult]) { self.targets = targets }
}

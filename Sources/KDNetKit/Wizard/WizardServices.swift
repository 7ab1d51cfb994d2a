import Foundation

/// A check the wizard ran (or could not run) on the host or towards it.
public struct WizardCheck: Sendable, Codable, Equatable {
    public var name: String
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?
    /// Commands that fix it (e.g. the nft rule that opens the port).
    public var commands: [String]

    public init(name: String, verdict: CheckVerdict, cause: String, fix: String? = nil, commands: [String] = []) {
        self.name = name; self.verdict = verdict; self.cause = cause; self.fix = fix; self.commands = commands
    }
}

/// What the wizard asks the listener for.
public struct ConnectRequest: Sendable {
    public var hostAddress: HostAddress
    public var port: DebugPort
    public var key: DebugKey
    /// Seconds to wait for the target.
    public var timeout: Double
    /// Run the built-in simulated target against the listener.
    public var simulated: SimulatedTarget?

    public init(hostAddress: HostAddress, port: DebugPort, key: DebugKey, timeout: Double, simulated: SimulatedTarget? = nil) {
        self.hostAddress = hostAddress; self.port = port; self.key = key; self.timeout = timeout; self.simulated = simulated
    }
}

/// How the simulated target is set up; the defaults make it a correctly configured target.
public struct SimulatedTarget: Sendable, Equatable {
    /// Sends with this key instead of the wizard's (to see the wrong-key diagnosis).
    public var key: DebugKey?
    public init(key: DebugKey? = nil) { self.key = key }
}

/// How the wait for the target ended.
public struct ConnectionOutcome: Sendable, Codable, Equatable {
    public var connected: Bool
    /// Where the target sent from.
    public var from: String?
    public var build: Int?
    public var architecture: String?
    /// The doctor's classification when it did not connect: no-traffic, not-kdnet, wrong-key, unexpected-source.
    public var diagnosis: String?
    public var explanation: String?
    public var fix: String?
    public var waitedSeconds: Double

    public init(connected: Bool, from: String? = nil, build: Int? = nil, architecture: String? = nil,
                diagnosis: String? = nil, explanation: String? = nil, fix: String? = nil, waitedSeconds: Double) {
        self.connected = connected; self.from = from; self.build = build; self.architecture = architecture
        self.diagnosis = diagnosis; self.explanation = explanation; self.fix = fix; self.waitedSeconds = waitedSeconds
    }
}

/// Where the NIC list comes from.
public enum NICSource: Sendable, Equatable {
    case dump(String)
    case ids([String])
    case thisMachine
}

/// The wizard's dependencies on the rest of KDNetKit, behind one seam so the flow can be
/// driven by tests and so each piece is wired in only where it exists. A method that
/// returns nil says "not available in this build": the step says so, it never guesses.
public protocol WizardServices: Sendable {
    func hostAdvice(includeVirtual: Bool) throws -> HostAdvice
    /// Ports already given to targets by a `kdnetctl plan` in `dir`, with the targets' names.
    func plannedPorts(in dir: URL) throws -> [UInt16: String]
    func survey(_ source: NICSource, windows: String) throws -> NICSurvey
    /// Whether a UDP port is free on this host, and who holds it if not.
    func portCheck(_ port: DebugPort) -> WizardCheck?
    /// The doctor's host checks for this port, address and key: port free, firewall open
    /// (with the rule that opens it), host address sane.
    func hostChecks(port: DebugPort, host: HostAddress, key: DebugKey, simulatedTarget: Bool) -> [WizardCheck]?
    /// Listens for the target (and runs the simulated one when asked), reporting progress
    /// on `status` and what must stay on screen on `note`.
    func connect(_ request: ConnectRequest, status: (String) -> Void, note: (String) -> Void) throws -> ConnectionOutcome?
    /// The VMs on this host (libvirt, QEMU processes, Proxmox files); nil when not available.
    func virtualMachines() -> VMCatalog?
    /// `kdnetctl vm check` of one of them.
    func checkVM(_ vm: VirtualMachine, in catalog: VMCatalog, windows: String?) throws -> VMCheckReport
    /// `kdnetctl vm fix`'s dry run for a libvirt VM; nil when nothing is to change or the VM
    /// is not libvirt's.
    func proposeVMFix(for vm: VirtualMachine, report: VMCheckReport) throws -> VMFixProposal?
    /// Defines the changed VM after keeping a 0600 backup; returns the backup's path.
    func applyVMFix(_ proposal: VMFixProposal) throws -> String
    /// From the target side: ping the host, then probe its `kdnetctl probe listen`.
    func reachHost(_ host: HostAddress, port: DebugPort, key: DebugKey) -> [WizardCheck]?
}

import Foundation
@testable import KDNetKit

/// Answers questions from a script, as a person typing would: each id has a queue of
/// answers; a refused one is remembered and the next is tried.
final class ScriptedIO: WizardIO {
    var script: [String: [String]]
    /// Take the default for questions not in the script (a person pressing Enter).
    var enterForDefaults = true
    private(set) var asked: [String] = []
    private(set) var refusals: [String: [String]] = [:]
    private(set) var reports: [StepReport] = []
    private(set) var begun: [WizardStep] = []
    private(set) var statuses: [String] = []
    private(set) var notes: [String] = []
    private(set) var questions: [String: Question] = [:]

    init(_ script: [String: [String]] = [:]) { self.script = script }

    func begin(_ step: WizardStep) { begun.append(step) }
    func show(_ report: StepReport) { reports.append(report) }
    func status(_ text: String?) { if let text { statuses.append(text) } }
    func note(_ text: String) { notes.append(text) }

    func ask(_ q: Question) throws -> String {
        asked.append(q.id)
        questions[q.id] = q
        while var queue = script[q.id], !queue.isEmpty {
            let answer = queue.removeFirst()
            script[q.id] = queue
            do { return try q.validate(answer) } catch { refusals[q.id, default: []].append(error.message) }
        }
        guard enterForDefaults, let d = q.defaultValue else { throw MissingAnswerError(id: q.id, prompt: q.prompt) }
        return try q.validate(d)
    }

    func report(_ step: WizardStep) -> StepReport? { reports.first { $0.step == step } }
}

/// The wizard's services over a made-up host, with real NIC surveys of fixture dumps.
final class FakeServices: WizardServices, @unchecked Sendable {
    var snapshot: HostNetworkSnapshot
    var held: Set<UInt16> = []
    var planned: [UInt16: String] = [:]
    var firewall: CheckVerdict = .pass
    var outcomes: [ConnectionOutcome?] = []
    private(set) var connectRequests: [ConnectRequest] = []
    let pciIDs: String

    init(snapshot: HostNetworkSnapshot = FakeServices.lab) {
        self.snapshot = snapshot
        pciIDs = FixtureFiles.root.appendingPathComponent("pci/pci.ids").path
    }

    static func iface(_ name: String, _ index: Int, _ addrs: [(String, Int)], loopback: Bool = false) -> HostInterface {
        HostInterface(name: name, index: index, mac: nil, mtu: 1500, link: loopback ? "unknown" : "up", adminUp: true,
                      isLoopback: loopback, linkType: nil,
                      addresses: addrs.map { a in
                          let ip = IPAddress(a.0)!
                          return InterfaceAddress(address: ip, prefixLength: a.1, scope: ip.isLinkLocal ? "link" : "global")
                      })
    }

    static let lab = HostNetworkSnapshot(
        interfaces: [iface("lo", 1, [("127.0.0.1", 8)], loopback: true),
                     iface("enp3s0", 2, [("198.51.100.10", 24), ("2001:db8::10", 64)])],
        routes: [HostRoute(network: .unspecified(.ipv4), prefixLength: 0, gateway: IPAddress("198.51.100.1"),
                           interface: "enp3s0", metric: 100),
                 HostRoute(network: IPAddress("198.51.100.0")!, prefixLength: 24, interface: "enp3s0")])

    static let loopbackOnly = HostNetworkSnapshot(interfaces: [iface("lo", 1, [("127.0.0.1", 8)], loopback: true)], routes: [])

    func hostAdvice(includeVirtual: Bool) throws -> HostAdvice {
        HostAdvice(snapshot: snapshot, target: nil, includeVirtual: includeVirtual)
    }
    func plannedPorts(in dir: URL) throws -> [UInt16: String] { planned }
    func survey(_ source: NICSource, windows: String) throws -> NICSurvey {
        try LiveWizardServices(pciIDs: pciIDs).survey(source, windows: windows)
    }
    func portCheck(_ port: DebugPort) -> WizardCheck? {
        held.contains(port.value)
            ? WizardCheck(name: "port free", verdict: .fail, cause: "UDP port \(port) is held by test (pid 1)")
            : WizardCheck(name: "port free", verdict: .pass, cause: "UDP port \(port) is free")
    }
    func hostChecks(port: DebugPort, host: HostAddress, key: DebugKey, simulatedTarget: Bool) -> [WizardCheck]? {
        [WizardCheck(name: "port-free", verdict: held.contains(port.value) ? .fail : .pass, cause: "UDP port \(port)"),
         WizardCheck(name: "firewall", verdict: firewall, cause: firewall == .pass ? "accepted" : "dropped by rule X",
                     commands: firewall == .pass ? [] : ["to open it: nft insert rule inet filter input udp dport \(port) accept"]),
         WizardCheck(name: "host-ip", verdict: host.isLoopback && !simulatedTarget ? .fail : .pass, cause: "\(host.text) checked")]
    }
    func connect(_ request: ConnectRequest, status: (String) -> Void, note: (String) -> Void) throws -> ConnectionOutcome? {
        connectRequests.append(request)
        status("waiting for the target on UDP port \(request.port)")
        return outcomes.isEmpty ? nil : outcomes.removeFirst()
    }
    /// VMs from the definitions a real libvirtd made of the fixtures, judged against
    /// VMCheckTests' host facts; `applied` records what the wizard chose to define.
    var vmNames: [String] = []
    private(set) var applied: [VMFixProposal] = []
    func virtualMachines() -> VMCatalog? {
        let vms = vmNames.compactMap { try? VMCheckTests.vm($0) }
        return VMCatalog(vms: vms, networks: [VMCheckTests.network], activeNetworks: ["default"], problems: [])
    }
    func checkVM(_ vm: VirtualMachine, in catalog: VMCatalog, windows: String?) throws -> VMCheckReport {
        try VMCheck.run(vm, windows: windows, facts: VMCheckTests.facts(), knowledge: NICTableTests.knowledge, pitfalls: VMCheckTests.pitfalls)
    }
    func proposeVMFix(for vm: VirtualMachine, report: VMCheckReport) throws -> VMFixProposal? {
        let file = vmNames.first { vm.name == "kdt-vm-" + $0 }.map { "vm/libvirt/\($0).defined.xml" }
        return try VMFixer.propose(vm, report: report, inactiveXML: try file.map(FixtureFiles.text))
    }
    func applyVMFix(_ proposal: VMFixProposal) throws -> String {
        applied.append(proposal)
        return "/backups/\(proposal.vm.name).xml"
    }
    func reachHost(_ host: HostAddress, port: DebugPort, key: DebugKey) -> [WizardCheck]? {
        [WizardCheck(name: "UDP probe", verdict: .pass, cause: "3/3 answered by \(host.text):\(port)")]
    }
}

enum WizardTemp {
    static func dir() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-wizard-test-\(UUID().uuidString)")
    }
}

import Foundation

/// The wizard's services backed by the real pieces of KDNetKit.
public struct LiveWizardServices: WizardServices {
    public var pciIDs: String?
    /// Woken (by the executable's signal handling) to stop waiting for the target.
    public var stop: WakePipe?
    /// Told when the wait for the target begins (true) and ends (false), so the
    /// executable can route Ctrl-C to `stop` only then.
    public var onWaiting: (@Sendable (Bool) -> Void)?
    /// The libvirt connection for a VM on this host (nil: libvirt's default).
    public var vmConnect: String?

    public init(pciIDs: String? = nil, stop: WakePipe? = nil, onWaiting: (@Sendable (Bool) -> Void)? = nil, vmConnect: String? = nil) {
        self.pciIDs = pciIDs; self.stop = stop; self.onWaiting = onWaiting; self.vmConnect = vmConnect
    }

    public func hostAdvice(includeVirtual: Bool) throws -> HostAdvice {
        try HostAdvice.advise(target: nil, includeVirtual: includeVirtual)
    }

    public func plannedPorts(in dir: URL) throws -> [UInt16: String] {
        let config = try ListenerConfig.load(from: dir.appendingPathComponent(FleetPlan.listenerFile))
        return Dictionary(config.targets.map { ($0.port, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    public func survey(_ source: NICSource, windows: String) throws -> NICSurvey {
        switch source {
        case .dump(let path):
            if let saved = try SavedSurvey.load(path) { return try saved.rejudged(windows: windows) }
            return try NICSurvey.survey(dump: path, ids: [], windows: windows, pciIDs: pciIDs)
        case .ids(let ids):
            return try NICSurvey.survey(dump: nil, ids: ids, windows: windows, pciIDs: pciIDs)
        case .thisMachine:
            return try NICSurvey.survey(dump: nil, ids: [], windows: windows, pciIDs: pciIDs)
        }
    }

    public func portCheck(_ port: DebugPort) -> WizardCheck? {
        do {
            let r = try PortOwnership.check(port: Int(port.value))
            return WizardCheck(name: "port free", verdict: r.verdict, cause: r.cause, fix: r.fix)
        } catch {
            return WizardCheck(name: "port free", verdict: .warn, cause: "could not read this host's sockets: \(Self.describe(error))")
        }
    }

    public func hostChecks(port: DebugPort, host: HostAddress, key: DebugKey, simulatedTarget: Bool) -> [WizardCheck]? {
        guard var request = try? DoctorRequest(port: Int(port.value), key: key, hostIP: host) else { return nil }
        request.simulatedTargetOnThisHost = simulatedTarget
        return Doctor.run(request).checks.map {
            WizardCheck(name: $0.name, verdict: $0.verdict, cause: $0.cause, fix: $0.fix, commands: $0.details ?? [])
        }
    }

    public func virtualMachines() -> VMCatalog? {
        VMCatalog.load(VMSources(connect: vmConnect))
    }

    public func checkVM(_ vm: VirtualMachine, in catalog: VMCatalog, windows: String?) throws -> VMCheckReport {
        try VMCheck.live(vm, in: catalog, windows: windows)
    }

    public func proposeVMFix(for vm: VirtualMachine, report: VMCheckReport) throws -> VMFixProposal? {
        guard vm.source == .libvirt else { return nil }
        return try VMFixer.proposeLive(vm, report: report, addDebugNIC: nil, libvirt: LibvirtHost(uri: vmConnect))
    }

    public func applyVMFix(_ proposal: VMFixProposal) throws -> String {
        try VMFixer.apply(proposal, libvirt: LibvirtHost(uri: vmConnect), backups: VMFixBackups()).path
    }

    static func describe(_ error: any Error) -> String {
        (error as? LocalizedError)?.errorDescription ?? "\(error)"
    }

    public func connect(_ request: ConnectRequest, status: (String) -> Void, note: (String) -> Void) throws -> ConnectionOutcome? {
        onWaiting?(true)
        defer { onWaiting?(false) }
        let outcome = try WizardConnection(request: request, stop: stop).run(status: status, note: note)
        if stop?.isWoken == true { throw WaitInterrupted() }
        return outcome
    }

    /// Ping first (a firewall may drop it, which the UDP probe then tells apart), then
    /// the authenticated UDP probe against `kdnetctl probe listen` on the host.
    public func reachHost(_ host: HostAddress, port: DebugPort, key: DebugKey) -> [WizardCheck]? {
        guard let address = IPAddress(host.text) else { return nil }
        var checks: [WizardCheck] = []
        do {
            let p = try Pinger.ping(address, count: 3, timeout: 2)
            checks.append(WizardCheck(name: "ping \(host.text)", verdict: p.verdict == .fail ? .warn : p.verdict, cause: p.cause, fix: p.fix))
        } catch {
            checks.append(WizardCheck(name: "ping \(host.text)", verdict: .warn, cause: Self.describe(error)))
        }
        do {
            let r = try UDPProbe.send(to: Endpoint(address: address, port: port.value), key: try ProbeKey(key.text), count: 3, timeout: 2)
            checks.append(WizardCheck(name: "UDP probe to \(host.text) port \(port)", verdict: r.verdict, cause: r.cause, fix: r.fix))
        } catch {
            checks.append(WizardCheck(name: "UDP probe to \(host.text) port \(port)", verdict: .fail, cause: Self.describe(error)))
        }
        return checks
    }
}

/// `kdnetctl nics --json` output saved on the target: its NICs are judged again for the
/// Windows release chosen now, keeping the locations the target reported.
struct SavedSurvey {
    var survey: NICSurvey

    /// nil when the file is not JSON (then it is an lspci dump).
    static func load(_ path: String) throws -> SavedSurvey? {
        // Read (bounded) only to tell JSON from a dump; libpci reads a dump itself, and
        // says what is wrong with one it cannot read.
        guard let text = try? TextInput.read(path: path, expecting: "`kdnetctl nics --json` output or an `lspci -x` dump") else { return nil }
        let data = Data(text.utf8)
        guard data.first(where: { !$0.isWhitespace }) == UInt8(ascii: "{") else { return nil }
        do { return SavedSurvey(survey: try JSONOutput.decoder().decode(NICSurvey.self, from: data)) } catch {
            throw UserFacingError("\(path) is JSON but not `kdnetctl nics --json` output; save that on the target, or an `lspci -x` dump")
        }
    }

    func rejudged(windows: String) throws -> NICSurvey {
        survey.rejudged(for: try WindowsTarget(parsing: windows), knowledge: try NICKnowledge.builtIn())
    }
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x0a || self == 0x0d || self == 0x09 }
}

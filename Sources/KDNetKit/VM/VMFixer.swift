import Foundation

/// What `kdnetctl vm fix` would do to one VM: the plan, and for libvirt the new definition
/// with its diff, for QEMU and Proxmox the commands to run by hand.
public struct VMFixProposal: Sendable {
    public var vm: VirtualMachine
    public var plan: VMFixPlan
    /// The plan's warnings and those of the edit itself.
    public var warnings: [String]
    /// libvirt: the definition now (normalised as libvirt prints it) and after the change.
    public var originalXML: String?
    public var newXML: String?
    /// A unified diff of the two definitions; empty for QEMU and Proxmox.
    public var diff: String
    /// QEMU: the new command line; Proxmox: `qm set` lines.
    public var commands: [String]
    /// What the fix cannot do and the user must (a macvtap NIC needs --add-debug-nic, ...).
    public var notes: [String]

    public var reasons: [String] { plan.steps.map(\.reason) }
    public var powerCycle: String { plan.powerCycle }
}

/// Turns the failed checks of `vm check` into changes, and the changes into a definition or
/// command lines for the VM's platform.
public enum VMFixer {
    public static let debugModel = "e1000e"
    public static let vendorID = "KVMKVMKVM"

    /// The steps the report's failures call for; `addDebugNIC` adds a KDNET NIC on that
    /// libvirt network (or user networking for QEMU) instead of changing an existing one.
    public static func steps(for vm: VirtualMachine, report: VMCheckReport, addDebugNIC network: String?) -> (steps: [VMFixPlan.Step], notes: [String]) {
        var steps: [VMFixPlan.Step] = []
        var notes: [String] = []
        let reachable = report.check("host-reachable")
        if let network {
            steps.append(.init(change: .addDebugNIC(network: network, model: debugModel),
                               reason: "nic-model: a NIC of its own for KDNET, an e1000e (on Microsoft's list from Windows 8.1) on \(vm.source == .libvirt ? "libvirt network '\(network)'" : network); the VM's other NICs stay as they are"))
        } else if report.recommendedNic == nil {
            let candidates = zip(vm.nics, report.nics).filter { $0.0.mode != .direct && $0.0.mac != nil }
            if let (nic, verdict) = candidates.first {
                steps.append(.init(change: .nicModel(mac: nic.mac!, to: debugModel),
                                   reason: "nic-model: \(nic.mac!) is \(nic.model ?? "an unknown model") (\(verdict.supported == false ? "not supported" : "not known to work"): \(verdict.reason)); an e1000e is on Microsoft's list from Windows 8.1"))
            } else if !vm.nics.isEmpty {
                notes.append("nic-model: no NIC to change (a macvtap or MAC-less NIC); give --add-debug-nic NETWORK")
            }
        }
        if reachable?.verdict == .fail, vm.nics.contains(where: { $0.mode == .direct }), network == nil {
            notes.append("host-reachable: a guest cannot reach its own host through macvtap; run again with --add-debug-nic default for a NIC on a libvirt network")
        }
        if report.check("hyperv-vendor-id")?.verdict == .fail, vm.hypervisor.syntheticDebugger == nil {
            steps.append(.init(change: .hypervVendorID(value: vendorID),
                               reason: "hyperv-vendor-id: with Hyper-V enlightenments and no vendor id of its own Windows sees 'Microsoft Hv' and KDNET takes Hyper-V's synthetic debug path; vendor id \(vendorID) keeps the enlightenments and avoids it"))
        }
        if report.check("hyperv-vendor-id")?.verdict == .fail, vm.hypervisor.syntheticDebugger != nil {
            notes.append("hyperv-vendor-id: the synthetic debugger (hv-syndbg) needs Windows to see 'Microsoft Hv': remove the VM's own vendor id by hand")
        }
        if report.check("secure-boot")?.verdict == .fail {
            steps.append(.init(change: .disableSecureBoot,
                               reason: "secure-boot: `bcdedit /debug on` is refused while the VM's firmware has Secure Boot on"))
        }
        return (steps, notes)
    }

    /// The proposal for `vm`, or nil when its checks call for no change. `inactiveXML`
    /// (libvirt), `argv` (QEMU) and `proxmoxConfig` (the file's text) feed the platform's edit.
    public static func propose(_ vm: VirtualMachine, report: VMCheckReport, addDebugNIC network: String? = nil,
                               inactiveXML: String? = nil, argv: [String]? = nil, proxmoxConfig: String? = nil) throws -> VMFixProposal? {
        let (steps, notes) = steps(for: vm, report: report, addDebugNIC: network)
        guard !steps.isEmpty || !notes.isEmpty else { return nil }
        let platform: VMFixPlan.Platform
        switch vm.source {
        case .libvirt: platform = .libvirt(domain: vm.name)
        case .proxmox: platform = .proxmox(vmid: Int(vm.identifier ?? "") ?? 0)
        case .qemu: platform = .qemu
        }
        let plan = VMFixPlan(steps: steps, platform: platform)
        var proposal = VMFixProposal(vm: vm, plan: plan, warnings: plan.warnings, originalXML: nil, newXML: nil,
                                     diff: "", commands: [], notes: notes)
        guard !steps.isEmpty else { return proposal }
        switch vm.source {
        case .libvirt:
            guard let inactiveXML else { return proposal }
            let before = try LibvirtDomainEdit.normalized(inactiveXML)
            let edit = try LibvirtDomainEdit.apply(plan.changes, to: inactiveXML)
            proposal.originalXML = before
            proposal.newXML = edit.xml
            proposal.diff = LineDiff.unified(old: before, new: edit.xml, oldName: "\(vm.name) (now)", newName: "\(vm.name) (fixed)")
            proposal.warnings += edit.warnings.filter { !proposal.warnings.contains($0) }
        case .qemu:
            guard let argv else { return proposal }
            let fixed = try QEMUArgvFix.apply(plan.changes, to: argv)
            proposal.commands = [QEMUArgvFix.shellLine(fixed.argv)]
            proposal.warnings += fixed.warnings
        case .proxmox:
            guard let proxmoxConfig, let vmid = Int(vm.identifier ?? "") else { return proposal }
            let fixed = try ProxmoxFix.commands(vmid: vmid, config: ProxmoxFix.mainSection(proxmoxConfig), changes: plan.changes)
            proposal.commands = fixed.commands
            proposal.notes += fixed.notes
        }
        return proposal
    }
}

/// The definitions `vm fix --apply` replaced, kept 0600 (they may hold secrets such as VNC
/// passwords) in `$XDG_STATE_HOME/kdnetctl/vm-backups/` (default `~/.local/state/...`), so
/// that `--revert` can restore them.
public struct VMFixBackups: Sendable {
    public let directory: URL
    private let state: StateDirectory

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        state = StateDirectory(environment: environment)
        directory = state.appending("vm-backups")
    }

    /// Writes the backup and returns its path; nothing is defined before this succeeded.
    public func save(_ xml: String, for name: String, at date: Date = Date()) throws -> URL {
        try state.prepare()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let stamp = ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
        var url = directory.appendingPathComponent("\(Self.fileName(name))-\(stamp).xml")
        var n = 1
        while FileManager.default.fileExists(atPath: url.path) {
            n += 1
            url = directory.appendingPathComponent("\(Self.fileName(name))-\(stamp)-\(n).xml")
        }
        try AtomicFile.write(xml, to: url, mode: AtomicFile.secretMode)
        return url
    }

    /// The newest backup of `name`, if any.
    public func latest(for name: String) -> URL? {
        let prefix = Self.fileName(name) + "-"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let mine = files.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".xml") }
        let newest = mine.max { a, b in
            let da = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(a).path)[.modificationDate] as? Date) ?? .distantPast
            let db = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(b).path)[.modificationDate] as? Date) ?? .distantPast
            return (da, a) < (db, b)
        }
        return newest.map { directory.appendingPathComponent($0) }
    }

    /// A domain name as a file name: libvirt allows '/' in none, but keep to a safe set.
    static func fileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }
}

extension VMFixer {
    /// The proposal for a VM on this host, reading its definition where it lives.
    public static func proposeLive(_ vm: VirtualMachine, report: VMCheckReport, addDebugNIC network: String?,
                                   libvirt: LibvirtHost?) throws -> VMFixProposal? {
        switch vm.source {
        case .libvirt:
            guard let libvirt else { return try propose(vm, report: report, addDebugNIC: network) }
            return try propose(vm, report: report, addDebugNIC: network, inactiveXML: try libvirt.inactiveXML(of: vm.name))
        case .qemu:
            let data = vm.origin.flatMap { FileManager.default.contents(atPath: $0 + "/cmdline") }
            let argv = data.map { $0.split(separator: 0).map { String(decoding: $0, as: UTF8.self) } }
            return try propose(vm, report: report, addDebugNIC: network, argv: argv)
        case .proxmox:
            let text = try vm.origin.map { try TextInput.read(path: $0, expecting: "a Proxmox VM config (/etc/pve/qemu-server/VMID.conf)") }
            return try propose(vm, report: report, addDebugNIC: network, proxmoxConfig: text)
        }
    }

    /// Keeps the current definition as a backup, then defines the fixed one. Only libvirt
    /// VMs are changed; for the others the commands are printed instead.
    public static func apply(_ proposal: VMFixProposal, libvirt: LibvirtHost, backups: VMFixBackups) throws -> URL {
        guard proposal.vm.source == .libvirt, let original = proposal.originalXML, let new = proposal.newXML else {
            throw VMFixApplyError.notLibvirt(proposal.vm.name, proposal.vm.source)
        }
        let backup = try backups.save(original, for: proposal.vm.name)
        try libvirt.define(xml: new, name: proposal.vm.name)
        return backup
    }

    /// Defines the newest backup of `name` again; returns the backup it used.
    public static func revert(_ name: String, libvirt: LibvirtHost, backups: VMFixBackups) throws -> URL {
        guard let backup = backups.latest(for: name) else { throw VMFixApplyError.noBackup(name, backups.directory.path) }
        let xml = try String(contentsOf: backup, encoding: .utf8)
        try libvirt.define(xml: xml, name: name)
        return backup
    }
}

public enum VMFixApplyError: Error, LocalizedError, Equatable, Sendable {
    case notLibvirt(String, VMSource)
    case noBackup(String, String)

    public var errorDescription: String? {
        switch self {
        case .notLibvirt(let name, let source):
            return "\(name) is a \(source.rawValue) VM: kdnetctl changes only libvirt's definitions; run the printed \(source == .proxmox ? "qm set lines" : "command line") instead of --apply"
        case .noBackup(let name, let dir):
            return "no backup of \(name) in \(dir) to revert to; only a definition changed by `kdnetctl vm fix --apply` (as this user) can be reverted"
        }
    }
}

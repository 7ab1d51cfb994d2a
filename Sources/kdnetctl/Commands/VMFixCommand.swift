import ArgumentParser
import Foundation
import KDNetKit

struct VMFixCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix",
        abstract: "Change a VM so KDNET works in it: a dry run that shows the diff unless --apply.",
        discussion: """
            Fixes what `kdnetctl vm check` fails: the NIC model becomes e1000e (or \
            --add-debug-nic NETWORK adds an e1000e NIC for KDNET and leaves the others \
            alone), a Hyper-V vendor id of its own, and Secure Boot off in the VM's \
            firmware (with what that does to BitLocker and the TPM).
            For libvirt VMs it prints the XML diff with the reason for each change; \
            --apply keeps the current definition as a 0600 backup (under \
            $XDG_STATE_HOME/kdnetctl/vm-backups) and defines the new one; --revert \
            defines the newest backup again. For QEMU processes and Proxmox VMs it prints \
            the command line or the `qm set` lines to run instead.
            Every change needs the VM powered off and started again: a guest reboot keeps \
            the old devices.
            """
    )
    @Argument(help: "The VM (optional with --qemu-pid or a --proxmox-config file).") var vm: String?
    @OptionGroup var vmSources: VMSourceOptions
    @Option(name: .customLong("add-debug-nic"), help: ArgumentHelp("Add an e1000e NIC for KDNET on this libvirt network instead of changing the existing NIC.", valueName: "network"))
    var addDebugNIC: String?
    @Option(help: ArgumentHelp("The target's Windows, for the NIC verdicts (default: the VM's OS hint).", valueName: "release"))
    var windows: String?
    @Flag(help: "Define the changed VM (libvirt), after keeping a 0600 backup of the current definition.") var apply = false
    @Flag(help: "Define the newest backup that --apply kept (libvirt).") var revert = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if apply && revert { throw ValidationError("--apply and --revert undo each other; give one of them") }
        if revert && addDebugNIC != nil { throw ValidationError("--revert restores the backup as it was; drop --add-debug-nic") }
        if let addDebugNIC, addDebugNIC.isEmpty || addDebugNIC.contains(where: { $0 == "'" || $0 == "<" || $0 == "&" || $0.isWhitespace }) {
            throw ValidationError("--add-debug-nic '\(addDebugNIC)' is not a libvirt network name; see `virsh net-list --all`")
        }
        if let windows {
            do { _ = try WindowsTarget(parsing: windows) } catch { throw ValidationError("--windows: " + Console.describe(error)) }
        }
    }

    struct Outcome: Encodable {
        var vm: String
        var source: VMSource
        var applied: Bool
        var reverted: Bool
        var backup: String?
        var changes: [VMFixPlan.Step]
        var warnings: [String]
        var notes: [String]
        var diff: String
        var commands: [String]
        var powerCycle: String?
    }

    func execute() async throws {
        let catalog = VMCatalog.load(vmSources.sources)
        let machine = try vmSources.resolve(vm, in: catalog)
        let libvirt = machine.source == .libvirt ? LibvirtHost(uri: vmSources.connect) : nil
        if revert {
            guard let libvirt else { throw ValidationError(VMFixApplyError.notLibvirt(machine.name, machine.source)) }
            let backup = try ValidationError.fromFlags(refusing: [VMFixApplyError.self]) {
                try VMFixer.revert(machine.name, libvirt: libvirt, backups: VMFixBackups())
            }
            let outcome = Outcome(vm: machine.name, source: machine.source, applied: false, reverted: true, backup: backup.path,
                                  changes: [], warnings: [], notes: [], diff: "", commands: [],
                                  powerCycle: VMFixPlan.powerCycleInstruction(.libvirt(domain: machine.name)))
            if output.json { try Console.json(outcome) } else {
                Console.out("restored \(TerminalText.escaped(machine.name))'s definition from \(backup.path)")
                Console.out(TerminalText.escaped(outcome.powerCycle!))
            }
            return
        }
        let report = try VMCheck.live(machine, in: catalog, windows: windows)
        if let network = addDebugNIC, machine.source == .libvirt, !catalog.networks.contains(where: { $0.name == network }) {
            throw ValidationError("--add-debug-nic: libvirt has no network '\(network)'; the networks are: \(catalog.networks.map(\.name).joined(separator: ", ")) (virsh net-list --all)")
        }
        guard let proposal = try VMFixer.proposeLive(machine, report: report, addDebugNIC: addDebugNIC, libvirt: libvirt) else {
            let outcome = Outcome(vm: machine.name, source: machine.source, applied: false, reverted: false, backup: nil, changes: [],
                                  warnings: [], notes: ["nothing to fix: no check of `kdnetctl vm check \(ShellWord.quoted(machine.name))` asks for a change"],
                                  diff: "", commands: [], powerCycle: nil)
            if output.json { try Console.json(outcome) } else { Console.out(TerminalText.escaped(outcome.notes[0])) }
            return
        }
        if apply && proposal.plan.steps.isEmpty {
            throw ValidationError("nothing for --apply to change: \(proposal.notes.joined(separator: "; "))")
        }
        var backup: URL?
        if apply {
            backup = try ValidationError.fromFlags(refusing: [VMFixApplyError.self]) {
                try VMFixer.apply(proposal, libvirt: libvirt ?? LibvirtHost(uri: vmSources.connect), backups: VMFixBackups())
            }
        }
        let outcome = Outcome(vm: machine.name, source: machine.source, applied: backup != nil, reverted: false, backup: backup?.path,
                              changes: proposal.plan.steps, warnings: proposal.warnings, notes: proposal.notes,
                              diff: proposal.diff, commands: proposal.commands, powerCycle: proposal.plan.steps.isEmpty ? nil : proposal.powerCycle)
        if output.json { try Console.json(outcome) } else { render(outcome) }
    }

    private func render(_ o: Outcome) {
        for s in o.changes { Console.out("change: \(TerminalText.escaped(s.reason))") }
        for n in o.notes { Console.out(Console.paint("note:", .yellow) + " \(TerminalText.escaped(n))") }
        for w in o.warnings { Console.out(Console.paint("warning:", .yellow) + " \(TerminalText.escaped(w))") }
        if !o.diff.isEmpty {
            Console.out("")
            for line in o.diff.split(separator: "\n", omittingEmptySubsequences: false).map({ TerminalText.escaped(String($0), layout: .multiLine) }) {
                let style: Console.Style? = line.hasPrefix("+") && !line.hasPrefix("+++") ? .green : line.hasPrefix("-") && !line.hasPrefix("---") ? .red : nil
                Console.out(style.map { Console.paint(String(line), $0) } ?? String(line), wrap: false)
            }
        }
        if !o.commands.isEmpty {
            Console.out(o.source == .proxmox ? "\nrun on the Proxmox host:" : "\nstart QEMU with:")
            for c in o.commands { Console.out("  " + TerminalText.escaped(c), wrap: false) }
        }
        if o.applied, let b = o.backup {
            Console.out("\ndefined the new \(TerminalText.escaped(o.vm)); the previous definition is kept in \(b) (kdnetctl vm fix \(ShellWord.quoted(o.vm)) --revert restores it)")
        } else if o.source == .libvirt, !o.changes.isEmpty {
            Console.out("\ndry run: nothing was changed; add --apply to define it")
        }
        if let p = o.powerCycle { Console.out(Console.paint("then:", .bold) + " \(TerminalText.escaped(p))") }
    }
}

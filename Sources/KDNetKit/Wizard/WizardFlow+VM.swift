import Foundation

extension WizardFlow {
    // MARK: 1. Where the target is

    func targetStep() throws {
        io.begin(.target)
        var r = StepReport(.target)
        if simulated {
            r.lines.append("target: kdnetctl's simulated Windows target, on this machine")
            return finish(r)
        }
        if options.targetSide {
            r.lines.append("target: this machine (the wizard runs on it, from a Linux live system)")
            return finish(r)
        }
        switch try ask(targetQuestion(defaultValue: options.presets["vm"] != nil ? "vm-here" : "physical"), &r) {
        case "vm-here":
            try vmOnThisHost(&r)
        case "vm-elsewhere":
            virtualMachine = "elsewhere"
            r.lines.append("target: a VM on another host")
            r.notes.append("run `kdnetctl vm check NAME` on the VM's host: the NIC model, Hyper-V vendor id and Secure Boot are checked there")
            r.notes.append("the VM's network must route to this host's address; a NAT network needs the port forwarded to the VM's host")
        default:
            r.lines.append("target: a physical machine")
        }
        finish(r)
    }

    private func vmOnThisHost(_ r: inout StepReport) throws {
        guard let catalog = services.virtualMachines() else {
            r.status = .unavailable
            r.notes.append("reading this host's VMs is not available in this build; run `kdnetctl vm check NAME` yourself")
            return
        }
        for p in catalog.problems { r.notes.append("not read: \(p)") }
        guard !catalog.vms.isEmpty else {
            if let name = options.presets["vm"] { throw presetError("vm", "no VM named '\(name)': no VM was found on this host") }
            r.warnings.append("no VM found on this host (libvirt, QEMU processes, Proxmox); the rest of the set-up treats the target as a machine on the network")
            r.worsen(to: .warn)
            return
        }
        let names = catalog.vms.map(\.name)
        let q = Question(
            id: "vm", step: .target, prompt: "Which VM?",
            choices: catalog.vms.map { Choice($0.name, $0.name, detail: "\($0.source.rawValue), \($0.state.rawValue), \($0.nics.compactMap(\.model).joined(separator: ", "))") },
            defaultValue: names.count == 1 ? names[0] : nil
        ) { text throws(InvalidAnswer) in
            guard names.contains(text) else { throw InvalidAnswer("no VM named '\(text)'; the VMs here are: \(names.joined(separator: ", "))") }
            return text
        }
        let name = try ask(q, &r)
        let vm = catalog.vms.first { $0.name == name }!
        var report = try services.checkVM(vm, in: catalog, windows: options.presets["windows"])
        show(report, &r)
        if let proposal = try services.proposeVMFix(for: vm, report: report) {
            let help = proposal.reasons + proposal.warnings.map { "warning: \($0)" } + proposal.diff.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if try ask(vmFixQuestion(vm: vm.name, help: help), &r) == "apply" {
                let backup = try services.applyVMFix(proposal)
                r.lines.append("changed \(vm.name)'s definition; the original is kept in \(backup) (kdnetctl vm fix \(ShellWord.quoted(vm.name)) --revert restores it)")
                r.notes.append(proposal.powerCycle)
                if let fresh = services.virtualMachines(), let changed = fresh.vms.first(where: { $0.name == vm.name }) {
                    report = try services.checkVM(changed, in: fresh, windows: options.presets["windows"])
                    r.lines.append("checked again after the change:")
                    r.warnings.removeAll()
                    r.status = .ok
                    show(report, &r)
                }
            } else {
                r.notes.append("left unchanged; `kdnetctl vm fix \(ShellWord.quoted(vm.name)) --apply` makes these changes later")
            }
        } else if vm.source != .libvirt, report.failed {
            r.notes.append("`kdnetctl vm fix \(ShellWord.quoted(vm.name))` prints the \(vm.source == .proxmox ? "qm set" : "QEMU command-line") changes for the failed checks")
        }
        vmReport = report
        virtualMachine = vm.source.rawValue
    }

    // MARK: The target's questions (shared with checkPresets)

    func targetQuestion(defaultValue: String?) -> Question {
        Question(
            id: "target", step: .target, prompt: "Where is the target?",
            help: ["A VM on this host has traps of its own (its NIC model, Hyper-V enlightenments, Secure Boot in its firmware, its network); the wizard checks them."],
            choices: [
                Choice("physical", "A physical machine", detail: "on the same network as this host"),
                Choice("vm-here", "A VM on this host", detail: "libvirt (virt-manager, virsh), a QEMU process, or Proxmox VE"),
                Choice("vm-elsewhere", "A VM on another host", detail: "its hypervisor's host must reach this one"),
            ],
            defaultValue: defaultValue)
    }

    func vmFixQuestion(vm: String, help: [String]) -> Question {
        Question(
            id: "vm-fix", step: .target, prompt: "Apply these changes to \(vm)'s definition?", help: help,
            choices: [Choice("skip", "No, leave the VM as it is", detail: "kdnetctl vm fix \(ShellWord.quoted(vm)) shows the same changes later"),
                      Choice("apply", "Yes, define the changed VM", detail: "the original definition is kept as a 0600 backup first")],
            defaultValue: "skip")
    }

    private func show(_ report: VMCheckReport, _ r: inout StepReport) {
        r.lines.append("VM \(report.vm.name) (\(report.vm.source.rawValue), \(report.vm.state.rawValue)), judged for \(report.windows.release)")
        for c in report.checks {
            r.lines.append("\(c.verdict.rawValue) \(c.id): \(c.cause)" + (c.source.map { " (reported by \($0))" } ?? ""))
            if c.verdict == .fail { r.warnings.append("\(c.id): \(c.fix ?? c.cause)"); r.worsen(to: .fail) }
            if c.verdict == .warn { r.worsen(to: .warn) }
        }
        if let h = report.hostIp { r.lines.append("hostip for the VM: \(h.address)" + (h.interface.map { " on \($0)" } ?? "") + " (\(h.why))") }
    }
}

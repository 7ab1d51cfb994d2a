import Foundation

extension WizardFlow {
    // MARK: 3. The target's NIC

    func nicStep() throws {
        io.begin(.nic)
        var r = StepReport(.nic)
        windows = try WindowsTarget(parsing: try ask(windowsQuestion(defaultValue: vmWindowsDefault ?? WindowsRelease.newest.version), &r))
        r.lines.append("target: \(windows.release) (build \(windows.build))")
        if let report = vmReport {
            try vmNIC(report, &r)
            if let b = busParams { r.lines.append("busparams: \(b)") }
            return finish(r)
        }

        let presets = options.presets
        let defaultSource = options.targetSide ? "this-machine"
            : presets["pci-dump"] != nil ? "dump" : presets["ids"] != nil ? "ids" : presets["busparams"] != nil ? "busparams"
            : "skip"
        let source = try ask(nicSourceQuestion(defaultValue: defaultSource), &r)
        switch source {
        case "dump", "ids", "this-machine":
            try surveyNICs(source, &r)
        case "busparams":
            try askBusParams(&r, help: "Device Manager > the NIC > General > Location shows (PCI bus b, device d, function f).")
        case "hyperv":
            virtualMachine = "hyperv"
            r.lines.append("Hyper-V guest: no busparams; KDNET uses the VM's synthetic (VMBus) NIC")
            r.notes.append("use a generation 2 VM; on the Hyper-V host, the VM's switch must reach this host")
        default:
            r.status = .skipped
            r.notes.append("no busparams: on a physical machine with a PCI NIC, set them later (kdnetctl nics, then bcdedit /set {dbgsettings} busparams b.d.f)")
        }
        if let b = busParams { r.lines.append("busparams: \(b)") }
        finish(r)
    }

    /// The VM's own release when its OS hint or --windows named one.
    private var vmWindowsDefault: String? {
        guard let report = vmReport, report.windows.from != "default" else { return nil }
        return String(report.windows.build)
    }

    /// A VM on this host: its NICs were judged by `vm check` (the same verdicts as `nics`),
    /// judged again here if another Windows was chosen.
    private func vmNIC(_ report: VMCheckReport, _ r: inout StepReport) throws {
        var report = report
        if report.windows.build != windows.build, let catalog = services.virtualMachines(),
           let vm = catalog.vms.first(where: { $0.name == report.vm.name }) {
            report = try services.checkVM(vm, in: catalog, windows: String(windows.build))
            vmReport = report
        }
        for n in report.nics {
            let word = NICVerdict.word(for: n.supported)
            r.lines.append("\(n.mac ?? "?") \(n.model ?? "?")\(n.pciAddress.map { " at \($0)" } ?? ""): \(word) — \(n.reason)")
            if n.basis == .shippedModule, let source = n.reportedBy { r.notes.append("\(n.mac ?? "this NIC"): the verdict rests on a public report (\(source))") }
        }
        guard let mac = report.recommendedNic else {
            r.warnings.append("no NIC of VM \(report.vm.name) is known to work on \(windows.release): `kdnetctl vm fix \(ShellWord.quoted(report.vm.name))` makes it an e1000e")
            r.worsen(to: report.nics.contains { $0.supported == nil } ? .warn : .fail)
            return
        }
        r.lines.append("chosen: the VM's NIC \(mac)")
        if let line = report.bcdedit, let b = line.split(separator: " ").last {
            busParams = try BusParams(parsing: String(b))
            r.notes.append("the VM has several supported NICs, so busparams name this one; behind a PCIe root port the bus Windows sees can differ: check Device Manager > the NIC > Location")
        } else {
            r.notes.append("the VM's only supported NIC: KDNET finds it without busparams")
        }
    }

    private func surveyNICs(_ source: String, _ r: inout StepReport) throws {
        let survey: NICSurvey
        let release = String(windows.build)
        switch source {
        case "dump":
            survey = try services.survey(.dump(try ask(pciDumpQuestion(release: release), &r)), windows: release)
        case "ids":
            survey = try services.survey(.ids(try ask(idsQuestion(release: release), &r).split(separator: ",").map(String.init)), windows: release)
        default:
            survey = try services.survey(.thisMachine, windows: release)
        }
        for n in survey.nics {
            r.lines.append("\(n.label): \(n.verdictWord) — \(n.reason)" + (n.advice.map { "; what to do: \($0)" } ?? ""))
            if n.basis == .shippedModule, let source = n.reportedBy { r.notes.append("\(n.label): this verdict rests on a public report (\(source))") }
        }
        let supported = survey.nics.filter(\.isSupported)
        if supported.isEmpty {
            r.warnings.append(survey.nics.isEmpty ? "no network controller found in \(survey.source)"
                              : survey.nics.contains(where: { $0.supported == nil }) ? "no NIC here is known to work on \(windows.release): see each one's advice"
                              : "none of these NICs is supported on \(windows.release): see each one's advice")
            if survey.nics.contains(where: { $0.vendorId == "1af4" }) {
                r.notes.append("a virtio NIC means a QEMU/KVM VM: \(NICVerdict.e1000eAdvice), and take the dump again")
            }
            r.worsen(to: .fail)
            return
        }
        let recommendedIndex = supported.firstIndex { $0.pciAddress != nil && $0.pciAddress == survey.recommended } ?? 0
        let choices = supported.enumerated().map { i, n in
            Choice(n.pciAddress ?? n.givenId ?? "\(n.vendorId):\(n.deviceId)", n.label, detail: i == recommendedIndex ? survey.recommendation : n.reason)
        }
        let q = Question(id: "nic", step: .nic, prompt: "Which NIC will carry the debugger?", choices: choices,
                         defaultValue: choices[recommendedIndex].value)
        let pick = try ask(q, &r)
        let entry = supported[choices.firstIndex { $0.value == pick }!]
        nic = entry
        r.lines.append("chosen: \(entry.label)")
        if entry.docking {
            r.warnings.append("this NIC is in a dock or on Thunderbolt: never undock the target while debugging is on")
            r.worsen(to: .warn)
        }
        if let b = entry.busparams {
            busParams = try BusParams(parsing: b)
        } else {
            try askBusParams(&r, help: "Ids carry no location: read it in Device Manager > the NIC > General > Location.")
        }
    }

    private func askBusParams(_ r: inout StepReport, help: String) throws {
        let answer = try ask(busParamsQuestion(help: help), &r)
        busParams = answer.isEmpty ? nil : try BusParams(parsing: answer)
        if let note = busParams?.conversionNote { r.notes.append(note) }
    }

    // MARK: The NIC's questions (shared with checkPresets)

    func windowsQuestion(defaultValue: String?) -> Question {
        Question(
            id: "windows", step: .nic, prompt: "Which Windows does the target run?",
            help: ["Microsoft's list of NICs KDNET drives differs between releases."],
            choices: WindowsRelease.all.reversed().map { Choice($0.version, $0.name, detail: "build \($0.build)") },
            allowsOther: true, defaultValue: defaultValue
        ) { text throws(InvalidAnswer) in
            do { _ = try WindowsTarget(parsing: text); return text } catch {
                throw InvalidAnswer(error)
            }
        }
    }

    /// "this-machine" is a choice only on the target side (`--target-side`).
    func nicSourceQuestion(defaultValue: String?) -> Question {
        var sources = [
            Choice("dump", "A PCI dump taken on the target", detail: "`lspci -x` output (Linux live USB) or `kdnetctl nics --json` output"),
            Choice("ids", "Device ids as Windows shows them", detail: "Device Manager > the NIC > Details > Hardware Ids, e.g. PCI\\VEN_8086&DEV_15B8"),
            Choice("busparams", "I know its busparams", detail: "Device Manager > the NIC > General > Location: bus, device, function"),
            Choice("hyperv", "The target is a Hyper-V virtual machine", detail: "its synthetic NIC needs no busparams"),
            Choice("skip", "Skip: decide the NIC later", detail: "KDNET then picks a NIC itself, maybe not the cabled one"),
        ]
        if options.targetSide {
            sources.insert(Choice("this-machine", "This machine (the wizard runs on the target)", detail: "scans the PCI bus here"), at: 0)
        }
        return Question(id: "nic-source", step: .nic, prompt: "How should the target's NIC be found?",
                        help: ["On a physical target, KDNET needs the PCI location (busparams) of a NIC on Microsoft's list."],
                        choices: sources, defaultValue: defaultValue,
                        elsewhere: options.targetSide ? [:] : ["this-machine": "it works only with --target-side (the wizard running on the target)"])
    }

    func pciDumpQuestion(release: String) -> Question {
        let services = self.services
        return Question(id: "pci-dump", step: .nic, prompt: "Path of the dump (lspci -x output, or kdnetctl nics --json)") { path throws(InvalidAnswer) in
            do { _ = try services.survey(.dump(path), windows: release) } catch { throw InvalidAnswer(error) }
            return path
        }
    }

    func idsQuestion(release: String) -> Question {
        let services = self.services
        return Question(id: "ids", step: .nic, prompt: "Device ids (comma-separated), e.g. PCI\\VEN_8086&DEV_15B8 or 8086:15b8") { text throws(InvalidAnswer) in
            let ids = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !ids.isEmpty else { throw InvalidAnswer("no ids given; copy them from Device Manager > Details > Hardware Ids") }
            do { _ = try services.survey(.ids(ids), windows: release) } catch { throw InvalidAnswer(error) }
            return ids.joined(separator: ",")
        }
    }

    func busParamsQuestion(help: String) -> Question {
        Question(id: "busparams", step: .nic, prompt: "busparams (b.d.f, decimal; lspci's 3b:00.0 is converted; empty for none)",
                 help: [help], defaultValue: "") { text throws(InvalidAnswer) in
            if text.isEmpty || text == "none" { return "" }
            do { _ = try BusParams(parsing: text); return text } catch { throw InvalidAnswer(error) }
        }
    }

    // MARK: 4. Before touching the target

    func precautionsStep() throws {
        io.begin(.precautions)
        var r = StepReport(.precautions)
        r.lines += [
            "Secure Boot: bcdedit cannot turn debugging on while it is on; turn it off in the firmware set-up (shutdown /r /fw /t 0) and back on when done.",
            "BitLocker: suspend it before changing boot settings (manage-bde -protectors -disable C: -RebootCount 1), or Windows asks for the recovery key.",
            "Hyper-V: if the target runs Hyper-V with an external switch on this NIC, point the switch at the \"Microsoft Kernel Debug Network Adapter\" after the reboot, or its VMs lose the network.",
            "Docking station: if the debug NIC is in a dock, do not undock while debugging is on; turn debugging off first (bcdedit /debug off, reboot).",
            "Static IP address: " + TargetSetup.staticAddressPrecaution,
        ]
        r.notes.append("the generated scripts check Secure Boot and BitLocker themselves and warn before changing anything")
        if nic?.docking == true { r.warnings.append("the chosen NIC is in a dock or on Thunderbolt"); r.worsen(to: .warn) }
        try proceed(.precautions, &r, prompt: "Ready to generate the key and the target's commands?")
        finish(r)
    }
}

import Foundation

extension WizardFlow {
    // MARK: 5. The key

    func keyStep() throws {
        io.begin(.key)
        var r = StepReport(.key)
        if let given = options.presets["key"] {
            do { key = try DebugKey(parsing: given) } catch { throw presetError("key", error.errorDescription ?? "invalid key") }
            r.answers["key"] = "(given)"
            record.choices["key"] = "(given)"
            r.lines.append("key: the one given (\(key.redacted))")
            if key.isWeak { r.warnings.append(KeyReport.weakWarning); r.worsen(to: .warn) }
        } else {
            key = options.makeKey()
            r.lines.append("key: generated here from the system's random source (\(key.redacted))")
        }
        r.notes.append("the full key goes into the files of the next step only (mode 0600); the host needs it, keep it private")
        finish(r)
    }

    // MARK: 6. The result

    func resultStep() throws {
        io.begin(.result)
        var r = StepReport(.result)
        var request = TargetSetupRequest(port: port, key: .given(key))
        request.hostAddress = host
        request.busParams = busParams
        request.hostOS = debugger == .windbg ? .windows : .linux
        request.simulatedTargetOnThisHost = simulated
        setup = try TargetSetup(request)
        let files = WizardFiles.render(setup: setup, key: key, debugger: debugger, simulated: simulated)
        let written = try WizardFiles.write(files, into: options.outDir)
        record.files = written.files
        let out = options.outDir.path
        switch written.folder {
        case .tightened(let mode):
            r.notes.append("\(out) was mode 0\(String(mode, radix: 8)); made it 0700, as it holds the key")
        case .leftOpen(let mode):
            r.warnings.append("\(out) is mode 0\(String(mode, radix: 8)) and holds other files, so it was left as it is: others can list the key files (they cannot read them, 0600); chmod 700 \(ShellWord.quoted(out)) or use a folder of its own")
        case .created, .alreadyPrivate:
            break
        }

        r.lines.append("on the target, in an elevated Command Prompt:")
        r.lines += setup.steps.map { "  " + redact($0.cmdLine) }
        if let h = setup.host {
            r.lines.append("on the host, before the target reboots, one of:")
            r.lines += [h.listen, h.windbg, h.kd].map { "  " + redact($0) }
        }
        r.lines.append("written to \(options.outDir.path) (the full key is in these files):")
        r.lines += record.files.map { "  \($0.path)  \($0.mode)  \($0.purpose)" }
        remember(&r)
        // Those about the address were said in step 1.
        r.warnings += setup.warnings.filter { !$0.contains(host.text) || host.isLoopback }
        r.notes += setup.notes.filter { !$0.contains("--busparams") || virtualMachine == nil }
        if !r.warnings.isEmpty { r.worsen(to: .warn) }
        finish(r)
    }

    /// The setup is remembered (folder, port, host address; never the key) so that
    /// `kdnetctl listen` and `kdnetctl doctor` work next without flags. Not from the
    /// target side: that runs on the target's live system, not where the debugger runs.
    private func remember(_ r: inout StepReport) {
        guard let memory = options.memory, !options.targetSide else { return }
        let folder = options.outDir.standardizedFileURL
        let config = debugger == .kdnetctl ? folder.appendingPathComponent(FleetPlan.listenerFile).path : nil
        let setup = RememberedSetup(folder: folder.path, madeBy: .wizard, listenerConfig: config,
                                    hostIp: host.text, port: Int(port.value), targets: 1)
        switch memory.rememberIfPossible(setup) {
        case .remembered(let file):
            record.remembered = file
            r.lines.append(debugger == .kdnetctl
                ? "remembered in \(file): `kdnetctl listen`, `kdnetctl doctor` and `kdnetctl inspect --live` use this setup without flags (--no-remember skips this)"
                : "remembered in \(file): `kdnetctl doctor` checks this setup without flags (--no-remember skips this)")
        case .notRemembered(let why):
            r.warnings.append(why)
        }
    }

    func redact(_ text: String) -> String {
        text.replacingOccurrences(of: key.text, with: key.redacted)
    }
}

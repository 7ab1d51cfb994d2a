import Foundation

extension WizardFlow {
    // MARK: 7. Host checks (or, on the target, reaching the host)

    func checksStep() throws {
        io.begin(.checks)
        var r = StepReport(.checks)
        var checks: [WizardCheck] = []
        if options.targetSide {
            r.lines.append("on the host, start: kdnetctl probe listen --port \(port!) --key \(key.redacted)  (the full key is in kdnet-notes.txt)")
            try proceed(.checks, &r, prompt: "Is `kdnetctl probe listen` running on the host?")
            checks = services.reachHost(host, port: port, key: key)
                ?? [WizardCheck(name: "reach host", verdict: .unavailable, cause: "ping and the UDP probe are not available in this build")]
        } else if debugger == .windbg {
            r.status = .skipped
            r.lines.append("the debugger runs on the Windows host \(host.text); check its firewall there:")
            r.lines += (setup.host?.firewall ?? []).map { "  " + $0 }
            r.notes.append("or answer the debugger's firewall prompt with all three profiles: domain, private and public")
        } else {
            checks = services.hostChecks(port: port, host: host, key: key, simulatedTarget: simulated)
                ?? [WizardCheck(name: "doctor", verdict: .unavailable, cause: "the doctor's checks are not available in this build",
                                commands: setup.host?.firewall ?? [])]
        }
        for c in checks {
            r.lines.append("\(c.name): \(c.verdict.rawValue) — \(c.cause)")
            if let fix = c.fix { r.lines.append("  fix: \(fix)") }
            r.lines += c.commands.map { "  " + $0 }
            switch c.verdict {
            case .fail: r.worsen(to: .fail)
            case .warn: r.worsen(to: .warn)
            case .unavailable: r.worsen(to: .unavailable)
            case .pass: break
            }
        }
        record.checks = checks
        finish(r)
    }

    // MARK: 8. The connection

    func connectionStep() throws {
        io.begin(.connection)
        var r = StepReport(.connection)
        guard debugger == .kdnetctl, !options.targetSide else {
            r.status = .skipped
            r.lines.append(options.targetSide
                ? "this machine is the target booted into Linux: boot Windows after running the script, with the debugger waiting on the host"
                : "start WinDbg or kd on the Windows host with the line from step 6, then reboot the target")
            finish(r)
            return
        }
        guard try ask(connectQuestion(), &r) == "wait" else {
            r.status = .skipped
            r.lines.append("not listening now; later: \(laterListen)")
            finish(r)
            return
        }
        let request = ConnectRequest(hostAddress: host, port: port, key: key, timeout: options.connectTimeout, simulated: options.simulatedTarget)
        var attempt = 0
        while true {
            attempt += 1
            let io = self.io
            let outcome = try services.connect(request, status: { io.status($0) }, note: { io.note($0) })
            io.status(nil)
            guard let outcome else {
                r.status = .unavailable
                r.lines.append("the integrated listener is not available in this build; run kdnetctl listen, or WinDbg/kd with the lines from step 6")
                break
            }
            record.connection = outcome
            if outcome.connected {
                r.lines.append("connected: the target sent from \(outcome.from ?? "?") with the right key")
                r.lines.append("target: Windows build \(outcome.build.map(String.init) ?? "?"), \(outcome.architecture ?? "unknown architecture")")
                r.status = .ok
                record.outcome = .connected
                break
            }
            record.outcome = .notConnected
            r.status = .fail
            r.lines.append("attempt \(attempt): no connection after \(Int(outcome.waitedSeconds))s — \(outcome.diagnosis ?? "no-traffic")")
            if let e = outcome.explanation { r.lines.append("  why: \(e)") }
            if let f = outcome.fix { r.lines.append("  what to do: \(f)") }
            // A preset "wait" would loop forever; it buys a bounded number of extra waits.
            if attempt > 3 { break }
            if try ask(onFailureQuestion(help: [outcome.explanation, outcome.fix].compactMap { $0 }), &r) != "wait" { break }
        }
        finish(r)
    }

    // MARK: The connection's questions (shared with checkPresets)

    func connectQuestion() -> Question {
        Question(
            id: "connect", step: .connection,
            prompt: simulated ? "Start the listener and the simulated target?" : "Start the listener now? (then run the script on the target and reboot it)",
            choices: [Choice("wait", "Listen and wait for the target"), Choice("skip", "Not now (listen later with kdnetctl listen)")],
            defaultValue: "wait")
    }

    func onFailureQuestion(help: [String]) -> Question {
        Question(
            id: "on-failure", step: .connection, prompt: "The target did not connect. What now?", help: help,
            choices: [Choice("stop", "Stop (the files stay; listen later with kdnetctl listen)"),
                      Choice("wait", "Keep waiting another \(Int(options.connectTimeout))s")],
            defaultValue: "stop")
    }

    // MARK: 9. Summary

    /// How to listen for this setup later: plain `kdnetctl listen` once it is remembered.
    var laterListen: String {
        record.remembered != nil ? "kdnetctl listen (it uses this setup)"
            : "kdnetctl listen --config \(ShellWord.quoted(options.outDir.appendingPathComponent(FleetPlan.listenerFile).path))"
    }

    func summaryStep() throws {
        io.begin(.summary)
        var r = StepReport(.summary)
        r.lines.append("set: \(host.family.bcdeditElement) \(host.text), port \(port!), busparams \(busParams?.description ?? "not set"), key \(key.redacted)")
        r.lines.append("files: \(options.outDir.path) (kdnet-notes.txt has everything, with the full key)")
        switch record.outcome {
        case .connected: r.lines.append("the target connected: debugging works")
        case .notConnected: r.lines.append("the target has not connected yet: see step 8 for why"); r.status = .fail
        case .setUp: r.lines.append("the target is set up; the connection was not tried here")
        }
        if let h = setup.host {
            r.lines.append("from now on, start the debugger before the target boots:")
            r.lines += (debugger == .windbg ? [h.windbg, h.kd] : [h.listen + "   (or: \(laterListen))", h.windbg]).map { "  " + redact($0) }
        }
        r.lines.append("to turn debugging off: on the target, elevated: bcdedit /debug off, then reboot (shutdown -r -t 0)")
        if virtualMachine == nil {
            r.notes.append("if a Hyper-V external switch was pointed at the Microsoft Kernel Debug Network Adapter, point it back at the NIC when turning debugging off")
        }
        // Offered when this host runs a lab service (or the answers name one): asking
        // everyone about a service they do not have would only be noise.
        if debugger == .kdnetctl, !options.targetSide,
           options.presets["lab-service"] != nil || options.labServiceConfig != nil {
            let answer = try ask(labServiceQuestion(), &r)
            if answer != "skip" { addToLabService(URL(fileURLWithPath: answer), &r) }
        }
        finish(r)
    }

    /// The lab service's config, as the Debian package's unit reads it.
    public static let labServiceConfig = "/etc/kdnetctl/listener.json"

    func labServiceQuestion() -> Question {
        let config = options.labServiceConfig ?? Self.labServiceConfig
        return Question(
            id: "lab-service", step: .summary,
            prompt: "Add this target to the lab service (kdnetctl serve)?",
            help: ["the lab service watches every target of its listener.json for days: states, reboots, DbgPrint logs, a status page"],
            choices: [Choice("skip", "No"),
                      Choice(config, "Add it to \(config)", detail: "the lab service's config; or type the path of another listener.json")],
            allowsOther: true, defaultValue: "skip")
    }

    /// The name the target gets in a lab service's listener.json.
    var labServiceName: String { virtualMachine ?? "target-\(port!)" }

    /// The lab service's listener.json an answers file names (`lab-service: PATH`), checked
    /// before anything is written as every other answer is: it must be a listener config
    /// others cannot read, or a new file in a folder that exists; with `target` (once the
    /// port, name and key are known) the config must also take it (no name or port twice).
    /// Typed at the prompt instead, it is asked after the files are written and a refusal
    /// is a warning, since the set-up is done by then.
    func checkLabServicePreset(adding target: ListenerConfig.Target? = nil) throws {
        guard let given = options.presets["lab-service"], let answer = try? labServiceQuestion().validate(given),
              answer != "skip" else { return }
        let url = URL(fileURLWithPath: answer)
        do {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
                guard !isDir.boolValue else { throw InvalidAnswer("\(answer) is a folder; give the path of a listener.json") }
                let config = try ListenerConfig.load(from: url)
                // It is replaced atomically, through a new file beside it.
                let parent = url.deletingLastPathComponent().path
                guard access(parent, W_OK) == 0 else {
                    throw InvalidAnswer("the folder \(parent) is not writable here, so \(answer) cannot be changed; run as its owner (sudo) or give another path")
                }
                if let target {
                    _ = try config.adding(target: target, source: url.path)
                } else if let port = options.presets["port"].flatMap({ try? DebugPort(parsing: $0) }),
                          let holder = config.targets.first(where: { $0.port == port.value }) {
                    throw InvalidAnswer("port \(port) is already given to target \(holder.name) in \(url.path); pick another port")
                }
            } else {
                let parent = url.deletingLastPathComponent().path
                guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue else {
                    throw InvalidAnswer("\(answer) does not exist, nor does its folder \(parent); give the path of the lab service's listener.json (\(Self.labServiceConfig))")
                }
                guard access(parent, W_OK) == 0 else {
                    throw InvalidAnswer("\(answer) does not exist and its folder \(parent) is not writable here; run as its owner or give another path")
                }
            }
        } catch let error as InvalidAnswer {
            throw presetError("lab-service", error.message)
        } catch {
            throw presetError("lab-service", InvalidAnswer(error).message)
        }
    }

    /// Appends this target to a lab service's listener.json (made when missing). A
    /// refusal (a name or port it already has, no permission) is a warning: the set-up
    /// itself is done.
    private func addToLabService(_ url: URL, _ r: inout StepReport) {
        let name = labServiceName
        let target = ListenerConfig.Target(name: name, port: port.value, key: key.text)
        do {
            if FileManager.default.fileExists(atPath: url.path) {
                try ListenerConfig.add(target: target, toFileAt: url)
            } else {
                try ListenerConfig(hostIp: host.text, targets: [target]).write(to: url)
            }
            record.labService = url.path
            r.lines.append("added \(name) (port \(port!)) to \(url.path): reload the service with `sudo systemctl reload kdnetctl-serve` (or send its serve process SIGHUP)")
        } catch {
            r.warnings.append("not added to the lab service: \(error.localizedDescription)")
            r.worsen(to: .warn)
        }
    }
}

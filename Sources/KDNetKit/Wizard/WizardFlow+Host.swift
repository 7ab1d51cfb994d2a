import Foundation

extension WizardFlow {
    // MARK: 1. The host

    func hostStep() throws {
        io.begin(.host)
        var r = StepReport(.host)
        let simulated = self.simulated
        debugger = Debugger(rawValue: try ask(debuggerQuestion(), &r))!

        // This host's interfaces only matter when the debugger runs on it.
        let local = debugger == .kdnetctl && !options.targetSide
        if local {
            let a = try services.hostAdvice(includeVirtual: options.includeVirtual)
            advice = a
            if let rec = a.recommended {
                r.lines.append("recommended host address: \(rec.address) on \(rec.interface), because \(rec.reason)")
            }
            r.warnings += a.warnings.filter { !(simulated && $0.hasPrefix("no usable address")) }
        }
        let recommended = local ? advice?.recommended.flatMap { try? HostAddress(parsing: $0.address.description) } : nil

        let family = IPAddress.Family(rawValue: try ask(familyQuestion(defaultValue: recommended?.family ?? .ipv4), &r))!

        var choices: [Choice] = []
        if local, let a = advice {
            for i in a.interfaces where i.candidate {
                for addr in i.addresses where addr.family == family {
                    let isRec = a.recommended?.address == addr.address
                    choices.append(Choice(addr.address.description, "\(addr.address) (\(i.name))" + (isRec ? " — recommended" : ""),
                                          detail: isRec ? a.recommended?.reason : addr.isLinkLocal ? "link-local: only across one switch" : nil))
                }
            }
            choices.sort { a, b in a.label.hasSuffix("recommended") && !b.label.hasSuffix("recommended") }
        }
        let loopback = family == .ipv4 ? "127.0.0.1" : "::1"
        if simulated {
            choices.append(Choice(loopback, "\(loopback) (loopback)", detail: "for the simulated target on this machine only"))
        }
        // A VM on this host sends to the address its network gives the host.
        let vmHost = vmReport?.hostIp.flatMap { h in IPAddress(h.address).map { ($0.isIPv4 ? "ipv4" : "ipv6") == family.rawValue ? h : nil } ?? nil }
        if let vmHost {
            choices.removeAll { $0.value == vmHost.address }
            choices.insert(Choice(vmHost.address, "\(vmHost.address) (\(vmHost.interface ?? "the VM's network")) — the VM's network", detail: vmHost.why), at: 0)
        }
        let defaultAddress = vmHost?.address ?? recommended.flatMap { $0.family == family ? $0.text : nil } ?? choices.first?.value
        host = try HostAddress(parsing: try ask(hostQuestion(family: family, choices: choices, defaultValue: defaultAddress, local: local), &r))
        hostInterface = advice?.interfaces.first { $0.addresses.contains { $0.address == host.address } }?.name
        if let vmHost, vmHost.address == host.text {
            hostInterface = vmHost.interface
            r.notes.append("from the VM's network: \(vmHost.why)")
        }

        r.lines.append("host address: \(host.text) (\(family.bcdeditElement))" + (hostInterface.map { " on \($0)" } ?? ""))
        r.lines.append(debugger == .kdnetctl
            ? (options.targetSide ? "debugger: kdnetctl on the Linux host" : "debugger: kdnetctl's listener, here")
            : "debugger: WinDbg or kd on the Windows host \(host.text)")
        if host.isLoopback {
            r.notes.append("\(host.text) is loopback: right for the simulated target on this machine, never for a real one")
        }
        if host.isLinkLocal { r.warnings.append("\(host.text) is link-local: host and target must be on the same switch or hub") }
        if host.isDocumentation { r.warnings.append("\(host.text) is from a documentation example range, not a real host's address") }
        if local, !host.isLoopback, hostInterface == nil, vmHost?.address != host.text {
            r.warnings.append("\(host.text) is not an address of this host; the target would send elsewhere (behind NAT, give the address the target reaches and forward the port)")
        }
        if !r.warnings.isEmpty { r.worsen(to: .warn) }
        finish(r)
    }

    // MARK: 2. The port

    func portStep() throws {
        io.begin(.port)
        var r = StepReport(.port)
        var planned: [UInt16: String] = [:]
        if let dir = options.planDir {
            planned = try services.plannedPorts(in: dir)
            r.lines.append("the plan in \(dir.path) uses \(planned.isEmpty ? "no ports" : planned.keys.sorted().map(String.init).joined(separator: ", "))")
        }
        // The host's own sockets can only be checked when the listener runs here.
        let checkHere = debugger == .kdnetctl && !options.targetSide
        var held: [UInt16: WizardCheck] = [:]
        var suggestion: Int?
        var unavailable = false
        for p in DebugPort.recommended where planned[UInt16(p)] == nil {
            let port = try! DebugPort(validating: p)
            if checkHere {
                guard let c = services.portCheck(port) else { unavailable = true; suggestion = p; break }
                if c.verdict == .fail { held[UInt16(p)] = c; continue }
            }
            suggestion = p
            break
        }
        if unavailable { r.notes.append("whether a port is free here could not be checked (the port check is not available in this build)"); r.worsen(to: .unavailable) }
        if !held.isEmpty { r.lines.append("in use on this host: " + held.keys.sorted().map(String.init).joined(separator: ", ")) }
        if let s = suggestion {
            r.lines.append("first free port in \(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound): \(s)")
        } else {
            r.warnings.append("every port in \(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound) is taken; type one from 49152-65535")
        }
        port = try DebugPort(parsing: try ask(portQuestion(taken: planned, checkHere: checkHere, suggested: suggestion), &r))
        r.lines.append("port: \(port!)")
        if let w = port.policyWarning { r.warnings.append(w); r.worsen(to: .warn) }
        if !r.warnings.isEmpty { r.worsen(to: .warn) }
        finish(r)
    }

    // MARK: The questions (shared with checkPresets)

    func debuggerQuestion() -> Question {
        let simulated = self.simulated
        return Question(
            id: "debugger", step: .host, prompt: "Where will the debugger run?",
            help: ["The target sends its debug traffic to one address: the host's. KDNET's listener can run here, or WinDbg/kd on a Windows host."],
            choices: [
                Choice("kdnetctl", options.targetSide ? "On a Linux host, with kdnetctl's listener" : "Here, with kdnetctl's integrated listener",
                       detail: "kdnetctl waits for the target and tells its Windows build, or why it did not connect"),
                Choice("windbg", "On a Windows host, with WinDbg or kd", detail: "give that Windows host's address, as its `ipconfig` shows it"),
            ],
            defaultValue: "kdnetctl"
        ) { answer throws(InvalidAnswer) in
            if simulated && answer == "windbg" {
                throw InvalidAnswer("the simulated target talks to kdnetctl's listener on this host; choose kdnetctl")
            }
            return answer
        }
    }

    func familyQuestion(defaultValue: IPAddress.Family?) -> Question {
        Question(
            id: "family", step: .host, prompt: "IPv4 or IPv6?",
            help: ["The target uses one family only: bcdedit's hostip (IPv4) or hostipv6 (IPv6)."],
            choices: [
                Choice("ipv4", "IPv4 (hostip)", detail: "works on every Windows from 8 on"),
                Choice("ipv6", "IPv6 (hostipv6)", detail: "needs Windows 10 1809 or later on the target"),
            ],
            defaultValue: defaultValue?.rawValue)
    }

    /// `family` nil accepts either family.
    func hostQuestion(family: IPAddress.Family?, choices: [Choice], defaultValue: String?, local: Bool) -> Question {
        let simulated = self.simulated
        return Question(
            id: "host-ip", step: .host,
            prompt: debugger == .windbg ? "The Windows host's address (from its ipconfig)" : "The host's address the target sends to",
            help: local ? [] : ["Type the address of the host's network adapter that faces the target."],
            choices: choices, allowsOther: true, defaultValue: defaultValue
        ) { text throws(InvalidAnswer) in
            let address: HostAddress
            do { address = try HostAddress(parsing: text) } catch { throw InvalidAnswer(error) }
            if let family, address.family != family {
                throw InvalidAnswer("\(text) is not \(family.name); give an \(family.name) address or choose the other family")
            }
            if let why = address.unusableReason, !(simulated && address.isLoopback) {
                throw InvalidAnswer("\(why); give the address of the host's adapter that faces the target")
            }
            return address.text
        }
    }

    /// `taken`: ports of the plan; `checkHere`: refuse ports in use on this host.
    func portQuestion(taken: [UInt16: String], checkHere: Bool, suggested: Int?) -> Question {
        let services = self.services
        return Question(
            id: "port", step: .port, prompt: "UDP port for this target",
            help: ["Any port from 49152 to 65535; Microsoft recommends 50000-50039. Each target needs its own."],
            defaultValue: suggested.map(String.init)
        ) { text throws(InvalidAnswer) in
            let port: DebugPort
            do { port = try DebugPort(parsing: text) } catch { throw InvalidAnswer(error) }
            let alt = suggested.map { "; pick another, e.g. \($0)" } ?? "; pick another"
            if let name = taken[port.value] { throw InvalidAnswer("port \(port) is already given to target \(name) in the plan\(alt)") }
            if checkHere, let c = services.portCheck(port), c.verdict == .fail { throw InvalidAnswer("port \(port) is in use here: \(c.cause)\(alt)") }
            return port.description
        }
    }
}

/// The target's `bcdedit /dbgsettings` against this host: the port, the address it
/// sends to, the key and the NIC it uses. One line per aspect, so each has its own fix.
struct TargetSettingsCheck: DoctorCheck {
    var settings: DbgSettings
    var port: Int?
    var key: DebugKey?
    var hostIP: HostAddress?
    var hint: SettingsHint
    /// `--pci-dump`: busparams must name a network controller in it.
    var pciDump: PCIDumpContents? = nil

    var activity: String { "comparing the target's settings with this host" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        // Without the host's addresses the rest is still worth judging.
        Self.judge(settings: settings, port: port, key: key, hostIP: hostIP, snapshot: try? environment.hostNetwork(), hint: hint, pciDump: pciDump)
    }

    /// A verdict with its reason, before they are folded into one line per aspect.
    struct Remark: Equatable {
        var verdict: CheckVerdict
        var text: String
        init(_ verdict: CheckVerdict, _ text: String) { self.verdict = verdict; self.text = text }
        init(_ f: LintFinding) {
            verdict = f.severity == .error ? .fail : f.severity == .warning ? .warn : .pass
            text = f.message
        }
    }

    static func judge(settings: DbgSettings, port: Int?, key: DebugKey?, hostIP: HostAddress?,
                      snapshot: HostNetworkSnapshot?, hint: SettingsHint, pciDump: PCIDumpContents? = nil) -> [DoctorCheckResult] {
        // Ownership is judged here, not by the lint, whose advice is for `dbgsettings lint`.
        let lint = DbgSettingsLint(settings, options: .init(expectedKey: key, pciDump: pciDump))
        let paste = "paste the whole output of `bcdedit /dbgsettings`, run in an elevated prompt on the target"
        if lint.findings.contains(where: { $0.code == "no-settings" }) {
            return [fold("target-settings", lint.findings.map(Remark.init), pass: "", fix: paste)]
        }
        func remarks(_ prefixes: [String]) -> [Remark] {
            lint.findings.filter { f in prefixes.contains { f.code.hasPrefix($0) } }.map(Remark.init)
        }
        let general = lint.findings.filter { f in !["port", "key", "hostip", "both-families", "busparams"].contains { f.code.hasPrefix($0) } }
        let wrongType = general.contains { $0.code.hasPrefix("debugtype") }
        return [
            fold("target-settings", general.map(Remark.init),
                 pass: "the target is set up for network debugging (debugtype \(settings.debugtype ?? "?"))",
                 fix: wrongType ? hint.onTarget() : paste),
            portLine(settings: settings, port: port, remarks: remarks(["port"]), hint: hint),
            hostLine(settings: settings, hostIP: hostIP, snapshot: snapshot, remarks: remarks(["hostip", "both-families"]), hint: hint),
            keyLine(given: key, remarks: remarks(["key"]), hint: hint),
            fold("target-busparams", remarks(["busparams"]),
                 pass: settings.busparams.map { "busparams \($0) names the NIC KDNET uses" } ?? "no busparams",
                 fix: "on the target, in an elevated prompt: `bcdedit /set {dbgsettings} busparams b.d.f` with the bus, device and function (decimal) of the NIC cabled to the host, from Device Manager's Location"),
        ]
    }

    static func portLine(settings: DbgSettings, port: Int?, remarks: [Remark], hint: SettingsHint) -> DoctorCheckResult {
        var remarks = remarks
        let targetPort = settings.port.map { Int($0.trimmingCharacters(in: .whitespaces)) } ?? DebugPort.fallback
        if let port, let targetPort, targetPort != port {
            remarks.append(Remark(.fail, "the target sends to port \(targetPort), but the debugger here uses port \(port)"))
        }
        let fix = hint.onTarget(port: port ?? DebugPort.recommended.lowerBound, withKey: false)
            + (targetPort.map { ", or run the debugger on port \($0)" } ?? "")
        return fold("target-port", remarks,
                    pass: "the target sends to port \(targetPort.map(String.init) ?? "?")" + (port != nil ? ", the port the debugger uses" : ""),
                    fix: fix)
    }

    static func hostLine(settings: DbgSettings, hostIP: HostAddress?, snapshot: HostNetworkSnapshot?,
                         remarks: [Remark], hint: SettingsHint) -> DoctorCheckResult {
        var remarks = remarks
        // With both set the target uses IPv6 only.
        let element = settings.hostipv6 != nil ? "hostipv6" : "hostip"
        let address = (settings.hostipv6 ?? settings.hostip).flatMap { try? HostAddress(parsing: $0) }
        var pass = "the target sends to \(address?.text ?? "?")"
        if let address, address.unusableReason == nil {
            if let snapshot {
                if let owner = snapshot.interface(owning: address.address) {
                    pass += ", this host's address on \(owner.name)"
                } else {
                    remarks.append(Remark(.fail, "\(element) \(address) is not an address of this host, so the target sends its datagrams elsewhere"))
                }
            }
            if let hostIP, hostIP.bytes != address.bytes {
                remarks.append(Remark(.fail, "the target sends to \(address), but --host-ip is \(hostIP)"))
            }
        }
        let fixHint = SettingsHint(hostIP: hostIP?.text, port: hint.port)
        return fold("target-hostip", remarks, pass: pass,
                    fix: fixHint.onTarget(withKey: false) + (hostIP == nil ? " (`kdnetctl host --target ADDR` picks this host's address)" : ""))
    }

    static func keyLine(given: DebugKey?, remarks: [Remark], hint: SettingsHint) -> DoctorCheckResult {
        let mismatch = remarks.contains { $0.verdict == .fail && $0.text.contains("differs") }
        let fix = mismatch
            ? "the target has another key: read it on the target with `bcdedit /dbgsettings` in an elevated prompt and give it to the debugger, or set yours there: \(hint.onTarget())"
            : "set a key on the target: \(hint.onTarget()) (`kdnetctl key generate` makes one)"
        return fold("target-key", remarks,
                    pass: given == nil ? "the target has a key (give --key to compare it with the debugger's)" : "the target's key matches the given key",
                    fix: fix)
    }

    /// One line from an aspect's remarks: the worst verdict, its reasons as the cause,
    /// the others as details.
    static func fold(_ name: String, _ remarks: [Remark], pass: String, fix: String) -> DoctorCheckResult {
        let worst = remarks.map(\.verdict).max() ?? .pass
        if worst == .pass {
            return DoctorCheckResult(name: name, verdict: .pass, cause: pass, details: remarks.map(\.text).filter { $0 != pass })
        }
        return DoctorCheckResult(name: name, verdict: worst,
                                 cause: remarks.filter { $0.verdict == worst }.map(\.text).joined(separator: "; "),
                                 fix: fix, details: remarks.filter { $0.verdict != worst }.map(\.text))
    }
}

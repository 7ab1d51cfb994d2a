import ArgumentParser
import KDNetKit

struct BcdeditCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "bcdedit",
        abstract: "Print the bcdedit commands (or a script) that set up one target, and the host's side.",
        discussion: """
            By default the key is generated here, so the host knows it before the target \
            reboots. --format cmd or ps1 prints a script to run elevated on the target: it \
            checks Secure Boot and BitLocker, stops at the first failing command, and reboots \
            only with --reboot.
            """
    )

    enum Format: String, ChoiceArgument { case text, cmd, ps1, json }

    @Option(help: "The host's IPv4 or IPv6 address, the one facing the target.") var hostIp: HostAddress?
    @Option(parsing: .unconditional, help: "UDP port, 49152-65535 (50000-50039 recommended).")
    var port: DebugPort = DebugPort.defaultPort
    @Option(parsing: .unconditional, help: "Use this key instead of generating one.") var key: DebugKey?
    @Flag(help: "Let bcdedit make the key (it then shows only on the target).") var newkey = false
    @Option(help: "The debug NIC's PCI location: decimal b.d.f, or lspci's 3b:00.0.") var busparams: String?
    @Flag(help: "Do not use DHCP on the target's debug NIC.") var nodhcp = false
    @Flag(help: "Also debug the boot manager and winload.") var bootDebug = false
    @Flag(help: "Also debug the hypervisor, on port+1.") var hypervisor = false
    @Flag(help: "Turn kernel debugging off.") var off = false
    @Option(help: "Remove an element from {dbgsettings} (hostip, hostipv6, port, key, busparams, dhcp, debugtype).")
    var delete: [String] = []
    @Option(help: "The target's address or name, for the debugger's target=.") var targetAddress: String?
    @Option(help: "The host's OS, for its firewall rule.") var hostOs: HostOS = .linux
    @Flag(help: "Make the scripts reboot the target at the end.") var reboot = false
    @Option(help: "What to print: the commands as text, a cmd or ps1 script, or json.") var format: Format = .text
    @OptionGroup var output: OutputOptions

    var writesJSON: Bool { output.json || format == .json }

    func validate() throws {
        if output.json, format != .text, format != .json {
            throw ValidationError("--json and --format \(format.rawValue) ask for different output; give one of them")
        }
        if key != nil, newkey { throw ValidationError("--key and --newkey both choose the key; give one of them") }
        if off, !delete.isEmpty { throw ValidationError("--off and --delete are different changes; run them one at a time") }
    }

    func execute() async throws {
        let setup = try ValidationError.fromFlags { try TargetSetup(try request()) }
        switch output.json ? .json : format {
        case .json: try Console.json(setup)
        case .cmd, .ps1:
            Console.out(TargetScript.render(setup, as: format == .cmd ? .cmd : .ps1), terminator: "", wrap: false)
            remarks(setup)
        case .text:
            // The indented lines are commands to copy: a break in one would run half of it.
            for line in Self.text(setup).split(separator: "\n", omittingEmptySubsequences: false) {
                Console.out(String(line), wrap: !line.hasPrefix("  ") || line.hasPrefix("  ("))
            }
            remarks(setup, notes: false)
        }
    }

    func request() throws -> TargetSetupRequest {
        let keyChoice: TargetSetupRequest.KeyChoice
        if let key {
            keyChoice = .given(key)
        } else {
            keyChoice = newkey ? .bcdeditNewKey : .generated(.generate())
        }
        var r = TargetSetupRequest(port: port, key: keyChoice)
        if off { r.action = .off }
        if !delete.isEmpty { r.action = .delete(try delete.map { try DbgSettingsElement(parsing: $0) }) }
        r.hostAddress = hostIp
        r.busParams = try busparams.map { try BusParams(parsing: $0) }
        r.noDHCP = nodhcp
        r.bootDebug = bootDebug
        r.hypervisor = hypervisor
        r.targetAddress = targetAddress
        r.hostOS = hostOs
        r.reboot = reboot
        return r
    }

    /// Warnings and notes go to stderr so a script on stdout can be redirected to a file.
    func remarks(_ setup: TargetSetup, notes: Bool = true) {
        for w in setup.warnings { Console.err(Console.paint("warning:", .yellow, stderr: true) + " " + w) }
        for n in setup.notes where notes { Console.err(Console.paint("note:", .cyan, stderr: true) + " " + n) }
    }

    static func text(_ s: TargetSetup) -> String {
        var lines = ["On the target, in an elevated Command Prompt:"]
        lines += s.steps.map { "  " + $0.cmdLine }
        if s.reboot { lines.append("  shutdown -r -t 0") }
        if let key = s.key {
            lines += ["", "Key: \(key)" + (s.keySource == .generated ? " (generated here)" : "")]
        } else if s.action == .enable {
            lines += ["", "Key: bcdedit prints it on the target (newkey); copy it to the host"]
        }
        if let host = s.host {
            lines += ["", "On the host, before the target reboots, one of:", "  " + host.windbg, "  " + host.kd, "  " + host.listen]
            if let hv = host.hypervisorWindbg { lines.append("  hypervisor: " + hv) }
            lines += ["", "Host firewall (\(host.firewallOs.rawValue)):"] + host.firewall.map { "  " + $0 }
            if let note = host.firewallNote { lines.append("  (\(note))") }
        }
        if !s.notes.isEmpty { lines += [""] + s.notes.map { "Note: " + $0 } }
        if !s.reboot { lines += ["", "Then reboot the target: shutdown -r -t 0"] }
        return lines.joined(separator: "\n")
    }
}

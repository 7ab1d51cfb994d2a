import ArgumentParser
import Foundation
import KDNetKit

struct FirewallCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "firewall",
        abstract: "Tell whether the host's firewall lets the target's UDP datagrams in, and how to open it.",
        discussion: """
            Linux: reads the nftables ruleset (iptables on Debian uses it too) and follows \
            an inbound UDP datagram to --port through every input-hook chain, jumps and \
            sets included. Answers accepted, dropped or rejected by a named rule, or \
            undetermined with the reason, and prints the `nft insert rule` that opens it. \
            Needs root to read the ruleset. Exits 1 when dropped or rejected.
            Windows (--host-os windows): prints the netsh and PowerShell lines and the \
            Control Panel steps for all three profiles.
            """
    )
    @Option(parsing: .unconditional, help: "The KDNET UDP port the debugger listens on (one outside 49152-65535 is taken with a warning).", transform: ArgumentValue.udpPort) var port: Int
    @Option(help: "The interface the target's datagrams arrive on.") var interface: InterfaceName?
    @Option(help: "The target's address, when rules test the source.") var source: IPAddress?
    @Option(help: "This host's address the target sends to, when rules test it.") var destination: IPAddress?
    @Option(name: .customLong("source-port"), parsing: .unconditional, help: "The target's UDP source port, when rules test it.",
            transform: ArgumentValue.udpPort) var sourcePort: Int?
    @Option(name: .customLong("host-os"), help: "The host's OS: linux or windows.") var hostOS: HostOS = .linux
    @Option(name: .customLong("ruleset"), help: "Evaluate this `nft -j list ruleset` JSON file instead of the live ruleset.")
    var rulesetFile: String?
    @OptionGroup var output: OutputOptions

    func execute() async throws {
        PortPolicyWarning.warn(port)
        if hostOS == .windows { return try windows() }
        if let interface, !interface.existsHere {
            Console.err("warning: this host has no interface \(interface) now; the verdict is for datagrams arriving on it")
        }
        let packet = InboundPacket(port: port, interface: interface, source: source, destination: destination, sourcePort: sourcePort)
        let ruleset: NftRuleset
        if let rulesetFile {
            let text = try TextInput.read(path: rulesetFile, expecting: "a file saved with `nft -j list ruleset`")
            ruleset = try NftRuleset(json: Data(text.utf8))
        } else {
            ruleset = try NftablesReader.liveRuleset()
        }
        let report = FirewallAnalyzer.verdict(ruleset: ruleset, packet: packet)
        if output.json { try Console.json(report) } else { render(report) }
        if report.verdict == .fail { throw ExitCode(1) }
    }

    private func render(_ r: FirewallReport) {
        for c in r.chains { Console.out("input chain: \(TerminalText.escaped(c))") }
        if let by = r.decidedBy, !by.byPolicy { Console.out("rule: \(TerminalText.escaped(by.text))") }
        Render.verdict(r.verdict, r.cause, nil)
        if !r.openCommands.isEmpty {
            Console.out("to open it:")
            for c in r.openCommands { Console.out("  " + TerminalText.escaped(c), wrap: false) }
        } else if let fix = r.fix {
            Console.out("fix: \(TerminalText.escaped(fix))")
        }
    }

    private func windows() throws {
        let advice = WindowsFirewallAdvice(port: port)
        if output.json { return try Console.json(advice) }
        for (i, s) in advice.steps.enumerated() { Console.out("\(i + 1). \(s)") }
        Console.out("\n  cmd:        \(advice.netsh)\n  PowerShell: \(advice.powershell)\n", wrap: false)
        for line in advice.controlPanel { Console.out(line) }
    }
}

import ArgumentParser
import Foundation
import KDNetKit

struct NicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nics",
        abstract: "Check the target's NICs against Microsoft's KDNET lists and pick one for busparams.",
        discussion: """
            Lists network controllers (and USB xHCI controllers, KDNET-USB candidates) of \
            this machine (boot the target from a Linux live USB), of an `lspci -x` dump made \
            on the target, or of ids copied from Device Manager / `pnputil /enum-devices`. \
            Each gets a verdict for the chosen Windows release; the best one gets the \
            bcdedit busparams line (decimal bus.device.function).

            Exits 1 when no NIC is supported.
            """
    )

    @Option(name: .customLong("pci-dump"), help: ArgumentHelp("Read devices from `lspci -x` output saved on the target.", valueName: "file"))
    var pciDump: String?

    @Option(help: ArgumentHelp("Device ids as Windows shows them (PCI\\VEN_8086&DEV_15B8&...) or vendor:device (8086:15b8); repeatable or comma-separated.", valueName: "ids"))
    var ids: [String] = []

    @Option(help: ArgumentHelp("The target's Windows: 8, 8.1, 10 1703 ... 10 22H2, 11 21H2 ... 11 24H2, or a build number (default: the newest).", valueName: "release"))
    var windows: String?

    @Option(name: .customLong("pci-ids"), help: ArgumentHelp("Name devices from this pci.ids (default: $KDNETCTL_PCI_IDS, then the system's).", valueName: "file"))
    var pciIDs: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        var failed = false
        try await Console.run(json: output.json) {
            let survey = try NICSurvey.survey(dump: pciDump, ids: ids, windows: windows,
                                              pciIDs: pciIDs ?? ProcessInfo.processInfo.environment["KDNETCTL_PCI_IDS"])
            if output.json { try Console.json(survey) } else { render(survey) }
            failed = !survey.anySupported
        }
        if failed { throw ExitCode(1) }
    }

    private func render(_ s: NICSurvey) {
        Console.out("Target: \(s.windows.release) (build \(s.windows.build)); devices from \(s.source)")
        if s.nics.isEmpty { Console.out("No network or xHCI controller found.") }
        for n in s.nics {
            Console.out("")
            var head = n.label
            if let b = n.busparams { head += "  busparams \(b)" }
            Console.out(Console.paint(head, .bold))
            var facts: [String] = [n.className ?? (n.kind == .unknown ? "class not given (ids only)" : n.kind.rawValue)]
            if let sub = n.subsystem { facts.append("subsystem \(sub)" + (n.subsystemName.map { " (\($0))" } ?? "")) }
            if let i = n.interface { facts.append("\(i), link \(n.link ?? "unknown")") }
            if n.docking { facts.append("in a dock / on Thunderbolt") }
            Console.out("  " + facts.joined(separator: "; "))
            let verdict = n.supported ? Console.paint("supported", .green) : Console.paint("not supported", .red)
            Console.out("  \(verdict): \(n.reason)")
            if let a = n.advice { Console.out("  what to do: \(a)") }
        }
        Console.out("")
        if s.recommended != nil {
            Console.out("Recommended: \(s.recommendation)")
            if let line = s.bcdedit { Console.out("  " + Console.paint(line, .cyan)) }
        } else {
            Console.out("No recommendation: \(s.recommendation)")
        }
    }
}

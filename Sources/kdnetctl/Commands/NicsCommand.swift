import ArgumentParser
import Foundation
import KDNetKit

struct NicsCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "nics",
        abstract: "Check the target's NICs against Microsoft's KDNET lists and pick one for busparams.",
        discussion: """
            Lists network controllers (and USB xHCI controllers, KDNET-USB candidates) of \
            this machine (boot the target from a Linux live USB), of an `lspci -x` dump made \
            on the target, or of ids copied from Device Manager / `pnputil /enum-devices`. \
            Each gets a verdict for the chosen Windows release; the best one gets the \
            bcdedit busparams line (decimal bus.device.function).

            A verdict rests on Microsoft's published list (its XML list's first build \
            wins over the release pages), or on a KDNET module Windows ships for the \
            NIC's vendor (kd_02_<vendor>.dll) together with a public report of what it \
            drives, such as modern virtio-net from Windows 11 22H2; it is "not known" \
            when neither decides. A transitional virtio-net (1af4:1000) is told from a \
            legacy-only one by its capability list: give `lspci -xxx` output.

            Exits 1 when no NIC is supported.
            """
    )

    @OptionGroup var source: NICSourceOptions
    @OptionGroup var output: OutputOptions

    func execute() async throws {
        let survey = try ValidationError.fromFlags(refusing: [HardwareUsageError.self]) {
            try NICSurvey.survey(dump: source.pciDump, ids: source.ids, windows: source.windows, pciIDs: source.pciIDsFile)
        }
        if output.json { try Console.json(survey) } else { render(survey) }
        if !survey.anySupported { throw ExitCode(1) }
    }

    private func render(_ s: NICSurvey) {
        Console.out("Target: \(s.windows.release) (build \(s.windows.build)); devices from \(TerminalText.escaped(s.source))")
        if s.nics.isEmpty { Console.out("No network or xHCI controller found.") }
        for n in s.nics {
            Console.out("")
            var head = n.label
            if let b = n.busparams { head += "  busparams \(b)" }
            Console.out(Console.paint(TerminalText.escaped(head), .bold))
            var facts: [String] = [n.className ?? (n.kind == .unknown ? "class not given (ids only)" : n.kind.rawValue)]
            if let sub = n.subsystem { facts.append("subsystem \(sub)" + (n.subsystemName.map { " (\($0))" } ?? "")) }
            if let i = n.interface { facts.append("\(i), link \(n.link ?? "unknown")") }
            if n.docking { facts.append("in a dock / on Thunderbolt") }
            if let v = n.virtio { facts.append(v.description) }
            Console.out("  " + TerminalText.escaped(facts.joined(separator: "; ")))
            let verdict = Console.paint(n.verdictWord, n.supported == true ? .green : n.supported == false ? .red : .yellow)
            Console.out("  \(verdict): \(TerminalText.escaped(n.reason))")
            Console.out("  " + NICVerdict.basisLine(basis: n.basis, reportedBy: n.reportedBy))
            if let a = n.advice { Console.out("  what to do: \(TerminalText.escaped(a))") }
        }
        Console.out("")
        if s.recommended != nil {
            Console.out("Recommended: \(TerminalText.escaped(s.recommendation))")
            if let line = s.bcdedit { Console.out("  " + Console.paint(line, .cyan)) }
        } else {
            Console.out("No recommendation: \(TerminalText.escaped(s.recommendation))")
        }
    }
}

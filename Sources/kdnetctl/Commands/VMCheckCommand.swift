import ArgumentParser
import Foundation
import KDNetKit

struct VMCheckCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a VM for every KDNET trap, each with its cause and fix.",
        discussion: """
            Checks, with stable ids: nic-model (each NIC's PCI ids against the target's \
            Windows, judged as `kdnetctl nics` judges them, and the NIC to use with its \
            busparams), hyperv-vendor-id, hv-syndbg (QEMU's Hyper-V synthetic debugger: \
            its vmbus-bridge, host_ip among this host's IPv4 addresses, host_port by the KDNET \
            port policy, and the host's input chain for it; it needs the vendor id 'Microsoft \
            Hv'), secure-boot, host-reachable (the hostip, by the \
            NIC's network mode), dhcp, firewall (the host's nftables verdict for the VM's \
            datagrams on that bridge) and power-cycle. A check that rests on a public \
            report names it.
            The Windows comes from --windows, else the VM's OS hint (libosinfo id or \
            Proxmox ostype), else the newest.
            Exits 1 when a check fails or a --proxmox-config file is refused (named, with the \
            iconv line when it is not UTF-8), 64 for an unknown VM (the message lists the known ones).
            """
    )
    @Argument(help: "The VM: a libvirt domain name, a Proxmox VMID or name, or a QEMU -name (optional with --qemu-pid).")
    var vm: String?
    @OptionGroup var vmSources: VMSourceOptions
    @Option(help: ArgumentHelp("The target's Windows (default: the VM's OS hint, else the newest).", valueName: "release"))
    var windows: String?
    @Option(parsing: .unconditional, help: "The KDNET port the host listens on, for the firewall check (one outside 49152-65535 is taken with a warning).", transform: ArgumentValue.udpPort)
    var port: Int = VMCheck.defaultPort
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let windows {
            do { _ = try WindowsTarget(parsing: windows) } catch { throw ValidationError("--windows: " + Console.describe(error)) }
        }
    }

    func execute() async throws {
        PortPolicyWarning.warn(port)
        let catalog = VMCatalog.load(vmSources.sources)
        let machine = try vmSources.resolve(vm, in: catalog)
        let report = try VMCheck.live(machine, in: catalog, windows: windows, port: port)
        if output.json { try Console.json(report) } else { Self.render(report) }
        if report.failed { throw ExitCode(1) }
    }

    static func render(_ r: VMCheckReport) {
        Console.out(Console.paint(TerminalText.escaped(r.vm.name), .bold) + TerminalText.escaped(" (\(r.vm.source.rawValue), \(r.vm.state.rawValue), machine \(r.vm.machine ?? "?")); judged for \(r.windows.release) (build \(r.windows.build), from \(r.windows.from.replacingOccurrences(of: "_", with: " ")))"))
        for n in r.nics {
            let word = NICVerdict.word(for: n.supported)
            let ids = [n.vendorId, n.deviceId].compactMap { $0 }.joined(separator: ":")
            Console.out(TerminalText.escaped("  NIC \(n.mac ?? "?") \(n.model ?? "?")\(ids.isEmpty ? "" : " [\(ids)]")\(n.pciAddress.map { " at \($0)" } ?? ""), \(n.mode.rawValue) \(n.network ?? n.bridge ?? ""): \(word)" + (n.mac != nil && n.mac == r.recommendedNic ? " (the one to use)" : "")))
        }
        if let h = r.hostIp { Console.out(TerminalText.escaped("  hostip: \(h.address)\(h.interface.map { " on \($0)" } ?? "") — \(h.why)")) }
        if let b = r.bcdedit { Console.out("  " + Console.paint(b, .cyan)) }
        Console.out("")
        let width = r.checks.map(\.id.count).max() ?? 0
        let indent = String(repeating: " ", count: width + 8)
        for c in r.checks {
            let style: Console.Style = c.verdict == .pass ? .green : c.verdict == .warn ? .yellow : .red
            Console.out("\(Console.paint(c.verdict.rawValue, style))  \(c.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(TerminalText.escaped(c.cause))")
            if let fix = c.fix { Console.out("\(indent)fix: \(TerminalText.escaped(fix))") }
            if let source = c.source { Console.out("\(indent)reported by: \(source)") }
            for d in c.details { Console.out("\(indent)  \(TerminalText.escaped(d))") }
        }
    }
}

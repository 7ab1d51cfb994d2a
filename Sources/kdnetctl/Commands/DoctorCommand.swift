import ArgumentParser
import Foundation
import KDNetKit

struct DoctorCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Run every check that applies and print pass / warn / fail, each with its cause and fix.",
        discussion: """
            Checks what it is given: the port's range and policy (--port), the key \
            (--key), that --host-ip is this host's and not link-local, that no program \
            holds the port, the firewall (nftables verdict with the rule to open it; \
            --host-os windows prints the Windows firewall steps instead), the route to \
            --target and whether it answers ping, and whether the target's \
            `bcdedit /dbgsettings` output (--dbgsettings FILE, - for standard input) \
            matches this host's port, address and key, a VM's own checks (--vm NAME, \
            as `kdnetctl vm check`), and whether the target's NICs \
            (--pci-dump FILE or --ids, for --windows) include one KDNET drives, judged \
            as `kdnetctl nics` judges them; with both --dbgsettings and --pci-dump, that \
            busparams name a network controller in the dump (kdnet.exe has been seen to \
            choose a USB 3 xHCI controller).
            With --listen SECONDS it also listens on the port without answering and \
            tells what arrives: nothing, other traffic, KDNET with another key, KDNET \
            from an unexpected address, or KDNET that authenticates. Silence shorter than \
            60 s may be a target still asking DHCP for its address (unless the pasted \
            settings say dhcp No): the listen line says so, with nodhcp.
            Without --port, --host-ip or a key it checks the setup the last `kdnetctl wizard` \
            or `plan` remembered, and with no flags at all and nothing remembered, the \
            recommended defaults (the first free port in 50000-50039 and the address \
            `kdnetctl host` recommends); its first line says which.
            Exits 1 when any check fails, 0 otherwise.
            """
    )
    @Option(parsing: .unconditional, help: "The KDNET UDP port the debugger listens on (one outside 49152-65535 is a warning here, not a refusal).", transform: ArgumentValue.udpPort) var port: Int?
    @OptionGroup var keySource: KeySourceOptions
    @Option(name: .customLong("host-ip"), help: "The address the target sends to (bcdedit's hostip).") var hostIP: HostAddress?
    @Option(help: "The target's address.") var target: IPAddress?
    @Option(help: "A file holding the target's `bcdedit /dbgsettings` output, or - for standard input.") var dbgsettings: String?
    @Option(name: .customLong("host-os"), help: "The OS the debugger runs on: linux or windows.")
    var hostOS: HostOS = .linux
    @Option(parsing: .unconditional, help: "Also listen this many seconds on --port and judge what arrives (needs the key).", transform: ArgumentValue.anySeconds) var listen: Double?
    @OptionGroup(title: "The target's NICs") var nics: NICSourceOptions
    @Option(help: ArgumentHelp("A VM on this host to check as `kdnetctl vm check` does (its checks appear as vm-*).", valueName: "name"))
    var vm: String?
    @OptionGroup(title: "Where VMs are found") var vmSources: VMSourceOptions
    @OptionGroup var output: OutputOptions

    func execute() async throws {
        let (basis, settings) = try resolveSettings()
        let port = settings.port
        var vmReport: VMCheckReport?
        if let vm {
            let catalog = VMCatalog.load(vmSources.sources)
            let machine = try vmSources.resolve(vm, in: catalog)
            vmReport = try ValidationError.fromFlags(refusing: [HardwareUsageError.self]) {
                try VMCheck.live(machine, in: catalog, windows: nics.windows, port: port ?? VMCheck.defaultPort)
            }
        }
        let pasted = try dbgsettings.map(DbgsettingsCommand.Lint.readSettings)
        let request = try ValidationError.fromFlags(refusing: [DoctorRequestError.self, HardwareUsageError.self]) {
            try DoctorRequest.parsing(port: port, key: settings.key, hostIP: settings.hostIP, target: target, dbgSettings: pasted, hostOS: hostOS,
                                      listenSeconds: listen, pciDump: nics.pciDump, ids: nics.ids, windows: nics.windows,
                                      pciIDs: nics.pciIDsFile, vm: vmReport)
        }
        // Said once the request is whole, so that a refusal stays one line.
        if let basis, !output.json { Console.err(basis.description) }
        let status = StatusLine(json: output.json)
        var report = Doctor.run(request) { event in
            switch event {
            case .checking(let activity): status.update("doctor: \(activity)…")
            case .pinged(let sent, let answered, let of): status.update("doctor: ping \(sent)/\(of), \(answered) answered…")
            case .listening(let left, let seen):
                let seconds = listen ?? left
                status.waiting(WaitProgress(elapsed: seconds - left, limit: seconds),
                               "listening on UDP port \(port ?? 0), \(seen.total) datagram\(seen.total == 1 ? "" : "s"), \(seen.authenticated) authenticated, \(seen.wrongKey) with another key, \(seen.unsupportedVersion) of an unknown version, \(seen.notKdnet) not KDNET")
            }
        }
        status.finish()
        report.basis = basis
        if output.json { try Console.json(report) } else { render(report) }
        if report.failed { throw ExitCode(1) }
    }

    /// The flags' port, key and host address; when they name none, the remembered setup's;
    /// when nothing at all is asked, the recommended defaults (never "nothing to check").
    private func resolveSettings() throws -> (DoctorBasis?, DoctorBasis.Settings) {
        let given = DoctorBasis.Settings(port: port, key: try keySource.resolve(), hostIP: hostIP)
        guard given.port == nil, given.key == nil, given.hostIP == nil else { return (nil, given) }
        if let setup = try SetupMemory().recall() {
            let (basis, settings) = try DoctorBasis.remembered(setup)
            return (basis, settings)
        }
        let askedNothing = target == nil && dbgsettings == nil && listen == nil && vm == nil
            && nics.pciDump == nil && nics.ids.isEmpty && nics.windows == nil
        guard askedNothing else { return (nil, given) }
        let (basis, settings) = DoctorBasis.liveDefaults()
        return (basis, settings)
    }

    private func render(_ report: DoctorReport) {
        let width = report.checks.map(\.name.count).max() ?? 0
        let indent = String(repeating: " ", count: width + 7)
        for c in report.checks {
            let style: Console.Style = c.verdict == .pass ? .green : c.verdict == .warn ? .yellow : .red
            let label = Console.paint(c.verdict.rawValue, style)
            // A long cause continues in its own column, under itself.
            Console.out("\(label)  \(c.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(TerminalText.escaped(c.cause))",
                        hangingIndent: c.verdict.rawValue.count + width + 4)
            if let fix = c.fix { Console.out("\(indent)fix: \(TerminalText.escaped(fix))") }
            for d in c.details ?? [] { Console.out("\(indent)  \(TerminalText.escaped(d))") }
        }
        let s = report.summary
        Console.out("\n\(s.pass) pass, \(s.warn) warn, \(s.fail) fail")
    }
}

import ArgumentParser
import Foundation
import KDNetKit

struct WizardCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "wizard",
        abstract: "Set up KDNET step by step: host address, port, the target's NIC, key, scripts, checks, and the first connection.",
        discussion: """
            Follows Microsoft's manual procedure one step at a time, doing each step and \
            saying what it did. On a terminal, pick with the arrow keys and Enter (Ctrl-C \
            leaves with nothing written); from a pipe, answer line by line; with \
            --non-interactive every answer comes from flags, --answers FILE, or the defaults.

            --answers FILE (YAML or JSON) maps questions to answers, all checked before anything \
            is written. Keys: target, vm, vm-fix, debugger, family, host-ip, port, windows, \
            nic-source, pci-dump, ids, nic, busparams and key take what the flag of the same name \
            takes (a flag wins over the file); proceed-precautions and proceed-checks take continue \
            or quit; connect takes wait or skip (skip is --no-connect; the --connect flag is \
            libvirt's URI, not this); on-failure takes stop or wait; lab-service takes skip or the \
            path of a lab service's listener.json to add the target to (asked when \
            /etc/kdnetctl/listener.json exists). The other flags (--out, --non-interactive, \
            --timeout, --plan, --simulated-target, --simulated-key, --target-side, \
            --include-virtual, --pci-ids, --connect, --json) set how the wizard runs and have no \
            key.

            The target's scripts and a notes file go to --out (mode 0600: they hold the key); an \
            existing --out others can read is made 0700 when it holds nothing else, and a \
            warning names it otherwise. \
            The setup is remembered (its folder, port and host address, never the key) in \
            $XDG_STATE_HOME/kdnetctl (default ~/.local/state/kdnetctl), so that `kdnetctl listen`, \
            `kdnetctl doctor` and `kdnetctl inspect --live` use it without flags; --no-remember \
            skips this. \
            --vm NAME makes the target a VM on this host: its `kdnetctl vm check` runs, \
            `vm fix` is offered (--vm-fix apply), and the hostip and busparams come from \
            the VM's network and NIC.
            --simulated-target runs the built-in simulated Windows target, so the whole flow, \
            connection included, completes on any machine. --target-side runs on a target \
            booted from a Linux live USB: it picks the NIC here and probes the host.

            Exits 1 when the target did not connect, or for a bad --answers file or a bad \
            value in it (named by its key and line: a value read from a file is a runtime \
            failure); 64 for a bad flag.
            """
    )

    @Option(help: ArgumentHelp("Folder for the scripts and notes (made 0700).", valueName: "dir")) var out = "./kdnet-setup"
    @Option(help: ArgumentHelp("Answers as YAML or JSON: question name to answer (the keys are listed above).", valueName: "file")) var answers: String?
    @Flag(help: "Never prompt: take flags, --answers, then defaults.") var nonInteractive = false
    @Flag(help: "Connect to the built-in simulated Windows target on this machine.") var simulatedTarget = false
    @Option(parsing: .unconditional, help: ArgumentHelp("The simulated target uses this key instead (to see the wrong-key diagnosis).", valueName: "key"))
    var simulatedKey: DebugKey?
    @Flag(help: "Run on the target (booted from a Linux live USB): NIC from this machine, then probe the host.") var targetSide = false

    @Option(help: "Where the target is: physical, vm-here (a VM on this host) or vm-elsewhere.") var target: String?
    @Option(help: ArgumentHelp("The VM on this host that is the target (libvirt domain, Proxmox VMID or QEMU -name).", valueName: "name")) var vm: String?
    @Option(name: .customLong("vm-fix"), help: "For --vm: apply the fixes `kdnetctl vm fix` proposes (apply) or not (skip, the default).") var vmFix: String?
    @Option(name: .customLong("connect"), help: ArgumentHelp("The libvirt connection for --vm (default: $LIBVIRT_DEFAULT_URI, then qemu:///system).", valueName: "uri")) var connect: String?
    @Option(help: "Where the debugger runs: kdnetctl (here) or windbg (a Windows host).") var debugger: String?
    @Option(help: "ipv4 or ipv6.") var family: String?
    @Option(help: "The host's address the target sends to.") var hostIp: String?
    @Option(parsing: .unconditional, help: "UDP port (default: the first free one in 50000-50039).") var port: DebugPort?
    @Option(help: "The target's Windows: 10 22H2, 11 24H2, a build number...") var windows: String?
    @Option(help: "How to find the NIC: dump, ids, busparams, hyperv or skip; with --target-side also this-machine (its default).") var nicSource: String?
    @Option(help: ArgumentHelp("`lspci -x` or `kdnetctl nics --json` output saved on the target.", valueName: "file")) var pciDump: String?
    @Option(help: "Device ids as Windows shows them, comma-separated.") var ids: String?
    @Option(help: "Which NIC (its PCI address) when several are supported.") var nic: String?
    @Option(help: "The NIC's location: decimal b.d.f or lspci's 3b:00.0.") var busparams: String?
    @Option(parsing: .unconditional, help: "Use this key instead of generating one.") var key: DebugKey?
    @Flag(help: "Write the set-up but do not wait for the target.") var noConnect = false
    @Flag(help: "Do not remember this setup for `listen`, `doctor` and `inspect --live` (kept in $XDG_STATE_HOME/kdnetctl).") var noRemember = false
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds to wait for the target, 1-3600.", valueName: "seconds"),
            transform: ArgumentValue.seconds(1...3600)) var timeout: Double?
    @Option(help: ArgumentHelp("A `kdnetctl plan` folder whose ports are taken.", valueName: "dir")) var plan: String?
    @Flag(name: .customLong("include-virtual"), help: "Offer container and VM bridges' addresses too (for a VM target).") var includeVirtual = false
    @Option(name: .customLong("pci-ids"), help: ArgumentHelp("Name devices from this pci.ids.", valueName: "file")) var pciIDs: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        // An empty path would be the current folder: key files where nobody meant them.
        guard !out.isEmpty else {
            throw ValidationError("--out is empty; give the folder for the scripts and notes, e.g. --out ./kdnet-setup")
        }
        if simulatedTarget && targetSide {
            throw ValidationError("--simulated-target and --target-side are different runs; give one of them")
        }
        if simulatedKey != nil && !simulatedTarget {
            throw ValidationError("--simulated-key only applies with --simulated-target; add it or drop --simulated-key")
        }
    }

    /// The wizard's answers, from flags, --answers or the prompts, are checked before
    /// anything is written. A bad flag is a usage error (64); a bad --answers file, or a
    /// bad value in it, is a runtime failure (1) named by its key and line, as any value
    /// read from a file is.
    static let answerProblems: [any Error.Type] = [PresetAnswerError.self, MissingAnswerError.self, WizardFileError.self]

    /// Runs `body` under that rule.
    static func checkingAnswers<T>(_ body: () throws -> T) throws -> T {
        try ValidationError.fromFlags(refusing: answerProblems) {
            do { return try body() } catch let error as PresetAnswerError where error.fromFile { throw AnswersFileError(error) }
        }
    }

    func execute() async throws {
        let options = try flowOptions()
        let screen = WizardScreen(toStderr: output.json)
        let io: WizardIO
        if nonInteractive {
            io = PresetAnswerer(screen: screen)
        } else if isatty(STDIN_FILENO) == 1 && isatty(output.json ? STDERR_FILENO : STDOUT_FILENO) == 1 {
            io = TerminalPrompter(screen: screen)
        } else {
            io = LinePrompter(screen: screen)
        }
        let stop = WakePipe()
        let signals = WaitSignals(stop: stop)
        let services = LiveWizardServices(pciIDs: pciIDs ?? ProcessInfo.processInfo.environment["KDNETCTL_PCI_IDS"],
                                          stop: stop, onWaiting: { signals.route($0) }, vmConnect: connect)
        let record: WizardRecord
        do {
            record = try Self.checkingAnswers {
                try WizardFlow(io: io, services: services, options: options).run()
            }
        } catch is WaitInterrupted {
            io.status(nil)
            Console.err("\nstopped while waiting for the target; the set-up in \(TerminalText.escaped(out)) is complete: listen later with kdnetctl listen --config \(ShellWord.quoted((out as NSString).appendingPathComponent(FleetPlan.listenerFile)))")
            throw ExitCode(130)
        }
        if output.json { try Console.json(record) }
        if record.outcome == .notConnected { throw ExitCode(1) }
    }

    func flowOptions() throws -> WizardFlow.Options {
        var presets = try answers.map(WizardAnswers.load) ?? WizardAnswers()
        let flags: [String: String?] = [
            "target": target, "vm": vm, "vm-fix": vmFix, "debugger": debugger, "family": family, "host-ip": hostIp, "port": port?.description, "windows": windows,
            "nic-source": nicSource, "pci-dump": pciDump, "ids": ids, "nic": nic, "busparams": busparams, "key": key?.text,
        ]
        for case let (id, value?) in flags { presets.set(id, value) }
        if noConnect { presets.set("connect", "skip") }
        if presets.values["vm"] != nil, presets.values["target"] == nil { presets.set("target", "vm-here") }
        var simulated: SimulatedTarget?
        if simulatedTarget {
            simulated = SimulatedTarget(key: simulatedKey)
        }
        return WizardFlow.Options(
            outDir: URL(fileURLWithPath: out), planDir: plan.map { URL(fileURLWithPath: $0) }, presets: presets.values, presetOrigins: presets.origins,
            simulatedTarget: simulated,
            targetSide: targetSide, includeVirtual: includeVirtual,
            connectTimeout: timeout ?? (simulatedTarget ? 20 : 120),
            memory: noRemember ? nil : SetupMemory(),
            labServiceConfig: FileManager.default.fileExists(atPath: WizardFlow.labServiceConfig) ? WizardFlow.labServiceConfig : nil)
    }
}

/// A bad value from the --answers file, kept apart from a flag's so that it is not made
/// a usage error; its message is the refusal's own.
struct AnswersFileError: Error, LocalizedError {
    let refusal: PresetAnswerError
    init(_ refusal: PresetAnswerError) { self.refusal = refusal }
    var errorDescription: String? { refusal.errorDescription }
}

/// Ctrl-C and SIGTERM stop the wait for the target (and only that): outside it the
/// default action applies, and the raw-mode prompt reads Ctrl-C as a key.
final class WaitSignals: @unchecked Sendable {
    private let stop: WakePipe
    private let lock = NSLock()
    private var signals: SignalRoute?

    init(stop: WakePipe) { self.stop = stop }

    func route(_ waiting: Bool) {
        lock.lock(); defer { lock.unlock() }
        signals?.cancel()
        signals = nil
        if waiting {
            let stop = self.stop
            signals = SignalRoute { stop.wake() }
        }
    }
}

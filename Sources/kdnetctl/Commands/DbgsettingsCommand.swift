import ArgumentParser
import Foundation
import KDNetKit

struct DbgsettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dbgsettings",
        abstract: "Read what the target's `bcdedit /dbgsettings` says.",
        subcommands: [Lint.self]
    )

    struct Lint: KdnetctlCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Report every problem in pasted `bcdedit /dbgsettings` output.",
            discussion: """
                Reads FILE, or standard input when FILE is - or absent. Exits 1 when a problem of severity error is found.

                hostip 169.254.255.255 is flagged as kdnet.exe having picked the wrong device (a USB 3 xHCI \
                controller; MicrosoftDocs/windows-driver-docs#2303). With --pci-dump (`lspci -xxx` saved on \
                the target), busparams must name a network controller (PCI class 02) there; otherwise the \
                lint says which device they name, or that none is at that address.
                """
        )

        @Argument(help: "The pasted output, or - for standard input.") var file: String = "-"
        @Option(parsing: .unconditional, help: "The key the host uses; says whether the target's matches.") var key: DebugKey?
        @Flag(help: "The target is a virtual machine (no busparams needed).") var virtualMachine = false
        @Flag(help: "Do not check that hostip is one of this host's addresses (when linting for another host).")
        var skipHostCheck = false
        @Option(name: .customLong("pci-dump"), help: ArgumentHelp("`lspci -xxx` (or `lspci -x`) output saved on the target: busparams must name a network controller in it.", valueName: "file"))
        var pciDump: String?
        @Option(name: .customLong("pci-ids"), help: ArgumentHelp("A pci.ids file to name the dump's devices (default: $KDNETCTL_PCI_IDS, else the system's).", valueName: "file"))
        var pciIDs: String?
        @OptionGroup var output: OutputOptions

        func execute() async throws {
            var options = DbgSettingsLint.Options(virtualMachine: virtualMachine)
            if let pciDump {
                options.pciDump = try ValidationError.fromFlags(refusing: [HardwareUsageError.self]) {
                    try PCIDumpContents.read(pciDump, pciIDs: NICSourceOptions.pciIDsFile(pciIDs))
                }
            }
            if !skipHostCheck { options.hostLookup = try HostNetwork.snapshot() }
            options.expectedKey = key
            let report = DbgSettingsLint(DbgSettings(parsing: try Self.readSettings(file)), options: options)
            if output.json {
                try Console.json(report)
            } else {
                Console.out(Self.text(report))
            }
            if !report.ok { throw ExitCode(1) }
        }

        /// The one reader for pasted `bcdedit /dbgsettings` output (`doctor --dbgsettings` uses it
        /// too): a file, a pipe, or standard input for -, in UTF-8 or BOM-marked UTF-16. A
        /// paste that shows the key holds a secret, so its file follows the key-file rule.
        static func readSettings(_ file: String) throws -> String {
            let expecting = "the output of `bcdedit /dbgsettings`, in a file or piped in with -"
            guard file == "-" else {
                let (text, access) = try TextInput.readWithAccess(path: file, expecting: expecting)
                if DbgSettings(parsing: text).key != nil, let access,
                   let problem = SecretFile.problem(access, path: file, holding: "the target's key") { throw problem }
                return text
            }
            if isatty(STDIN_FILENO) == 1 {
                Console.err("Paste the output of `bcdedit /dbgsettings` from the target, then press Ctrl-D.")
            }
            return try TextInput.readStandardInput(expecting: expecting)
        }

        static func text(_ report: DbgSettingsLint) -> String {
            var lines: [String] = []
            for f in report.findings.sorted(by: { $0.severity > $1.severity }) {
                let label: String
                switch f.severity {
                case .error: label = Console.paint("error:", .red)
                case .warning: label = Console.paint("warning:", .yellow)
                case .info: label = Console.paint("info:", .cyan)
                }
                lines.append("\(label) \(TerminalText.escaped(f.message))")
            }
            let errors = report.findings.filter { $0.severity == .error }.count
            let warnings = report.findings.filter { $0.severity == .warning }.count
            lines.append(errors + warnings == 0 ? Console.paint("the debug settings look right", .green)
                                                : "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
            return lines.joined(separator: "\n")
        }
    }
}

import ArgumentParser
import Foundation

/// Where the target's NICs come from and which Windows judges them; `nics` and `doctor`
/// take the same flags so that both judge the same way.
struct NICSourceOptions: ParsableArguments {
    @Option(name: .customLong("pci-dump"), help: ArgumentHelp("Read devices from `lspci -xxx` (or `lspci -x`) output saved on the target.", valueName: "file"))
    var pciDump: String?

    @Option(help: ArgumentHelp("Device ids as Windows shows them (PCI\\VEN_8086&DEV_15B8&...) or vendor:device (8086:15b8); repeatable or comma-separated.", valueName: "ids"))
    var ids: [String] = []

    @Option(help: ArgumentHelp("The target's Windows: 8, 8.1, 10 1703 ... 10 22H2, 11 21H2 ... 11 24H2, or a build number (default: the newest).", valueName: "release"))
    var windows: String?

    @Option(name: .customLong("pci-ids"), help: ArgumentHelp("Name devices from this pci.ids (default: $KDNETCTL_PCI_IDS, then the system's).", valueName: "file"))
    var pciIDs: String?

    /// The pci.ids to name devices from: the flag, else the environment's.
    var pciIDsFile: String? { Self.pciIDsFile(pciIDs) }

    /// Every --pci-ids flag falls back on the same variable.
    static func pciIDsFile(_ flag: String?) -> String? { flag ?? ProcessInfo.processInfo.environment["KDNETCTL_PCI_IDS"] }
}

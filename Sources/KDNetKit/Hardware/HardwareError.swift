import Foundation

/// Bad flag values for `nics` (exit 64).
public enum HardwareUsageError: Error, Equatable, LocalizedError {
    case unknownWindows(String)
    case buildTooOld(Int)
    case badDeviceID(String)
    case noDeviceIDs
    case pciIDsMissing(String)
    case twoSources

    public var errorDescription: String? {
        switch self {
        case .unknownWindows(let t):
            return "unknown Windows release '\(t)'; give one of \(WindowsRelease.all.map(\.version).joined(separator: ", ")) or a build number such as 22631"
        case .buildTooOld(let b):
            return "build \(b) is older than Windows 8 (9200), the oldest target KDNET supports; give a build of 9200 or later"
        case .badDeviceID(let t):
            return "cannot read device id '\(t)'; give it as Windows shows it (PCI\\VEN_8086&DEV_15B8&...) or as vendor:device (8086:15b8)"
        case .noDeviceIDs:
            return "--ids needs at least one id, e.g. --ids 8086:15b8"
        case .pciIDsMissing(let p):
            return "pci.ids file '\(p)' does not exist; give an existing file to --pci-ids or leave it out to use the system's"
        case .twoSources:
            return "--pci-dump and --ids both name the devices to check; give only one of them"
        }
    }
}

/// What can go wrong finding the target's NICs (exit 1).
public enum HardwareError: Error, Equatable, LocalizedError {
    case dumpMissing(String)
    case dumpUnreadable(String, String)
    case dumpEmpty(String)
    case dumpTooManyDevices(String, Int)
    case impossibleAddress(String, String)
    case libpci(String)
    case pciIDsUnreadable(String, String)

    public var errorDescription: String? {
        switch self {
        case .dumpMissing(let p):
            return "PCI dump '\(p)' does not exist; make one with `lspci -x > FILE` on the target (a Linux live USB will do)"
        case .dumpUnreadable(let p, let why):
            return "PCI dump '\(p)' is not readable `lspci -x` output (libpci: \(why)); make it again with `lspci -x > FILE`"
        case .dumpTooManyDevices(let p, let limit):
            return "PCI dump '\(p)' names more than \(limit) devices, more than any machine has, so it is not `lspci -x` output; make it again with `lspci -x > FILE`"
        case .dumpEmpty(let p):
            return "PCI dump '\(p)' holds no PCI devices; make it with `lspci -x > FILE` (not lspci without -x)"
        case .impossibleAddress(let p, let address):
            return "PCI dump '\(p)' names a device at \(address), which cannot exist (device 00-1f, function 0-7); make the dump again with `lspci -xxx > FILE` on the target"
        case .libpci(let why):
            return "cannot list this machine's PCI devices (libpci: \(why)); run as root, or use --pci-dump FILE made with `lspci -x`"
        case .pciIDsUnreadable(let p, let why):
            let line = why.replacingOccurrences(of: " at \(p)", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
            return "'\(p)' is not a pci.ids file (libpci: \(line)); give a copy of /usr/share/misc/pci.ids to --pci-ids, or leave it out to use the system's"
        }
    }
}

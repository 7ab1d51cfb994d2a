import Foundation

/// What sysfs says about a PCI function: the network interface bound to it and its link.
struct SysfsPCI {
    let root: String

    func annotate(_ f: inout PCIFunction, at address: PCIAddress) {
        let dir = root + "/bus/pci/devices/" + address.sysfsName
        if let name = interfaceName(under: dir) {
            f.interface = name
            f.link = operstate(of: name)
        }
        if let r = try? String(contentsOfFile: dir + "/removable", encoding: .utf8) {
            f.removable = r.trimmingCharacters(in: .whitespacesAndNewlines) == "removable"
        }
    }

    /// Drivers such as virtio_net hang the interface one level down (virtio2/net/eth0).
    private func interfaceName(under dir: String) -> String? {
        let fm = FileManager.default
        if let names = try? fm.contentsOfDirectory(atPath: dir + "/net"), let first = names.sorted().first {
            return first
        }
        for child in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
            if let names = try? fm.contentsOfDirectory(atPath: dir + "/" + child + "/net"), let first = names.sorted().first {
                return first
            }
        }
        return nil
    }

    private func operstate(of interface: String) -> String? {
        (try? String(contentsOfFile: root + "/class/net/" + interface + "/operstate", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

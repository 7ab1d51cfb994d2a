/// Whether KDNET on the chosen Windows can drive a NIC, why, and what to do otherwise.
public struct NICVerdict: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable {
        case ethernet, wireless, network, usbController = "usb-xhci", usbAttached = "usb-attached", unknown
    }

    public let kind: Kind
    public let supported: Bool
    /// The first build whose list names it: when it became supported, or the build to
    /// update to when the chosen release is too old.
    public let minBuild: Int?
    public let reason: String
    public let advice: String?

    static let virtioVendor: UInt16 = 0x1af4
    static let microsoftVendor: UInt16 = 0x1414
    static let vmxnet3 = PCIIdentity(vendorID: 0x15ad, deviceID: 0x07b0)
    /// Hyper-V's "legacy network adapter" emulates a DEC 21140.
    static let hyperVLegacy = PCIIdentity(vendorID: 0x1011, deviceID: 0x0009)

    static let vmAdvice = "switch the VM's NIC to an emulated Intel e1000 (QEMU/libvirt: model e1000), or on VMware with a Windows 11 23H2 or later target use vmxnet3"
    static let hyperVAdvice = "Hyper-V guests debug over the synthetic (VMBus) NIC: run `bcdedit /dbgsettings net hostip:... port:...` without busparams in a generation 2 VM"

    public static func judge(_ f: PCIFunction, on target: WindowsTarget, table: NICSupportTable) -> NICVerdict {
        let kind = classify(f)
        let id = f.identity
        switch kind {
        case .usbAttached:
            return .init(kind: kind, supported: false, minBuild: nil,
                         reason: "a USB-attached network adapter: KDNET never drives NICs on USB (dongles, docks)",
                         advice: "use a PCI/PCIe Ethernet NIC from Microsoft's list, or debug over USB through an xHCI controller (KDNET-USB)")
        case .usbController:
            return .init(kind: kind, supported: false, minBuild: nil,
                         reason: "a USB xHCI controller: a KDNET-USB candidate, not a network adapter",
                         advice: "for network debugging pick an Ethernet NIC; for USB debugging this controller needs a USB 3 debug cable and KDNET-USB")
        default:
            break
        }
        let listing = table.releases(listing: id)
        let release = target.judgedBy
        if let first = listing.first, table.lists(id, on: release) {
            return .init(kind: kind, supported: true, minBuild: first.build,
                         reason: "on Microsoft's list for \(release.name) (listed since \(first.name), build \(first.build))",
                         advice: nil)
        }
        // A listed pair wins over the class heuristic; an unlisted wireless card gets the real reason.
        if kind == .wireless {
            return .init(kind: kind, supported: false, minBuild: nil,
                         reason: "a wireless adapter: KDNET only drives wired Ethernet NICs",
                         advice: "use a wired PCI/PCIe Ethernet NIC from Microsoft's list")
        }
        if let later = listing.first(where: { $0.build > release.build }) {
            var advice = "update the target to \(later.name) (build \(later.build)) or later, or use another NIC"
            if id.vendorID == vmxnet3.vendorID { advice += "; in a VM an emulated Intel e1000 works on every release" }
            return .init(kind: kind, supported: false, minBuild: later.build,
                         reason: "supported from build \(later.build) (\(later.name)) only; \(release.name) lacks it",
                         advice: advice)
        }
        if let last = listing.last {
            return .init(kind: kind, supported: false, minBuild: nil,
                         reason: "listed up to \(last.name) but dropped from later lists",
                         advice: "use another NIC, one on the list for \(release.name)")
        }
        if id.vendorID == virtioVendor {
            return .init(kind: kind, supported: false, minBuild: nil,
                         reason: "a virtio NIC (a VM's paravirtual adapter): KDNET has no virtio driver",
                         advice: vmAdvice)
        }
        if id.vendorID == microsoftVendor || id == hyperVLegacy {
            return .init(kind: kind, supported: false, minBuild: nil,
                         reason: "a Hyper-V emulated adapter: KDNET does not drive it",
                         advice: hyperVAdvice)
        }
        return .init(kind: kind, supported: false, minBuild: nil,
                     reason: "not on Microsoft's supported list for any Windows release",
                     advice: "use a NIC on the list (check one with `kdnetctl nics --ids VVVV:DDDD`), e.g. an Intel or Realtek PCIe Ethernet adapter")
    }

    static func classify(_ f: PCIFunction) -> Kind {
        if f.usbAttached { return .usbAttached }
        if f.isXHCI { return .usbController }
        let names = [f.deviceName, f.className].compactMap { $0?.lowercased() }
        let soundsWireless = names.contains { $0.contains("wireless") || $0.contains("wi-fi") || $0.contains("wifi") || $0.contains("wlan") || $0.contains("802.11") }
        switch f.deviceClass {
        case 0x0200?: return soundsWireless ? .wireless : .ethernet
        case 0x0280?: return .wireless
        case let c? where c >> 8 == 0x02: return .network
        case nil: return soundsWireless ? .wireless : .unknown
        default: return .unknown
        }
    }
}

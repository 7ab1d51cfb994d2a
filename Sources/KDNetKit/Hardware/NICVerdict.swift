/// Whether KDNET on the chosen Windows can drive a NIC, what that rests on, and what to do
/// otherwise. Windows decides by loading `kd_02_<vendor>.dll`, so Microsoft's list is one
/// basis and the modules Windows ships (with public reports of what they drive) the other.
public struct NICVerdict: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable {
        case ethernet, wireless, network, usbController = "usb-xhci", usbAttached = "usb-attached", unknown
    }

    /// What a verdict rests on.
    public enum Basis: String, Sendable, Codable, Hashable {
        /// Microsoft's supported-NIC list (its XML list's `min_build` over page membership).
        case publishedList = "published_list"
        /// Not on the list, but Windows ships a module for the vendor and a public source says
        /// how it fares with this device.
        case shippedModule = "shipped_module"
    }

    public let kind: Kind
    /// true or false when known; nil when neither the lists nor the modules say.
    public let supported: Bool?
    public let basis: Basis?
    /// The public report a verdict rests on, when it rests on one.
    public let reportedBy: String?
    /// The first build known to support it: when it became supported, or the build to
    /// update to when the chosen release is too old.
    public let minBuild: Int?
    public let reason: String
    public let advice: String?

    init(kind: Kind, supported: Bool?, basis: Basis?, reportedBy: String? = nil, minBuild: Int? = nil,
         reason: String, advice: String?) {
        self.kind = kind
        self.supported = supported
        self.basis = basis
        self.reportedBy = reportedBy
        self.minBuild = minBuild
        self.reason = reason
        self.advice = advice
    }

    static let microsoftVendor: UInt16 = 0x1414
    static let vmxnet3 = PCIIdentity(vendorID: 0x15ad, deviceID: 0x07b0)
    /// Hyper-V's "legacy network adapter" emulates a DEC 21140.
    static let hyperVLegacy = PCIIdentity(vendorID: 0x1011, deviceID: 0x0009)

    /// The emulated NIC every hypervisor offers and Microsoft lists from build 9600.
    public static let e1000eAdvice = "switch the VM's NIC to an emulated Intel e1000e (8086:10D3; QEMU `-device e1000e`, libvirt `<model type='e1000e'/>`, Proxmox `e1000e`), on Microsoft's list from Windows 8.1"
    static let modernVirtioAdvice = "make it a modern virtio-net (QEMU `disable-legacy=on` or a PCIe root port on a q35 machine; libvirt `<model type='virtio-non-transitional'/>` or a q35 machine), or " + e1000eAdvice.replacingOccurrences(of: "switch the VM's NIC to", with: "use")
    static let hyperVAdvice = "Hyper-V guests debug over the synthetic (VMBus) NIC: run `bcdedit /dbgsettings net hostip:... port:...` without busparams in a generation 2 VM"

    public static func judge(_ f: PCIFunction, on target: WindowsTarget, knowledge: NICKnowledge) -> NICVerdict {
        let kind = classify(f)
        switch kind {
        case .usbAttached:
            return .init(kind: kind, supported: false, basis: nil,
                         reason: "a USB-attached network adapter: KDNET never drives NICs on USB (dongles, docks)",
                         advice: "use a PCI/PCIe Ethernet NIC from Microsoft's list, or debug over USB through an xHCI controller (KDNET-USB)")
        case .usbController:
            // kd_0C_8086.dll drives USB debugging, never a network adapter.
            return .init(kind: kind, supported: false, basis: nil,
                         reason: "a USB xHCI controller: a KDNET-USB candidate, not a network adapter",
                         advice: "for network debugging pick an Ethernet NIC; for USB debugging this controller needs a USB 3 debug cable and KDNET-USB")
        default:
            break
        }
        if let listed = publishedList(f, kind: kind, target: target, table: knowledge.table) { return listed }
        // A listed pair wins over the class heuristic; an unlisted wireless card gets the real reason.
        if kind == .wireless {
            return .init(kind: kind, supported: false, basis: .publishedList,
                         reason: "a wireless adapter: KDNET only drives wired Ethernet NICs",
                         advice: "use a wired PCI/PCIe Ethernet NIC from Microsoft's list")
        }
        let module = knowledge.modules.nicModule(vendor: f.identity.vendorID)
        if let module, let verdict = shippedModule(f, kind: kind, target: target, module: module, modules: knowledge.modules) {
            return verdict
        }
        if f.identity.vendorID == microsoftVendor || f.identity == hyperVLegacy {
            return .init(kind: kind, supported: false, basis: .publishedList,
                         reason: "a Hyper-V emulated adapter: KDNET does not drive it",
                         advice: hyperVAdvice)
        }
        var reason = "not on Microsoft's supported list for any Windows release"
        if let module {
            reason += "; Windows ships \(module.file) for \(module.vendorName), which accepts or rejects each device itself, so it is not promised"
        }
        return .init(kind: kind, supported: false, basis: .publishedList, reason: reason,
                     advice: "use a NIC on the list (check one with `kdnetctl nics --ids VVVV:DDDD`), e.g. an Intel or Realtek PCIe Ethernet adapter; in a VM, e1000e")
    }

    /// The verdict of Microsoft's list, nil when the list never names the pair. The XML list's
    /// `build` attribute is what kdnet.exe itself ships, so it wins over page membership.
    private static func publishedList(_ f: PCIFunction, kind: Kind, target: WindowsTarget, table: NICSupportTable) -> NICVerdict? {
        let id = f.identity
        guard let entry = table.nics[id.tableKey] else { return nil }
        let release = target.judgedBy
        let onPage = table.lists(id, on: release)
        let pages = table.releases(listing: id)
        if let xmlBuild = entry.xmlBuild {
            if target.build >= xmlBuild {
                let reason = onPage
                    ? "on Microsoft's list for \(release.name) (XML list: from build \(xmlBuild))"
                    : "not on the \(release.name) page, but Microsoft's XML list says from build \(xmlBuild)"
                return .init(kind: kind, supported: true, basis: .publishedList, minBuild: xmlBuild, reason: reason, advice: nil)
            }
            let reason = onPage
                ? "listed on the \(release.name) page; Microsoft's XML list says from build \(xmlBuild), and \(target.release) is build \(target.build)"
                : "on Microsoft's list from build \(xmlBuild) only; \(target.release) is build \(target.build)"
            return .init(kind: kind, supported: false, basis: .publishedList, minBuild: xmlBuild, reason: reason,
                         advice: updateAdvice(to: xmlBuild, identity: id))
        }
        if onPage, let first = pages.first {
            return .init(kind: kind, supported: true, basis: .publishedList, minBuild: first.build,
                         reason: "on Microsoft's list for \(release.name) (listed since \(first.name), build \(first.build))", advice: nil)
        }
        if let later = pages.first(where: { $0.build > release.build }) {
            return .init(kind: kind, supported: false, basis: .publishedList, minBuild: later.build,
                         reason: "supported from build \(later.build) (\(later.name)) only; \(release.name) lacks it",
                         advice: updateAdvice(to: later.build, identity: id))
        }
        let last = pages.last.map(\.name) ?? "an older page"
        return .init(kind: kind, supported: false, basis: .publishedList,
                     reason: "listed up to \(last) but dropped from later lists",
                     advice: "use another NIC, one on the list for \(release.name)")
    }

    private static func updateAdvice(to build: Int, identity: PCIIdentity) -> String {
        var advice: String
        if let release = WindowsRelease.all.first(where: { $0.build >= build }) {
            advice = "update the target to \(release.name) (build \(release.build)) or later, or use another NIC"
        } else {
            advice = "update the target to build \(build) or later (newer than every release kdnetctl knows; an Insider build today), or use another NIC"
        }
        if identity.vendorID == vmxnet3.vendorID || identity.vendorID == 0x1d0f || identity.vendorID == microsoftVendor {
            advice += "; in a VM an emulated Intel e1000e works from Windows 8.1 on"
        }
        return advice
    }

    /// The verdict of a shipped module for a device a public report speaks of; nil when no
    /// report names the device.
    private static func shippedModule(_ f: PCIFunction, kind: Kind, target: WindowsTarget,
                                      module: KDNetModules.Module, modules: KDNetModules) -> NICVerdict? {
        let reports = modules.reports(for: f.identity)
        guard !reports.isEmpty else { return nil }
        let transport = f.virtio
        guard let report = reports.first(where: { $0.virtio == transport }) ?? (reports.count == 1 ? reports[0] : nil) else {
            // 1af4:1000 is transitional or legacy-only; only the capability list tells.
            return .init(kind: kind, supported: nil, basis: nil,
                         reason: "a virtio-net 1af4:1000 is either transitional (no report either way) or legacy-only (\(module.file) is reported to send nothing on it), and ids alone cannot tell them apart",
                         advice: "give `lspci -xxx` output from the target (its capability list tells), or the VM's definition (`kdnetctl vm check`); or " + modernVirtioAdvice)
        }
        let what = transport?.description ?? f.identity.pair
        switch report.works {
        case false?:
            return .init(kind: kind, supported: false, basis: .shippedModule, reportedBy: report.reportedBy,
                         reason: "\(what): Windows' \(module.file) \(report.finding)" + (report.citedAs.map { ", \($0)" } ?? ""),
                         advice: modernVirtioAdvice)
        case nil:
            return .init(kind: kind, supported: nil, basis: nil,
                         reason: "\(what) is not on Microsoft's list, and for \(module.file) \(report.finding)",
                         advice: "to be sure, " + modernVirtioAdvice)
        case true?:
            guard let first = module.firstSeenBuild, target.build >= first else {
                let since = module.firstSeenBuild.map { "build \($0) (\(module.seenIn))" } ?? module.seenIn
                return .init(kind: kind, supported: nil, basis: nil, reportedBy: nil, minBuild: module.firstSeenBuild,
                             reason: "\(what) is not on Microsoft's list, and \(module.file) is first seen in \(since); whether \(target.release) ships it is not known",
                             advice: "update the target to Windows 11 22H2 or later, or " + e1000eAdvice)
            }
            return .init(kind: kind, supported: true, basis: .shippedModule, reportedBy: report.reportedBy, minBuild: first,
                         reason: "not on Microsoft's list; Windows ships \(module.file) (seen in \(module.seenIn)), which \(report.finding)" + (report.citedAs.map { ", \($0)" } ?? ""),
                         advice: "if the target stays silent, " + e1000eAdvice)
        }
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

    /// "supported", "not supported" or "not known", as the human output says a verdict.
    public static func word(for supported: Bool?) -> String {
        switch supported {
        case true?: return "supported"
        case false?: return "not supported"
        case nil: return "not known"
        }
    }

    /// One short line on what the verdict rests on, for the human output.
    public static func basisLine(basis: Basis?, reportedBy: String?) -> String {
        switch basis {
        case .publishedList?: return "basis: Microsoft's published list of supported NICs"
        case .shippedModule?: return "basis: a KDNET module Windows ships" + (reportedBy.map { "; reported by \($0)" } ?? "")
        case nil: return "basis: neither Microsoft's list nor a known module report decides"
        }
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads `virsh dumpxml` output (live or `--inactive`) into a `VirtualMachine`.
public enum LibvirtDomainXML {
    /// The state is not in the XML; pass what `virsh domstate` said.
    public static func parse(_ xml: String, state: VMState = .unknown) throws -> VirtualMachine {
        let root = try domainElement(xml)
        guard let name = root.child("name")?.text else { throw LibvirtDomainXMLError.missingName }
        let os = root.child("os")
        let machine = os?.child("type")?.attr("machine") ?? "pc"
        let isQ35 = machine.contains("q35")
        let devices = root.child("devices")

        var controllers: [Int: String] = [:]
        for c in devices?.children("controller") ?? [] where c.attr("type") == "pci" {
            if let i = XMLText.int(c.attr("index")), let model = c.attr("model") { controllers[i] = model }
        }
        let nics = (devices?.children("interface") ?? []).map {
            nic($0, isQ35: isQ35, machine: machine, controllers: controllers)
        }

        return VirtualMachine(
            name: name,
            source: .libvirt,
            identifier: root.child("uuid")?.text,
            state: state,
            machine: machine,
            osHint: osinfoID(root),
            nics: nics,
            hypervisor: hypervisor(root),
            firmware: firmware(os),
            persistentDiffersFromLive: nil
        )
    }

    /// Reads the live XML and sets `persistentDiffersFromLive` by comparing it with the
    /// inactive (next boot) XML.
    public static func parse(live: String, inactive: String, state: VMState = .unknown) throws -> VirtualMachine {
        var vm = try parse(live, state: state)
        let next = try parse(inactive, state: state)
        vm.pendingChanges = differences(live: vm, nextBoot: next)
        vm.persistentDiffersFromLive = !vm.pendingChanges.isEmpty
        return vm
    }

    static func domainElement(_ xml: String) throws -> XMLElement {
        let doc: XMLDocument
        switch XMLText.document(xml) {
        case .success(let d): doc = d
        case .failure(let e): throw LibvirtDomainXMLError.notXML(oneLine(e))
        }
        guard let root = doc.rootElement() else { throw LibvirtDomainXMLError.notXML("no root element") }
        guard root.name == "domain" else { throw LibvirtDomainXMLError.notADomain(root.name ?? "?") }
        return root
    }

    /// virt-install and virt-manager record the OS as
    /// `<metadata><libosinfo:libosinfo><libosinfo:os id="http://microsoft.com/win/11"/>`.
    static func osinfoID(_ root: XMLElement) -> String? {
        guard let metadata = root.child("metadata") else { return nil }
        for libosinfo in metadata.descendants(localName: "libosinfo") {
            if let id = libosinfo.descendants(localName: "os").compactMap({ $0.attr("id") }).first { return id }
        }
        return nil
    }

    // MARK: NICs

    static func nic(_ e: XMLElement, isQ35: Bool, machine: String, controllers: [Int: String]) -> VMNIC {
        let source = e.child("source")
        var nic = VMNIC(mac: e.child("mac")?.attr("address"), model: e.child("model")?.attr("type"))
        switch e.attr("type") ?? "" {
        case "network":
            nic.mode = .network
            nic.networkName = source?.attr("network")
            nic.bridgeName = source?.attr("bridge")  // present in live XML only
        case "bridge":
            nic.mode = .bridge
            nic.bridgeName = source?.attr("bridge")
        case "direct":
            nic.mode = .direct
            nic.sourceDevice = source?.attr("dev")
            nic.sourceMode = source?.attr("mode") ?? "vepa"  // libvirt's default macvtap mode
        case "user":
            nic.mode = .user
            nic.backend = e.child("backend")?.attr("type") ?? "slirp"
        case "ethernet":
            nic.mode = .tap
            nic.sourceDevice = e.child("target")?.attr("dev")
        default:
            nic.mode = .other
        }

        if let a = e.child("address"), a.attr("type") == "pci",
           let bus = XMLText.int(a.attr("bus")), let slot = XMLText.int(a.attr("slot")) {
            nic.address = PCIAddress(
                domain: XMLText.int(a.attr("domain")) ?? 0, bus: bus, device: slot,
                function: XMLText.int(a.attr("function")) ?? 0)
        }
        if let model = nic.model, NICModelCatalog.isVirtio(model) {
            nic.virtioTransport = NICModelCatalog.transportFixedByModel(model)
                ?? NICModelCatalog.defaultTransport(for: attachment(
                    bus: nic.address?.bus, isQ35: isQ35, machine: machine, controllers: controllers))
        }
        return nic
    }

    /// libvirt's `bus` in a device address is the `index` of the PCI controller it plugs into.
    static func attachment(bus: Int?, isQ35: Bool, machine: String, controllers: [Int: String]) -> NICModelCatalog.Attachment {
        let isI440FX = machine == "pc" || machine.hasPrefix("pc-i440fx") || machine.hasPrefix("pc-") && !isQ35
        if isI440FX { return .conventionalPCI }
        guard let bus else { return .unknown }
        if bus == 0 {
            if isQ35 { return .pcieRootComplex }
            return controllers[0] == "pci-root" ? .conventionalPCI : .unknown
        }
        switch controllers[bus] {
        case "pcie-root-port"?, "pcie-switch-downstream-port"?: return .pciePort
        case "pci-bridge"?, "dmi-to-pci-bridge"?, "pcie-to-pci-bridge"?, "pci-expander-bus"?: return .conventionalPCI
        default: return .unknown
        }
    }

    // MARK: Hyper-V

    static func hypervisor(_ root: XMLElement) -> HypervisorFeatures {
        var flags: [String] = []
        var vendor: String?
        if let hv = root.child("features")?.child("hyperv") {
            if hv.attr("mode") == "passthrough" { flags.append("hv-passthrough") }
            for case let f as XMLElement in hv.children ?? [] where f.attr("state") == "on" {
                let name = f.name ?? ""
                switch name {
                case "vendor_id":
                    vendor = f.attr("value")
                case "spinlocks":
                    if let retries = XMLText.int(f.attr("retries")) {
                        flags.append("hv-spinlocks=0x" + String(retries, radix: 16))
                    } else {
                        flags.append("hv-spinlocks")
                    }
                default:
                    flags.append(HypervisorFeatures.normalizedFlag("hv-" + name))
                }
            }
        }
        // libvirt spells hv-time as a clock timer, not a <hyperv> child.
        let timers = root.child("clock")?.children("timer") ?? []
        if timers.contains(where: { $0.attr("name") == "hypervclock" && $0.attr("present") == "yes" }) {
            flags.append("hv-time")
        }
        // libvirt has no element for the synthetic debugger device: it is passed through
        // as <qemu:commandline><qemu:arg value='-device'/><qemu:arg value='hv-syndbg,...'/>.
        let passthrough = root.descendants(localName: "commandline").flatMap { $0.descendants(localName: "arg") }.compactMap { $0.attr("value") }
        var cpuFlags = flags
        if let i = passthrough.indices.dropLast().last(where: { passthrough[$0] == "-cpu" }) {
            cpuFlags += QEMUCommandLine.hypervisor(cpu: QEMUOptionString(passthrough[i + 1])).flags
        }
        let devices = (try? QEMUCommandLine.options(passthrough))?.devices ?? []
        return HypervisorFeatures(hypervEnlightenments: !flags.isEmpty, vendorID: vendor, flags: flags.sorted(),
                                  syntheticDebugger: SyntheticDebugger.from(devices: devices, cpuFlags: cpuFlags))
    }

    // MARK: Firmware

    static func firmware(_ os: XMLElement?) -> Firmware {
        guard let os else { return Firmware(kind: .bios, secureBoot: false) }
        let loader = os.child("loader")
        let loaderPath = loader?.text
        var features: [String: Bool] = [:]
        for f in os.child("firmware")?.children("feature") ?? [] {
            if let name = f.attr("name") { features[name] = f.attr("enabled") == "yes" }
        }

        let kind: FirmwareKind
        switch os.attr("firmware") {
        case "efi"?: kind = .uefi
        case "bios"?: kind = .bios
        default:
            if loader?.attr("type") == "pflash" || loaderPath.map(Firmware.looksLikeUEFI) == true {
                kind = .uefi
            } else {
                kind = .bios  // no loader: QEMU boots SeaBIOS on x86
            }
        }
        guard kind == .uefi else { return Firmware(kind: kind, secureBoot: false, loaderPath: loaderPath) }

        // Firmware features are libvirt's own statement, so they win over file names.
        // `secure='yes'` on the loader only asks for an SMM build (capability), like "secboot".
        let secure: Bool?
        if features["secure-boot"] == false || features["enrolled-keys"] == false {
            secure = false
        } else if features["secure-boot"] == true && features["enrolled-keys"] == true {
            secure = true
        } else {
            secure = Firmware.secureBoot(code: loaderPath, vars: os.child("nvram")?.attr("template"))
        }
        return Firmware(kind: .uefi, secureBoot: secure, loaderPath: loaderPath)
    }
}

/// Emulated NIC models and the PCI ids QEMU gives them, and the rule that decides which
/// virtio-net personality a plain virtio NIC gets.
public enum NICModelCatalog {
    /// Ids of QEMU's emulated NICs, keyed by every spelling libvirt, QEMU and Proxmox use.
    /// eepro100 ids are from QEMU hw/net/eepro100.c (i82559er = 0x1209, the i82557/8/9 A-C
    /// family = 0x1229); e1000 variants from hw/net/e1000.c.
    static let fixedIDs: [String: PCIIdentity] = {
        var t: [String: PCIIdentity] = [:]
        func add(_ names: [String], _ vendor: UInt16, _ device: UInt16) {
            for n in names { t[n] = PCIIdentity(vendorID: vendor, deviceID: device) }
        }
        add(["e1000", "e1000-82540em"], 0x8086, 0x100E)
        add(["e1000-82544gc"], 0x8086, 0x100C)
        add(["e1000-82545em"], 0x8086, 0x100F)
        add(["e1000e"], 0x8086, 0x10D3)
        add(["igb"], 0x8086, 0x10C9)
        add(["rtl8139"], 0x10EC, 0x8139)
        add(["vmxnet3"], 0x15AD, 0x07B0)
        add(["ne2k_pci"], 0x10EC, 0x8029)
        add(["pcnet"], 0x1022, 0x2000)
        add(["i82550", "i82551", "i82559er", "i82562"], 0x8086, 0x1209)
        add(["i82557a", "i82557b", "i82557c", "i82558a", "i82558b", "i82559a", "i82559b", "i82559c"], 0x8086, 0x1229)
        add(["i82801"], 0x8086, 0x2449)
        return t
    }()

    /// QEMU `-device` drivers (and `-net nic,model=` names) that are NICs.
    static let qemuNICDrivers: Set<String> = Set(fixedIDs.keys).union([
        "virtio-net-pci", "virtio-net-pci-transitional", "virtio-net-pci-non-transitional", "virtio",
    ])

    public static func isVirtio(_ model: String) -> Bool { model.lowercased().hasPrefix("virtio") }

    /// The transport a model name fixes by itself, whatever bus it sits on.
    public static func transportFixedByModel(_ model: String) -> VirtioTransport? {
        let m = model.lowercased()
        if m.hasSuffix("non-transitional") { return .modern }
        if m.hasSuffix("-transitional") { return .transitional }
        return nil
    }

    public static func pciID(model: String, transport: VirtioTransport?) -> PCIIdentity? {
        let m = model.lowercased()
        if isVirtio(m) {
            switch transport {
            case .modern?: return PCIIdentity(vendorID: 0x1AF4, deviceID: 0x1041)
            case .transitional?, .legacyOnly?: return PCIIdentity(vendorID: 0x1AF4, deviceID: 0x1000)
            case nil: return nil
            }
        }
        return fixedIDs[m]
    }

    /// Where a device is plugged, as far as it decides virtio's default personality.
    public enum Attachment: Sendable, Hashable {
        /// Conventional PCI: the i440fx root bus or a pci-bridge (also behind a DMI-to-PCI bridge).
        case conventionalPCI
        /// Directly on Q35's pcie.0: a root-complex integrated endpoint.
        case pcieRootComplex
        /// Behind a PCIe root port or switch downstream port.
        case pciePort
        case unknown
    }

    /// QEMU decides a plain virtio-pci device's `disable-legacy=auto` in virtio_pci_realize
    /// (hw/virtio/virtio-pci.c): `pcie_port = pci_bus_is_express(bus) && !pci_bus_is_root(bus)`
    /// and `disable_legacy = pcie_port ? ON : OFF`. So only a device behind a PCIe port (root
    /// or downstream) is modern-only; on Q35's pcie.0, which is express but a root bus, it stays
    /// transitional, as on any conventional bus. QEMU commit 9a4c0e2 ("Enable virtio-1.0 for
    /// devices plugged into PCIe ports") and 1811e64 ("Devices plugged directly into the Root
    /// Complex as Integrated Endpoints remain PCI") say the same.
    public static func defaultTransport(for attachment: Attachment) -> VirtioTransport? {
        switch attachment {
        case .pciePort: return .modern
        case .conventionalPCI, .pcieRootComplex: return .transitional
        case .unknown: return nil
        }
    }

    /// QEMU's NIC when `-net nic` / `-nic` names no model: `default_nic_model` is "e1000e" for
    /// Q35 (hw/i386/pc_q35.c) and "e1000" for i440fx.
    static func qemuDefaultNICModel(isQ35: Bool) -> String { isQ35 ? "e1000e" : "e1000" }
}

/// How a NIC reaches the host.
public enum NetworkMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// A libvirt named network (`<interface type='network'>`).
    case network
    case bridge
    /// macvtap (`<interface type='direct'>`); the host itself cannot reach the guest this way.
    case direct
    /// slirp or passt: the guest sits behind the host's NAT.
    case user
    case tap
    case other
}

/// A NIC of a VM.
public struct VMNIC: Sendable, Hashable {
    /// Lower-case `aa:bb:cc:dd:ee:ff`; nil when the source leaves it to the hypervisor.
    public var mac: String?
    /// As the source spells it: "virtio", "virtio-non-transitional", "e1000e", "virtio-net-pci"...
    public var model: String?
    /// nil for non-virtio models, and for virtio when the bus it sits on is not known.
    public var virtioTransport: VirtioTransport?
    /// The guest's PCI address as the hypervisor numbers it, nil when the source does not say.
    public var address: PCIAddress?
    public var mode: NetworkMode
    /// libvirt network name (mode `.network`).
    public var networkName: String?
    /// Host bridge (mode `.bridge`, or the bridge behind a libvirt network when known).
    public var bridgeName: String?
    /// Host device under a macvtap (mode `.direct`), or a tap's ifname.
    public var sourceDevice: String?
    /// macvtap mode: "bridge", "vepa", "private", "passthrough".
    public var sourceMode: String?
    /// User-mode backend: "passt" or "slirp".
    public var backend: String?

    public init(
        mac: String? = nil, model: String? = nil, virtioTransport: VirtioTransport? = nil,
        address: PCIAddress? = nil, mode: NetworkMode = .other, networkName: String? = nil,
        bridgeName: String? = nil, sourceDevice: String? = nil, sourceMode: String? = nil,
        backend: String? = nil
    ) {
        self.mac = mac.map { $0.lowercased() }
        self.model = model
        self.virtioTransport = virtioTransport
        self.address = address
        self.mode = mode
        self.networkName = networkName
        self.bridgeName = bridgeName
        self.sourceDevice = sourceDevice
        self.sourceMode = sourceMode
        self.backend = backend
    }

    public var isVirtio: Bool { model.map(NICModelCatalog.isVirtio) ?? false }

    /// The vendor:device the guest sees, which decides KDNET support; nil when the model is
    /// unknown, not PCI, or virtio with an unknown transport.
    public var pciIdentity: PCIIdentity? {
        guard let model else { return nil }
        return NICModelCatalog.pciID(model: model, transport: virtioTransport)
    }
}

/// Written by hand so the derived `pciIdentity` reaches `--json` output too.
extension VMNIC: Encodable {
    private enum CodingKeys: String, CodingKey {
        case mac, model, pciIdentity, virtioTransport, address, mode, networkName, bridgeName
        case sourceDevice, sourceMode, backend
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mac, forKey: .mac)
        try c.encode(model, forKey: .model)
        try c.encode(pciIdentity?.pair, forKey: .pciIdentity)
        try c.encode(virtioTransport, forKey: .virtioTransport)
        try c.encode(address, forKey: .address)
        try c.encode(mode, forKey: .mode)
        try c.encode(networkName, forKey: .networkName)
        try c.encode(bridgeName, forKey: .bridgeName)
        try c.encode(sourceDevice, forKey: .sourceDevice)
        try c.encode(sourceMode, forKey: .sourceMode)
        try c.encode(backend, forKey: .backend)
    }
}

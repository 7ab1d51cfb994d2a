/// Where a VM was read from.
public enum VMSource: String, Sendable, Hashable, Codable, CaseIterable {
    case libvirt
    case qemu
    case proxmox
}

/// A VM's run state, as far as its source tells it.
public enum VMState: String, Sendable, Hashable, Codable, CaseIterable {
    case running
    case paused
    case shutoff
    case unknown
}

/// One Windows VM as kdnetctl needs to see it, whichever of libvirt, a bare QEMU process or
/// Proxmox described it.
public struct VirtualMachine: Sendable, Hashable {
    public var name: String
    public var source: VMSource
    /// libvirt's UUID, Proxmox's VMID or QEMU's `-uuid`; nil when the source has none.
    public var identifier: String?
    public var state: VMState
    /// As the source spells it: "pc-q35-8.1", "q35", "pc-i440fx-7.2", "pc".
    public var machine: String
    /// libosinfo id ("http://microsoft.com/win/11") or Proxmox ostype ("win11"), unchanged.
    public var osHint: String?
    public var nics: [VMNIC]
    public var hypervisor: HypervisorFeatures
    public var firmware: Firmware
    /// Whether the next cold boot runs a different configuration than the one running now;
    /// nil when the source cannot tell.
    public var persistentDiffersFromLive: Bool?
    /// What differs between the running and the next-boot definition, one line each.
    public var pendingChanges: [String] = []
    /// Where it was read: a Proxmox file, `/proc/PID`, or nil for libvirt (asked by name).
    public var origin: String?

    public init(
        name: String, source: VMSource, identifier: String? = nil, state: VMState = .unknown,
        machine: String, osHint: String? = nil, nics: [VMNIC] = [],
        hypervisor: HypervisorFeatures = HypervisorFeatures(), firmware: Firmware = Firmware(),
        persistentDiffersFromLive: Bool? = nil
    ) {
        self.name = name
        self.source = source
        self.identifier = identifier
        self.state = state
        self.machine = machine
        self.osHint = osHint
        self.nics = nics
        self.hypervisor = hypervisor
        self.firmware = firmware
        self.persistentDiffersFromLive = persistentDiffersFromLive
    }

    /// QEMU names every Q35 machine type with "q35" in it ("q35", "pc-q35-8.1", "pc-q35-rhel9.2.0").
    public var isQ35: Bool { machine.contains("q35") }

    /// The Windows release to judge NICs by, in the form `kdnetctl nics --windows` accepts.
    public var windowsHint: String? { WindowsHint.release(forOSHint: osHint) }
}

extension VirtualMachine: Encodable {
    private enum CodingKeys: String, CodingKey {
        case name, source, identifier, state, machine, isQ35, osHint, windowsHint, nics
        case hypervisor, firmware, persistentDiffersFromLive
    }

    // Written by hand so the derived fields (isQ35, windowsHint) reach `--json` output too.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(source, forKey: .source)
        try c.encode(identifier, forKey: .identifier)
        try c.encode(state, forKey: .state)
        try c.encode(machine, forKey: .machine)
        try c.encode(isQ35, forKey: .isQ35)
        try c.encode(osHint, forKey: .osHint)
        try c.encode(windowsHint, forKey: .windowsHint)
        try c.encode(nics, forKey: .nics)
        try c.encode(hypervisor, forKey: .hypervisor)
        try c.encode(firmware, forKey: .firmware)
        try c.encode(persistentDiffersFromLive, forKey: .persistentDiffersFromLive)
    }
}

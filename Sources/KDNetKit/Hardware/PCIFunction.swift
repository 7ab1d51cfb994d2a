/// One PCI function found on the target (or named by the user), with what Linux knows of it.
public struct PCIFunction: Sendable, Hashable {
    /// nil when the user gave only ids.
    public var address: PCIAddress?
    public var identity: PCIIdentity
    /// Base class << 8 | subclass (0x0200 Ethernet, 0x0280 other network, 0x0c03 USB); nil when unknown.
    public var deviceClass: UInt16?
    public var progIf: UInt8
    public var vendorName: String?
    public var deviceName: String?
    public var subsystemName: String?
    public var className: String?
    /// The Linux interface bound to it and that interface's operstate (local machine only).
    public var interface: String?
    public var link: String?
    /// sysfs says the slot is removable (Thunderbolt, docks, hot-plug bays).
    public var removable: Bool
    /// The id exactly as the user typed it, for `--ids`.
    public var givenID: String?
    public var usbAttached: Bool
    /// The configuration space bytes that could be read (nil for ids typed by the user).
    public var config: PCIConfigSpace?
    /// Which virtio-net this is when something other than the config space says so (a VM's
    /// definition, a saved survey); otherwise it is read from `config`.
    public var declaredVirtio: VirtioTransport?

    public init(address: PCIAddress?, identity: PCIIdentity, deviceClass: UInt16?, progIf: UInt8 = 0,
                vendorName: String? = nil, deviceName: String? = nil, subsystemName: String? = nil,
                className: String? = nil, interface: String? = nil, link: String? = nil,
                removable: Bool = false, givenID: String? = nil, usbAttached: Bool = false,
                config: PCIConfigSpace? = nil, declaredVirtio: VirtioTransport? = nil) {
        self.address = address
        self.identity = identity
        self.deviceClass = deviceClass
        self.progIf = progIf
        self.vendorName = vendorName
        self.deviceName = deviceName
        self.subsystemName = subsystemName
        self.className = className
        self.interface = interface
        self.link = link
        self.removable = removable
        self.givenID = givenID
        self.usbAttached = usbAttached
        self.config = config
        self.declaredVirtio = declaredVirtio
    }

    /// Modern, transitional or legacy-only virtio-net; nil for other NICs and when unknown.
    public var virtio: VirtioTransport? { declaredVirtio ?? VirtioTransport.of(identity, config: config) }

    /// Network controllers, and xHCI controllers (KDNET can debug over USB 3 through them).
    public var isNICCandidate: Bool {
        guard let c = deviceClass else { return true }
        return c >> 8 == 0x02 || isXHCI
    }

    public var isXHCI: Bool { deviceClass == 0x0c03 && progIf == 0x30 }
}

/// The ids that decide KDNET support, and how Windows and lspci spell them.
public struct PCIIdentity: Sendable, Hashable, Codable {
    public var vendorID: UInt16
    public var deviceID: UInt16
    /// Subsystem vendor and device, when known (Windows' `SUBSYS_ddddvvvv`, config bytes 0x2c).
    public var subsystemVendorID: UInt16?
    public var subsystemID: UInt16?

    public init(vendorID: UInt16, deviceID: UInt16, subsystemVendorID: UInt16? = nil, subsystemID: UInt16? = nil) {
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.subsystemVendorID = subsystemVendorID
        self.subsystemID = subsystemID
    }

    /// The table's key: upper-case `VVVV:DDDD` as Microsoft's lists print it.
    public var tableKey: String { Self.hex4(vendorID).uppercased() + ":" + Self.hex4(deviceID).uppercased() }

    /// lspci's `vvvv:dddd`.
    public var pair: String { Self.hex4(vendorID) + ":" + Self.hex4(deviceID) }

    /// `ssvv:ssdd` (subsystem vendor first, as lspci -nn -v prints it), nil when unknown.
    public var subsystem: String? {
        guard let v = subsystemVendorID, let d = subsystemID else { return nil }
        return Self.hex4(v) + ":" + Self.hex4(d)
    }

    static func hex4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}

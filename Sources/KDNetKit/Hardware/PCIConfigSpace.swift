/// The bytes of a function's configuration space that could be read: 64 from `lspci -x` or
/// an unprivileged sysfs read, 256 from `lspci -xxx` or as root. Only the capability list
/// beyond the first 64 bytes tells a transitional virtio-net from a legacy-only one.
public struct PCIConfigSpace: Sendable, Hashable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    private static let statusCapabilityList: UInt8 = 0x10
    private static let vendorSpecificCapability: UInt8 = 0x09

    /// The capability list as (id, offset), nil when the bytes read end before the list does
    /// (then nothing can be said about the capabilities), [] when the device has none.
    public var capabilities: [(id: UInt8, offset: Int)]? {
        guard bytes.count >= 64 else { return nil }
        guard bytes[6] & Self.statusCapabilityList != 0 else { return [] }
        var found: [(id: UInt8, offset: Int)] = []
        var offset = Int(bytes[0x34] & 0xfc)
        // 48 capabilities fill the 192 bytes after the header; more means a loop.
        while offset != 0, found.count < 48 {
            guard offset >= 0x40, offset + 1 < bytes.count else { return nil }
            found.append((bytes[offset], offset))
            offset = Int(bytes[offset + 1] & 0xfc)
        }
        return found
    }

    /// The `cfg_type` of every virtio PCI capability (vendor-specific, byte 3): 1 common,
    /// 2 notify, 3 ISR, 4 device, 5 PCI configuration access. nil when unknown.
    public var virtioStructureTypes: Set<UInt8>? {
        guard let caps = capabilities else { return nil }
        var types = Set<UInt8>()
        for cap in caps where cap.id == Self.vendorSpecificCapability {
            guard cap.offset + 3 < bytes.count else { return nil }
            types.insert(bytes[cap.offset + 3])
        }
        return types
    }
}

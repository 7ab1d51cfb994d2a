/// Which virtio-net a guest sees. It matters because kd_02_1af4.dll is documented to drive
/// the modern device and reported to send nothing on the legacy one, while the transitional
/// device (both interfaces at once) has no report either way.
public enum VirtioTransport: String, Sendable, Codable, Hashable {
    /// VIRTIO 1.x only: device id 1af4:1041 (QEMU on a PCIe port, `disable-legacy=on`,
    /// libvirt `virtio-non-transitional`).
    case modern
    /// 1af4:1000 carrying the VIRTIO 1.x capabilities too (QEMU's default on conventional PCI).
    case transitional
    /// 1af4:1000 without them (pre-1.0 hypervisors, Parallels).
    case legacyOnly = "legacy-only"

    static let vendor: UInt16 = 0x1af4

    /// What the ids and, for 1af4:1000, the capability list say; nil when the ids are not
    /// virtio-net or the config space read does not reach the capabilities.
    public static func of(_ identity: PCIIdentity, config: PCIConfigSpace?) -> VirtioTransport? {
        guard identity.vendorID == vendor else { return nil }
        switch identity.deviceID {
        case 0x1041: return .modern
        case 0x1000:
            guard let types = config?.virtioStructureTypes else { return nil }
            // Type 1 is the common configuration every VIRTIO 1.x device must expose.
            return types.contains(1) ? .transitional : .legacyOnly
        default: return nil
        }
    }

    /// How the user would recognise it.
    public var description: String {
        switch self {
        case .modern: return "modern virtio-net (VIRTIO 1.x, 1af4:1041)"
        case .transitional: return "transitional virtio-net (1af4:1000 with VIRTIO 1.x capabilities)"
        case .legacyOnly: return "legacy-only virtio-net (1af4:1000 without VIRTIO 1.x capabilities)"
        }
    }
}

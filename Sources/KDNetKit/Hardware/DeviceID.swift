import Foundation

/// A device id as the user gave it to `--ids`: Windows' hardware or instance id
/// (`PCI\VEN_8086&DEV_15B8&SUBSYS_00008086&REV_00`, `USB\VID_0BDA&PID_8153`), or `8086:15b8`.
public struct DeviceID: Sendable, Hashable {
    public enum Bus: Sendable, Hashable { case pci, usb }

    public let text: String
    public let bus: Bus
    public let identity: PCIIdentity
    /// From a `CC_0200` token, when Windows gave one (compatible ids carry it).
    public let deviceClass: UInt16?

    public init(parsing raw: String) throws {
        let text = raw.trimmingCharacters(in: .whitespaces)
        self.text = text
        let upper = text.uppercased()
        if let colon = Self.pair(upper) {
            bus = .pci
            identity = PCIIdentity(vendorID: colon.0, deviceID: colon.1)
            deviceClass = nil
            return
        }
        // pnputil prints "Instance ID: PCI\..."; keep only the id itself.
        let id: Substring
        if let r = upper.range(of: "PCI\\") { id = upper[r.lowerBound...] }
        else if let r = upper.range(of: "USB\\") { id = upper[r.lowerBound...] }
        else { throw HardwareUsageError.badDeviceID(raw) }
        let tokens = id.dropFirst(4).split(separator: "\\").first?.split(separator: "&") ?? []
        func field(_ name: String, digits: Int) -> UInt32? {
            guard let t = tokens.first(where: { $0.hasPrefix(name + "_") }) else { return nil }
            let hex = t.dropFirst(name.count + 1)
            guard hex.count == digits else { return nil }
            return UInt32(hex, radix: 16)
        }
        if id.hasPrefix("USB\\") {
            guard let v = field("VID", digits: 4), let p = field("PID", digits: 4) else { throw HardwareUsageError.badDeviceID(raw) }
            bus = .usb
            identity = PCIIdentity(vendorID: UInt16(v), deviceID: UInt16(p))
            deviceClass = nil
            return
        }
        guard let v = field("VEN", digits: 4), let d = field("DEV", digits: 4) else { throw HardwareUsageError.badDeviceID(raw) }
        bus = .pci
        var identity = PCIIdentity(vendorID: UInt16(v), deviceID: UInt16(d))
        // SUBSYS_ddddvvvv: the subsystem device id comes first.
        if let s = field("SUBSYS", digits: 8) {
            identity.subsystemID = UInt16(s >> 16)
            identity.subsystemVendorID = UInt16(s & 0xffff)
        }
        self.identity = identity
        deviceClass = field("CC", digits: 4).map { UInt16($0) } ?? field("CC", digits: 6).map { UInt16($0 >> 8) }
    }

    /// Splits a repeatable, comma-separated `--ids` value list.
    public static func parseList(_ values: [String]) throws -> [DeviceID] {
        let ids = try values.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { try DeviceID(parsing: $0) }
        guard !ids.isEmpty else { throw HardwareUsageError.noDeviceIDs }
        return ids
    }

    private static func pair(_ s: String) -> (UInt16, UInt16)? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 4 }),
              let v = UInt16(parts[0], radix: 16), let d = UInt16(parts[1], radix: 16) else { return nil }
        return (v, d)
    }
}

import Foundation

/// The Hyper-V enlightenments a VM exposes. They matter to KDNET: with enlightenments on and
/// no vendor id of its own the guest sees "Microsoft Hv" and kdnet.exe heads for Hyper-V's
/// synthetic debugger, which QEMU provides only with `-device hv-syndbg` (hw/hyperv/syndbg.c).
public struct HypervisorFeatures: Sendable, Hashable, Codable {
    public var hypervEnlightenments: Bool
    /// The Hyper-V vendor id the guest sees when set explicitly; nil means QEMU's default.
    public var vendorID: String?
    /// Enlightenments in QEMU's spelling, "hv-relaxed", "hv-spinlocks=0x1fff", sorted.
    public var flags: [String]
    /// QEMU's synthetic debugger, when the VM uses any part of it.
    public var syntheticDebugger: SyntheticDebugger?

    public init(hypervEnlightenments: Bool = false, vendorID: String? = nil, flags: [String] = [],
                syntheticDebugger: SyntheticDebugger? = nil) {
        self.hypervEnlightenments = hypervEnlightenments
        self.vendorID = vendorID
        self.flags = flags
        self.syntheticDebugger = syntheticDebugger
    }

    /// QEMU reports "Microsoft Hv" unless `hv-vendor-id` says otherwise.
    public var identifiesAsMicrosoftHv: Bool {
        hypervEnlightenments && (vendorID == nil || vendorID == "Microsoft Hv")
    }

    /// "hv_relaxed", "hv-relaxed=on", "HV_VAPIC" all become "hv-relaxed" / "hv-vapic";
    /// a value other than on/off is kept ("hv-spinlocks=0x1fff").
    static func normalizedFlag(_ raw: String) -> String {
        var name = raw
        var value: String?
        if let eq = raw.firstIndex(of: "=") {
            name = String(raw[..<eq])
            value = String(raw[raw.index(after: eq)...])
        }
        name = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if let value, !["on", "yes", "true"].contains(value.lowercased()) { return name + "=" + value }
        return name
    }

    static func isHypervFlag(_ raw: String) -> Bool {
        let l = raw.lowercased()
        return l.hasPrefix("hv-") || l.hasPrefix("hv_")
    }

    /// A QEMU `-cpu` flag that turns something off ("hv-relaxed=off").
    static func isOff(_ raw: String) -> Bool {
        guard let eq = raw.firstIndex(of: "=") else { return false }
        return ["off", "no", "false"].contains(raw[raw.index(after: eq)...].lowercased())
    }
}

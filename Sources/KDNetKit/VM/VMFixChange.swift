import Foundation

/// One edit `kdnetctl vm fix` makes to a VM's definition so KDNET can work in it.
///
/// The JSON form is part of the tool's output (`--json`) and of saved plans, so it is
/// spelled out by hand rather than left to Swift's synthesized enum coding, whose shape
/// (`{"nicModel":{"mac":…}}`) would change with any rename of a case or label:
///
///     {"kind":"nic-model","mac":"52:54:00:6b:02:01","model":"e1000e"}
///     {"kind":"add-debug-nic","network":"default","model":"e1000e"}
///     {"kind":"hyperv-vendor-id","value":"KVMKVMKVM"}
///     {"kind":"disable-secure-boot"}
public enum VMFixChange: Sendable, Hashable, Codable {
    /// Give the NIC with this MAC another emulated model ("e1000e").
    case nicModel(mac: String, to: String)
    /// Add a NIC of this model for the debugger on a libvirt network (or, for Proxmox, a
    /// bridge); libvirt and Proxmox pick its MAC.
    case addDebugNIC(network: String, model: String)
    /// Give the Hyper-V enlightenments a vendor id of their own, so Windows does not take
    /// the hypervisor for Hyper-V and go for its synthetic debugger.
    case hypervVendorID(value: String)
    /// Turn UEFI Secure Boot off, which `bcdedit /debug on` needs.
    case disableSecureBoot

    /// The `kind` value in the JSON form; also a short name for messages.
    public var kind: String {
        switch self {
        case .nicModel: return "nic-model"
        case .addDebugNIC: return "add-debug-nic"
        case .hypervVendorID: return "hyperv-vendor-id"
        case .disableSecureBoot: return "disable-secure-boot"
        }
    }

    /// What the user has to know before this change is applied, whatever the VM's platform.
    public var warnings: [String] {
        switch self {
        case .disableSecureBoot:
            return [
                "turning Secure Boot off changes the measured boot state: BitLocker will ask for its recovery key unless it is suspended first (manage-bde -protectors -disable C: -RebootCount 1); a TPM-sealed secret may need to be re-sealed",
            ]
        case .nicModel, .addDebugNIC, .hypervVendorID:
            return []
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, mac, model, network, value
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "nic-model":
            self = .nicModel(mac: try c.decode(String.self, forKey: .mac), to: try c.decode(String.self, forKey: .model))
        case "add-debug-nic":
            self = .addDebugNIC(network: try c.decode(String.self, forKey: .network), model: try c.decode(String.self, forKey: .model))
        case "hyperv-vendor-id":
            self = .hypervVendorID(value: try c.decode(String.self, forKey: .value))
        case "disable-secure-boot":
            self = .disableSecureBoot
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c,
                debugDescription: "unknown change kind '\(kind)'; expected nic-model, add-debug-nic, hyperv-vendor-id or disable-secure-boot")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case .nicModel(let mac, let model):
            try c.encode(mac, forKey: .mac)
            try c.encode(model, forKey: .model)
        case .addDebugNIC(let network, let model):
            try c.encode(network, forKey: .network)
            try c.encode(model, forKey: .model)
        case .hypervVendorID(let value):
            try c.encode(value, forKey: .value)
        case .disableSecureBoot:
            break
        }
    }
}

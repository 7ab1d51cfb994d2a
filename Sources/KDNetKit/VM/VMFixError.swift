import Foundation

/// Why a fix could not be worked out for a VM's definition.
public enum VMFixError: Error, Equatable, LocalizedError {
    case notXML(String)
    case notADomain(String)
    case noDevices
    /// The MAC asked for, and every MAC the VM's NICs have (as written there).
    case unknownMAC(String, known: [String])
    case vendorIDTooLong(String)
    case vendorIDBadCharacters(String)
    case noHyperV
    case hypervPassthrough
    case noCPUOption
    case badModelName(String)
    case badJSONDevice(String)
    case noFreeProxmoxNet
    case unprintableProxmoxArgs

    public var errorDescription: String? {
        switch self {
        case .notXML(let why):
            return "the libvirt domain description is not well-formed XML (\(why)); give the output of `virsh dumpxml --inactive DOMAIN`"
        case .notADomain(let root):
            return "the XML's root element is <\(root)>, not <domain>; give the output of `virsh dumpxml --inactive DOMAIN`"
        case .noDevices:
            return "the libvirt domain XML has no <devices>; give the complete output of `virsh dumpxml --inactive DOMAIN`"
        case .unknownMAC(let mac, let known):
            let list = known.isEmpty ? "it has no NIC with a MAC" : "its NICs have " + known.joined(separator: ", ")
            return "the VM has no NIC with MAC \(mac) (\(list)); name one of those"
        case .vendorIDTooLong(let value):
            return "the Hyper-V vendor id '\(value)' has \(value.count) characters, more than the 12 libvirt, QEMU and Proxmox allow; use a shorter one such as KVMKVMKVM"
        case .vendorIDBadCharacters(let value):
            return "the Hyper-V vendor id '\(value)' may hold only letters and digits (Proxmox's rule, and safe for libvirt and QEMU); use one such as KVMKVMKVM"
        case .noHyperV:
            return "the domain has no <hyperv> element under <features>, so there is no Hyper-V vendor id to set; drop this change"
        case .hypervPassthrough:
            return "the domain's <hyperv mode='passthrough'> takes no <vendor_id> (libvirt's schema allows no children there); switch it to mode='custom' with the features you need, or drop this change"
        case .unprintableProxmoxArgs:
            return "the VM's args: line sets -cpu and holds control or invisible characters, so no qm set line can carry it unchanged; add hv-vendor-id=KVMKVMKVM to its -cpu by hand in /etc/pve/qemu-server/VMID.conf"
        case .noCPUOption:
            return "the QEMU command line has no -cpu option, so no Hyper-V enlightenments to give a vendor id; drop this change or add -cpu with the hv-* flags"
        case .badModelName(let model):
            return "'\(model)' is not a NIC model name (letters, digits, '-' and '_' only); use one such as e1000e"
        case .badJSONDevice(let text):
            return "the QEMU option value \(text) is not a JSON object; give the command line as QEMU received it"
        case .noFreeProxmoxNet:
            return "the Proxmox VM already has net0 to net31, so there is no free slot for a debug NIC; change an existing NIC's model instead"
        }
    }
}

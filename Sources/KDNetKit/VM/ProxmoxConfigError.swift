import Foundation

/// Why a Proxmox qemu-server config could not be read.
public enum ProxmoxConfigError: Error, Equatable, LocalizedError {
    case empty
    case badLine(line: Int, text: String)
    case badNIC(key: String, value: String)
    case notProxmox

    public var errorDescription: String? {
        switch self {
        case .empty:
            return "the Proxmox VM config holds no settings; give /etc/pve/qemu-server/VMID.conf (or the output of `qm config VMID`)"
        case .badLine(let line, let text):
            return "line \(line) of the Proxmox VM config is not `key: value` (\(text.prefix(60))); give /etc/pve/qemu-server/VMID.conf unedited"
        case .notProxmox:
            return "this is `key: value` text, but none of its keys is a Proxmox VM setting (name, memory, ostype, net0, ...); give /etc/pve/qemu-server/VMID.conf"
        case .badNIC(let key, let value):
            return "\(key) '\(value.prefix(60))' does not start with MODEL=MAC (e.g. virtio=BC:24:11:00:00:01); fix it with `qm set VMID --\(key) virtio,bridge=vmbr0`"
        }
    }
}

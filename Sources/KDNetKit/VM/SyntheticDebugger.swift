import Foundation

/// QEMU's Hyper-V synthetic debugger (hw/hyperv/syndbg.c): `-device hv-syndbg,host_ip=,host_port=`
/// beside `-device vmbus-bridge`, with `hv-syndbg` in `-cpu`. KDNET then goes through the
/// hypervisor, not a NIC: QEMU itself sends each datagram over UDP/IPv4 from an ephemeral
/// port of this host to host_ip:host_port, so the host's own input chain judges it.
public struct SyntheticDebugger: Sendable, Hashable, Codable {
    /// syndbg.c: `DEFINE_PROP_UINT16("host_port", HvSynDbg, host_port, 50000)`.
    public static let defaultPort = 50000

    /// `-device hv-syndbg` is given; without it the CPU flag alone has no host end.
    public var device: Bool
    /// `hv-syndbg` is on in `-cpu`: what makes Windows see the synthetic debugger.
    public var cpuFlag: Bool
    /// `-device vmbus-bridge` is given; QEMU refuses hv-syndbg without it.
    public var vmbusBridge: Bool
    /// As written; nil when absent (QEMU requires it).
    public var hostIP: String?
    /// As written; nil means QEMU's 50000.
    public var hostPort: String?

    public init(device: Bool, cpuFlag: Bool, vmbusBridge: Bool, hostIP: String? = nil, hostPort: String? = nil) {
        self.device = device
        self.cpuFlag = cpuFlag
        self.vmbusBridge = vmbusBridge
        self.hostIP = hostIP
        self.hostPort = hostPort
    }

    /// From QEMU's `-device` values and the normalized `-cpu` Hyper-V flags; nil when the VM
    /// uses neither half of it.
    static func from(devices: [QEMUOptionString], cpuFlags: [String]) -> SyntheticDebugger? {
        func driver(_ d: QEMUOptionString) -> String? { d.positional ?? d["driver"] }
        let syndbg = devices.last { driver($0) == "hv-syndbg" }
        let cpuFlag = cpuFlags.contains("hv-syndbg")
        guard syndbg != nil || cpuFlag else { return nil }
        return SyntheticDebugger(device: syndbg != nil, cpuFlag: cpuFlag,
                                 vmbusBridge: devices.contains { driver($0) == "vmbus-bridge" },
                                 hostIP: syndbg?["host_ip"], hostPort: syndbg?["host_port"])
    }

    /// The port QEMU sends to: host_port, or 50000; nil when host_port is not a number.
    public var port: Int? { hostPort.map { Int($0.trimmingCharacters(in: .whitespaces)) } ?? Self.defaultPort }
}

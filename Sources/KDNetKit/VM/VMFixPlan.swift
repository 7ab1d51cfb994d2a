import Foundation

/// What `kdnetctl vm fix` proposes for one VM: each change with the check it answers, what
/// the user must know first, and how to make the VM pick the changes up.
public struct VMFixPlan: Sendable, Hashable, Codable {
    public struct Step: Sendable, Hashable, Codable {
        public var change: VMFixChange
        /// One sentence naming the check this fixes, e.g. "nic-model: virtio on a pc
        /// machine is transitional (1af4:1000); KDNET is not known to drive it; e1000e is on
        /// Microsoft's list from Windows 8.1".
        public var reason: String

        public init(change: VMFixChange, reason: String) {
            self.change = change
            self.reason = reason
        }
    }

    /// Where the VM is defined, which decides how it is power-cycled.
    public enum Platform: Sendable, Hashable, Codable {
        case libvirt(domain: String)
        case proxmox(vmid: Int)
        case qemu
    }

    public var steps: [Step]
    public var warnings: [String]
    public var powerCycle: String

    public var changes: [VMFixChange] { steps.map(\.change) }

    /// Warnings are those of the changes (see `VMFixChange.warnings`), once each, in step
    /// order; callers add platform-specific ones from the edit results.
    public init(steps: [Step], platform: Platform) {
        self.steps = steps
        var seen = Set<String>()
        warnings = steps.flatMap(\.change.warnings).filter { seen.insert($0).inserted }
        powerCycle = Self.powerCycleInstruction(platform, resetsNVRAM: steps.contains { $0.change == .disableSecureBoot })
    }

    /// QEMU reads the device list and CPU flags when its process starts; a guest reboot
    /// keeps the process, so only a power-off and a fresh start applies the changes.
    public static func powerCycleInstruction(_ platform: Platform, resetsNVRAM: Bool = false) -> String {
        switch platform {
        case .libvirt(let domain):
            let name = ShellWord.quoted(domain)
            let start = resetsNVRAM ? "virsh start \(name) --reset-nvram" : "virsh start \(name)"
            return "power the VM off and start it again (virsh shutdown \(name), then \(start)): a reboot from inside Windows keeps the old devices"
        case .proxmox(let vmid):
            return "power the VM off and start it again (qm shutdown \(vmid), then qm start \(vmid)): a reboot from inside Windows keeps the old devices"
        case .qemu:
            return "power the VM off and start QEMU again with the new command line: a reboot from inside Windows keeps the old devices"
        }
    }
}

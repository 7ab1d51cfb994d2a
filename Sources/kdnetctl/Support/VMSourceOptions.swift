import ArgumentParser
import KDNetKit

/// Where `vm`, `doctor --vm` and `wizard --vm` look for VMs.
struct VMSourceOptions: ParsableArguments {
    @Option(name: .customLong("connect"), help: ArgumentHelp("The libvirt connection URI (default: $LIBVIRT_DEFAULT_URI, then qemu:///system).", valueName: "uri"))
    var connect: String?

    @Option(name: .customLong("qemu-pid"), parsing: .unconditional, help: ArgumentHelp("Read the QEMU process with this pid (from /proc/PID/cmdline).", valueName: "pid"), transform: ArgumentValue.wholeNumber)
    var qemuPID: Int?

    @Option(name: .customLong("proxmox-config"), help: ArgumentHelp("A Proxmox VMID.conf or its directory (default: /etc/pve/qemu-server when it exists).", valueName: "file"))
    var proxmoxConfig: String?

    /// libvirt is asked unless the user pointed only at a QEMU process or Proxmox files.
    var sources: VMSources {
        VMSources(connect: connect, qemuPID: qemuPID, proxmox: proxmoxConfig,
                  useLibvirt: connect != nil || (qemuPID == nil && proxmoxConfig == nil))
    }

    func validate() throws {
        if let qemuPID, qemuPID <= 0 { throw ValidationError("--qemu-pid \(qemuPID) is not a process id; give the pid of a qemu-system-* process (pgrep -a qemu)") }
    }

    /// The one VM named, or the only VM that `--qemu-pid` / a single `--proxmox-config` file shows;
    /// a name or source that shows no one VM is a usage error; a named file that is refused
    /// is a runtime failure.
    func resolve(_ name: String?, in catalog: VMCatalog) throws -> VirtualMachine {
        // A --proxmox-config file that is refused is a bad file (1), whatever VM was named.
        if let proxmoxConfig, let bad = catalog.badFiles[proxmoxConfig] { throw UserFacingError(bad) }
        if let name { return try ValidationError.fromFlags { try catalog.find(name) } }
        if qemuPID != nil, let vm = catalog.vms.first(where: { $0.source == .qemu }) { return vm }
        let proxmox = catalog.vms.filter { $0.source == .proxmox }
        if proxmoxConfig != nil, proxmox.count == 1 { return proxmox[0] }
        if let problem = catalog.problems.first { throw ValidationError(problem) }
        let known = catalog.vms.map(\.name)
        throw ValidationError(known.isEmpty ? "no VM found; see `kdnetctl vm list`" : "name the VM, one of: \(known.joined(separator: ", "))")
    }
}

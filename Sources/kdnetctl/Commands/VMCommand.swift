import ArgumentParser
import Foundation
import KDNetKit

struct VMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm",
        abstract: "Find the Windows VMs on this host and check or fix them for KDNET.",
        discussion: """
            Reads VMs from libvirt (its C API, --connect), from running QEMU processes \
            (/proc/PID/cmdline, --qemu-pid) and from Proxmox VE configuration files \
            (--proxmox-config, or /etc/pve/qemu-server), into one model that the checks \
            and fixes judge.
            """,
        subcommands: [VMListCommand.self, VMCheckCommand.self, VMFixCommand.self]
    )
}

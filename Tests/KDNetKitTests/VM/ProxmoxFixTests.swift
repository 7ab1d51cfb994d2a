import Foundation
import Testing
@testable import KDNetKit

@Suite struct ProxmoxFixTests {
    static let conf = """
        # Windows 11 test VM
        agent: 1
        bios: ovmf
        boot: order=scsi0;net0
        cores: 4
        cpu: x86-64-v2-AES,flags=+aes
        efidisk0: local-lvm:vm-104-disk-0,efitype=4m,pre-enrolled-keys=1,size=4M
        machine: pc-q35-8.1
        memory: 8192
        name: win11
        net0: virtio=BC:24:11:6E:0D:44,bridge=vmbr0,firewall=1,queues=4,mtu=1
        net1: model=virtio,macaddr=BC:24:11:6E:0D:45,bridge=vmbr1,tag=20
        ostype: win11
        scsi0: local-lvm:vm-104-disk-1,iothread=1,size=64G
        tpmstate0: local-lvm:vm-104-disk-2,size=4M,version=v2.0

        [snapshot1]
        net2: e1000=BC:24:11:6E:0D:46,bridge=vmbr0
        """

    @Test func mainSectionStopsAtTheFirstSnapshot() {
        let c = ProxmoxFix.mainSection(Self.conf)
        #expect(c["net0"] == "virtio=BC:24:11:6E:0D:44,bridge=vmbr0,firewall=1,queues=4,mtu=1")
        #expect(c["net2"] == nil)
        #expect(c.count == 14)
    }

    @Test func commandsForEveryChange() throws {
        let r = try ProxmoxFix.commands(vmid: 104, config: ProxmoxFix.mainSection(Self.conf), changes: [
            .nicModel(mac: "bc:24:11:6e:0d:44", to: "e1000e"),
            .nicModel(mac: "BC:24:11:6E:0D:45", to: "e1000e"),
            .addDebugNIC(network: "vmbr0", model: "e1000e"),
            .hypervVendorID(value: "KVMKVMKVM"),
            .disableSecureBoot,
        ])
        #expect(r.commands == [
            "qm set 104 --net0 e1000e=BC:24:11:6E:0D:44,bridge=vmbr0,firewall=1",
            "qm set 104 --net1 e1000e=BC:24:11:6E:0D:45,bridge=vmbr1,tag=20",
            "qm set 104 --net2 e1000e,bridge=vmbr0",
            "qm set 104 --cpu x86-64-v2-AES,flags=+aes,hv-vendor-id=KVMKVMKVM",
        ])
        #expect(r.notes == [
            "net0: dropped queues=4, mtu=1: Proxmox uses them for virtio NICs only",
            "turning Secure Boot off changes the measured boot state: BitLocker will ask for its recovery key unless it is suspended first (manage-bde -protectors -disable C: -RebootCount 1); a TPM-sealed secret may need to be re-sealed",
            "the efidisk's enrolled keys cannot be removed with qm set: turn Secure Boot off in the OVMF setup menu (Esc at boot, Device Manager > Secure Boot Configuration), or recreate efidisk0 with pre-enrolled-keys=0 (qm set 104 --delete efidisk0, then qm set 104 --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0; the size is ignored for an efidisk and the blank vars template is copied in, so the UEFI boot entries start afresh)",
        ])
    }

    @Test func cpuDefaultsAndExistingVendorID() throws {
        let bare = try ProxmoxFix.commands(vmid: 7, config: ["ostype": "win10"], changes: [.hypervVendorID(value: "KVMKVMKVM")])
        #expect(bare.commands == ["qm set 7 --cpu kvm64,hv-vendor-id=KVMKVMKVM"])
        #expect(bare.notes == ["the VM has no cpu: line, so its CPU type is Proxmox's default kvm64; the command keeps it"])
        let replaced = try ProxmoxFix.commands(vmid: 7, config: ["cpu": "cputype=host,hv-vendor-id=proxmox,hidden=1", "ostype": "win11"],
                                               changes: [.hypervVendorID(value: "KVMKVMKVM")])
        #expect(replaced.commands == ["qm set 7 --cpu cputype=host,hidden=1,hv-vendor-id=KVMKVMKVM"])
        #expect(replaced.notes.isEmpty)
        let linux = try ProxmoxFix.commands(vmid: 7, config: ["cpu": "host", "ostype": "l26"], changes: [.hypervVendorID(value: "KVMKVMKVM")])
        #expect(linux.notes == ["Proxmox passes hv-vendor-id to QEMU only with its Hyper-V enlightenments, which it turns on for a Windows ostype (win8 or later with OVMF); set ostype first (qm set 7 --ostype win11)"])
    }

    /// `args:` comes after the -cpu made from `cpu:`, and QEMU lets the last -cpu win: the
    /// vendor id must go into args:, or it never reaches QEMU.
    @Test func aCPUInArgsIsTheOneChanged() throws {
        let config = ProxmoxFix.mainSection(try FixtureFiles.text("vm/proxmox/102.conf"))
        let r = try ProxmoxFix.commands(vmid: 102, config: config, changes: [.hypervVendorID(value: "KVMKVMKVM")])
        #expect(r.commands == ["qm set 102 --args '-cpu host,hv_relaxed,hv_vapic,hv_time,hv-vendor-id=KVMKVMKVM'"])
        #expect(r.notes == ["args: sets -cpu, which replaces the CPU made from the cpu: line, so the vendor id goes into args:"])
        // The other words of args: stay as they were, quoted as Proxmox's split_args reads them.
        let more = try ProxmoxFix.commands(vmid: 9, config: ["args": "-no-reboot -cpu 'host,hv_vendor_id=old' -smbios 'type=0,vendor=FOO BAR'", "cpu": "host"],
                                           changes: [.hypervVendorID(value: "KVMKVMKVM")])
        #expect(more.commands == [#"qm set 9 --args '-no-reboot -cpu host,hv-vendor-id=KVMKVMKVM -smbios '\''type=0,vendor=FOO BAR'\'''"#])
        #expect(throws: VMFixError.unprintableProxmoxArgs) {
            try ProxmoxFix.commands(vmid: 9, config: ["args": "-cpu host -name \u{1B}[31m"], changes: [.hypervVendorID(value: "KVMKVMKVM")])
        }
        // Without -cpu in args:, cpu: is still the place.
        let noCPU = try ProxmoxFix.commands(vmid: 9, config: ["args": "-no-reboot", "cpu": "host", "ostype": "win11"], changes: [.hypervVendorID(value: "KVMKVMKVM")])
        #expect(noCPU.commands == ["qm set 9 --cpu host,hv-vendor-id=KVMKVMKVM"])
    }

    @Test func refusals() {
        let config = ProxmoxFix.mainSection(Self.conf)
        #expect(throws: VMFixError.unknownMAC("BC:24:11:00:00:00", known: ["BC:24:11:6E:0D:44", "BC:24:11:6E:0D:45"])) {
            try ProxmoxFix.commands(vmid: 104, config: config, changes: [.nicModel(mac: "BC:24:11:00:00:00", to: "e1000e")])
        }
        #expect(throws: VMFixError.vendorIDBadCharacters("KVM-KVM")) {
            try ProxmoxFix.commands(vmid: 104, config: config, changes: [.hypervVendorID(value: "KVM-KVM")])
        }
        var full: [String: String] = [:]
        for n in 0..<32 { full["net\(n)"] = "e1000e=BC:24:11:00:00:\(String(format: "%02X", n)),bridge=vmbr0" }
        #expect(throws: VMFixError.noFreeProxmoxNet) {
            try ProxmoxFix.commands(vmid: 1, config: full, changes: [.addDebugNIC(network: "vmbr0", model: "e1000e")])
        }
    }
}

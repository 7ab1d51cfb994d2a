import Testing
@testable import KDNetKit

@Suite struct ProxmoxConfigTests {
    static let win11 = """
    #Windows 11 build box
    #KDNET target on vmbr1
    agent: 1
    balloon: 0
    bios: ovmf
    boot: order=scsi0;ide2;net0
    cores: 4
    cpu: host,flags=+hv-tlbflush;+hv-evmcs,hv-vendor-id=proxmox
    efidisk0: local-zfs:vm-101-disk-0,efitype=4m,ms-cert=2023,pre-enrolled-keys=1,size=1M
    ide2: local:iso/virtio-win-0.1.262.iso,media=cdrom,size=708140K
    machine: pc-q35-8.1
    memory: 8192
    meta: creation-qemu=8.1.5,ctime=1714031234
    name: win11-kdnet
    net0: virtio=BC:24:11:2E:3F:4A,bridge=vmbr0,firewall=1,tag=10
    net1: e1000e=BC:24:11:2E:3F:4B,bridge=vmbr1
    numa: 0
    ostype: win11
    scsi0: local-zfs:vm-101-disk-1,cache=writeback,discard=on,iothread=1,size=64G
    scsihw: virtio-scsi-single
    smbios1: uuid=7d3c2b1a-1111-4222-8333-944455566677
    sockets: 1
    tpmstate0: local-zfs:vm-101-disk-2,size=4M,version=v2.0
    vmgenid: 1c2d3e4f-aaaa-4bbb-8ccc-ddddeeeeffff

    [before-kdnet]
    bios: seabios
    machine: pc-i440fx-7.2
    name: win11-old
    net0: e1000=BC:24:11:00:00:01,bridge=vmbr9
    ostype: win10
    snaptime: 1714031300
    """

    @Test func win11OnQ35WithSnapshotIgnored() throws {
        let vm = try ProxmoxConfig.parse(Self.win11, vmid: 101, state: .running)
        #expect(vm.name == "win11-kdnet")
        #expect(vm.source == .proxmox)
        #expect(vm.identifier == "101")
        #expect(vm.state == .running)
        #expect(vm.machine == "pc-q35-8.1")
        #expect(vm.isQ35)
        #expect(vm.osHint == "win11")
        #expect(vm.windowsHint == "11")
        #expect(vm.persistentDiffersFromLive == false)
        #expect(vm.nics.count == 2)

        let virtio = vm.nics[0]
        #expect(virtio.mac == "bc:24:11:2e:3f:4a")
        #expect(virtio.model == "virtio")
        #expect(virtio.virtioTransport == .transitional)
        #expect(virtio.pciIdentity?.tableKey == "1AF4:1000")
        #expect(virtio.mode == .bridge)
        #expect(virtio.bridgeName == "vmbr0")
        #expect(virtio.address == nil)  // behind Proxmox's pci-bridge on q35

        let e1000e = vm.nics[1]
        #expect(e1000e.model == "e1000e")
        #expect(e1000e.bridgeName == "vmbr1")
        #expect(e1000e.pciIdentity?.tableKey == "8086:10D3")

        #expect(vm.hypervisor.hypervEnlightenments)
        #expect(vm.hypervisor.vendorID == "proxmox")
        #expect(vm.hypervisor.flags.contains("hv-tlbflush"))
        #expect(vm.hypervisor.flags.contains("hv-evmcs"))
        #expect(vm.hypervisor.flags.contains("hv-relaxed"))
        #expect(vm.hypervisor.flags.count == 12)

        #expect(vm.firmware == Firmware(kind: .uefi, secureBoot: true, loaderPath: nil))
    }

    /// QEMU takes the last -cpu whole, and args: comes after the one made from cpu: and
    /// the ostype: a -cpu in args: is the running CPU, with its flags and vendor id alone.
    @Test func aCPUInArgsReplacesTheOneFromTheCPULine() throws {
        let vm = try ProxmoxConfig.parse(try FixtureFiles.text("vm/proxmox/102.conf"), vmid: 102)
        #expect(vm.hypervisor.flags == ["hv-relaxed", "hv-time", "hv-vapic"])
        #expect(vm.hypervisor.vendorID == nil)
        let hidden = try ProxmoxConfig.parse("""
            cpu: host,hv-vendor-id=KVMKVMKVM
            ostype: win11
            args: -no-reboot -cpu host,hv_relaxed
            """, vmid: 9)
        #expect(hidden.hypervisor.vendorID == nil && hidden.hypervisor.flags == ["hv-relaxed"])
    }

    @Test func win10OnI440FXWithPendingChanges() throws {
        let conf = """
        boot: order=ide0
        cores: 2
        ide0: local-lvm:vm-102-disk-0,size=40G
        memory: 4096
        name: win10
        net0: virtio=BC:24:11:AA:00:01
        net1: model=rtl8139,macaddr=BC:24:11:AA:00:02,bridge=vmbr0
        ostype: win10
        args: -cpu 'host,hv_vendor_id=KVMKVMKVM,hv_relaxed'

        [PENDING]
        net0: e1000e=BC:24:11:AA:00:01,bridge=vmbr0
        """
        let vm = try ProxmoxConfig.parse(conf, vmid: 102)
        #expect(vm.machine == "pc")
        #expect(!vm.isQ35)
        #expect(vm.persistentDiffersFromLive == true)
        #expect(vm.windowsHint == "10")
        #expect(vm.nics.count == 2)
        #expect(vm.nics[0].model == "virtio")  // the main section, not [PENDING]
        #expect(vm.nics[0].mode == .user)
        #expect(vm.nics[0].backend == "slirp")
        #expect(vm.nics[0].address == PCIAddress(bus: 0, device: 18, function: 0))
        #expect(vm.nics[0].virtioTransport == .transitional)
        #expect(vm.nics[1].model == "rtl8139")
        #expect(vm.nics[1].mac == "bc:24:11:aa:00:02")
        #expect(vm.nics[1].address?.busparams == "0.19.0")
        #expect(vm.nics[1].pciIdentity?.tableKey == "10EC:8139")
        #expect(vm.hypervisor.vendorID == "KVMKVMKVM")
        #expect(vm.hypervisor.hypervEnlightenments)
        #expect(vm.firmware == Firmware(kind: .bios, secureBoot: false, loaderPath: nil))
    }

    @Test func enlightenmentDefaultsFollowQemuServer() throws {
        func hv(_ extra: String) throws -> HypervisorFeatures {
            try ProxmoxConfig.parse("name: t\nnet0: e1000=BC:24:11:00:00:09,bridge=vmbr0\n" + extra).hypervisor
        }
        #expect(try hv("ostype: l26").hypervEnlightenments == false)
        #expect(try hv("ostype: win7\nbios: ovmf").hypervEnlightenments == false)  // OVMF and < win8
        let w2k8 = try hv("ostype: w2k8")
        #expect(w2k8.hypervEnlightenments)
        #expect(!w2k8.flags.contains("hv-relaxed"))  // relaxed only from win7
        #expect(w2k8.vendorID == nil)
        let win7 = try hv("ostype: win7")
        #expect(win7.flags.contains("hv-relaxed"))
        #expect(win7.identifiesAsMicrosoftHv)
        let gpu = try hv("ostype: win10\nhostpci0: 0000:01:00,pcie=1,x-vga=1")
        #expect(gpu.vendorID == "proxmox")
        #expect(try ProxmoxConfig.parse("name: t\nostype: win7").windowsHint == nil)
    }

    @Test func secureBootFromEfidisk() throws {
        func sb(_ lines: String) throws -> Firmware {
            try ProxmoxConfig.parse("name: t\n" + lines).firmware
        }
        #expect(try sb("bios: ovmf\nefidisk0: local:vm-1-disk-0,efitype=4m,pre-enrolled-keys=0").secureBoot == false)
        #expect(try sb("bios: ovmf\nefidisk0: local:vm-1-disk-0,efitype=4m").secureBoot == false)  // schema default 0
        #expect(try sb("bios: ovmf\nefidisk0: local:vm-1-disk-0,pre-enrolled-keys=1").secureBoot == false)  // 2m: no keys
        #expect(try sb("bios: ovmf").secureBoot == false)
        #expect(try sb("bios: ovmf\nefidisk0: local:vm-1-disk-0,efitype=4m,pre-enrolled-keys=1").kind == .uefi)
        #expect(try sb("bios: seabios") == Firmware(kind: .bios, secureBoot: false))
    }

    @Test func machineForms() {
        #expect(ProxmoxConfig.machineType("q35") == "q35")
        #expect(ProxmoxConfig.machineType("type=q35,viommu=virtio") == "q35")
        #expect(ProxmoxConfig.machineType("pc-i440fx-8.1+pve0") == "pc-i440fx-8.1+pve0")
        #expect(ProxmoxConfig.machineType(nil) == "pc")
    }

    @Test func nameFallsBackToVMID() throws {
        #expect(try ProxmoxConfig.parse("ostype: win11\n", vmid: 205).name == "VM 205")
    }

    @Test func malformedConfigs() {
        #expect(throws: ProxmoxConfigError.empty) { try ProxmoxConfig.parse("") }
        #expect(throws: ProxmoxConfigError.empty) { try ProxmoxConfig.parse("#only a description\n\n[snap]\nname: x\n") }
        #expect(throws: ProxmoxConfigError.badLine(line: 2, text: "this is not a setting")) {
            try ProxmoxConfig.parse("name: x\nthis is not a setting\n")
        }
        #expect(throws: ProxmoxConfigError.badNIC(key: "net0", value: "bridge=vmbr0")) {
            try ProxmoxConfig.parse("name: x\nnet0: bridge=vmbr0\n")
        }
        #expect(throws: ProxmoxConfigError.badNIC(key: "net3", value: "")) {
            try ProxmoxConfig.parse("name: x\nnet3:\n")
        }
        // /etc/passwd parses as `key: value` but holds no Proxmox setting.
        #expect(throws: ProxmoxConfigError.notProxmox) {
            try ProxmoxConfig.parse("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
        }
        #expect(ProxmoxConfig.isVMSetting("net0") && ProxmoxConfig.isVMSetting("efidisk0") && !ProxmoxConfig.isVMSetting("net") && !ProxmoxConfig.isVMSetting("root"))
        let msg = ProxmoxConfigError.badNIC(key: "net0", value: "x").errorDescription ?? ""
        #expect(msg.contains("qm set VMID --net0"))
    }
}

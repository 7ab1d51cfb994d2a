import Testing
@testable import KDNetKit

@Suite struct QEMUCommandLineTests {
    static func cmdline(_ args: [String]) -> String { args.joined(separator: "\0") + "\0" }

    /// What libvirt 9/10 starts: JSON -device/-netdev/-blockdev, -S, `-name guest=`.
    static let libvirtStarted = cmdline([
        "/usr/bin/qemu-system-x86_64",
        "-name", "guest=win11,debug-threads=on",
        "-S",
        "-object", #"{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-7-win11/master-key.aes"}"#,
        "-blockdev", #"{"driver":"file","filename":"/usr/share/OVMF/OVMF_CODE_4M.ms.fd","node-name":"libvirt-pflash0-storage","auto-read-only":true,"discard":"unmap"}"#,
        "-blockdev", #"{"node-name":"libvirt-pflash0-format","read-only":true,"driver":"raw","file":"libvirt-pflash0-storage"}"#,
        "-blockdev", #"{"driver":"file","filename":"/var/lib/libvirt/qemu/nvram/win11_VARS.fd","node-name":"libvirt-pflash1-storage","auto-read-only":true,"discard":"unmap"}"#,
        "-blockdev", #"{"node-name":"libvirt-pflash1-format","read-only":false,"driver":"raw","file":"libvirt-pflash1-storage"}"#,
        "-machine", "pc-q35-8.1,usb=off,vmport=off,smm=on,dump-guest-core=off,memory-backend=pc.ram,pflash0=libvirt-pflash0-format,pflash1=libvirt-pflash1-format,hpet=off,acpi=on",
        "-accel", "kvm",
        "-cpu", "host,migratable=on,hv-time=on,hv-relaxed=on,hv-vapic=on,hv-spinlocks=0x1fff,hv-vpindex=on,hv-synic=off,hv-vendor-id=KVMKVMKVM",
        "-m", "size=8388608k",
        "-uuid", "3f1a3c52-8d3e-4bb0-9a43-3b1d2c9f0a11",
        "-no-user-config", "-nodefaults",
        "-device", #"{"driver":"pcie-root-port","port":16,"chassis":1,"id":"pci.1","bus":"pcie.0","multifunction":true,"addr":"0x2"}"#,
        "-device", #"{"driver":"pcie-root-port","port":17,"chassis":2,"id":"pci.2","bus":"pcie.0","addr":"0x2.0x1"}"#,
        "-netdev", #"{"type":"tap","fd":"33","vhost":true,"vhostfd":"35","id":"hostnet0"}"#,
        "-device", #"{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:8A:1B:2C","bus":"pci.1","addr":"0x0"}"#,
        "-netdev", #"{"type":"tap","fd":"36","id":"hostnet1"}"#,
        "-device", #"{"driver":"e1000e","netdev":"hostnet1","id":"net1","mac":"52:54:00:11:22:33","bus":"pcie.0","addr":"0x5"}"#,
        "-msg", "timestamp=on",
    ])

    @Test func libvirtStartedQEMU() throws {
        let vm = try QEMUCommandLine.parse(cmdline: Self.libvirtStarted)
        #expect(vm.name == "win11")
        #expect(vm.source == .qemu)
        #expect(vm.state == .unknown)  // libvirt always passes -S
        #expect(vm.identifier == "3f1a3c52-8d3e-4bb0-9a43-3b1d2c9f0a11")
        #expect(vm.machine == "pc-q35-8.1")
        #expect(vm.isQ35)
        #expect(vm.osHint == nil)
        #expect(vm.nics.count == 2)

        let virtio = vm.nics[0]
        #expect(virtio.mac == "52:54:00:8a:1b:2c")
        #expect(virtio.model == "virtio-net-pci")
        #expect(virtio.virtioTransport == .modern)  // bus pci.1 is a pcie-root-port
        #expect(virtio.pciIdentity?.tableKey == "1AF4:1041")
        #expect(virtio.mode == .tap)
        #expect(virtio.address == nil)  // behind a port: the guest numbers that bus

        let e1000e = vm.nics[1]
        #expect(e1000e.pciIdentity?.tableKey == "8086:10D3")
        #expect(e1000e.address == PCIAddress(bus: 0, device: 5, function: 0))

        #expect(vm.hypervisor.hypervEnlightenments)
        #expect(vm.hypervisor.vendorID == "KVMKVMKVM")
        #expect(vm.hypervisor.flags == ["hv-relaxed", "hv-spinlocks=0x1fff", "hv-time", "hv-vapic", "hv-vpindex"])

        #expect(vm.firmware == Firmware(kind: .uefi, secureBoot: true, loaderPath: "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"))
    }

    @Test func handWrittenQ35WithEveryVirtioSwitch() throws {
        let vm = try QEMUCommandLine.parse(arguments: [
            "qemu-system-x86_64", "-enable-kvm", "-M", "q35,accel=kvm", "-S",
            "-name", "lab,,vm one",
            "-cpu", "host,hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,+invtsc,-hypervisor",
            "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
            "-drive", "if=pflash,format=raw,unit=1,file=/srv/vm/lab_VARS.fd",
            "-drive", "file=/srv/vm/lab.qcow2,if=virtio",
            "-netdev", "user,id=n0,hostfwd=udp::50000-:50000",
            "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:AA:BB:01",
            "-netdev", "bridge,id=n1,br=br0",
            "-device", "virtio-net-pci,disable-legacy=on,netdev=n1,bus=pcie.0,addr=0x5,mac=52:54:00:aa:bb:02",
            "-device", "virtio-net-pci,disable-modern=on,netdev=n2,addr=06.0",
            "-netdev", "tap,id=n2,ifname=tap0,script=no,downscript=no",
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x7",
            "-device", "virtio-net-pci,netdev=n3,bus=rp1,id=nic,,3",
            "-netdev", "passt,id=n3",
            "-device", "virtio-net-pci,netdev=n4,bus=rp1,disable-legacy=off",
            "-device", "virtio-net-pci-non-transitional,netdev=n5",
            "-device", "virtio-net-pci-transitional,netdev=n6,bus=rp1",
            "-device", "virtio-net-pci,netdev=n7,bus=mystery",
        ])
        #expect(vm.name == "lab,vm one")  // ",," is a literal comma
        #expect(vm.state == .paused)  // -S and not started by libvirt
        #expect(vm.machine == "q35")
        #expect(vm.nics.map(\.virtioTransport) == [
            .transitional,  // no bus=: pcie.0, a root-complex integrated endpoint
            .modern,        // disable-legacy=on
            .legacyOnly,    // disable-modern=on
            .modern,        // behind a pcie-root-port
            .transitional,  // disable-legacy=off wins over the port
            .modern,        // -non-transitional
            .transitional,  // -transitional
            nil,            // a bus we cannot place
        ])
        #expect(vm.nics[0].mode == .user)
        #expect(vm.nics[0].backend == "slirp")
        #expect(vm.nics[0].pciIdentity?.tableKey == "1AF4:1000")
        #expect(vm.nics[1].mode == .bridge)
        #expect(vm.nics[1].bridgeName == "br0")
        #expect(vm.nics[1].address == PCIAddress(bus: 0, device: 5, function: 0))
        #expect(vm.nics[2].mode == .tap)
        #expect(vm.nics[2].sourceDevice == "tap0")
        #expect(vm.nics[2].address?.device == 6)
        #expect(vm.nics[2].pciIdentity?.tableKey == "1AF4:1000")
        #expect(vm.nics[3].backend == "passt")
        #expect(vm.nics[3].mode == .user)
        #expect(vm.nics[7].pciIdentity == nil)

        #expect(vm.hypervisor.flags == ["hv-relaxed", "hv-spinlocks=0x1fff", "hv-vapic"])
        #expect(vm.hypervisor.vendorID == nil)
        #expect(vm.hypervisor.identifiesAsMicrosoftHv)
        // An SMM build with a per-VM vars copy: Secure Boot capable, keys unknown.
        #expect(vm.firmware == Firmware(kind: .uefi, secureBoot: nil, loaderPath: "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"))
    }

    @Test func legacyNetAndNicForms() throws {
        let vm = try QEMUCommandLine.parse(arguments: [
            "/usr/bin/qemu-system-x86_64", "-machine", "type=pc-i440fx-7.2",
            "-net", "nic,model=rtl8139,macaddr=52:54:00:12:34:56", "-net", "user",
            "-nic", "tap,ifname=tap7,model=e1000e,mac=52:54:00:12:34:57",
            "-nic", "user,hostfwd=tcp::2222-:22",
            "-nic", "user,model=virtio-net-pci",
            "-bios", "/usr/share/ovmf/OVMF.fd",
        ], state: .running)
        #expect(vm.state == .running)
        #expect(vm.machine == "pc-i440fx-7.2")
        #expect(!vm.isQ35)
        #expect(vm.name == "qemu")
        #expect(vm.nics.map(\.model) == ["e1000e", "e1000", "virtio-net-pci", "rtl8139"])
        #expect(vm.nics.map(\.mode) == [.tap, .user, .user, .user])
        #expect(vm.nics[0].sourceDevice == "tap7")
        #expect(vm.nics[1].pciIdentity?.tableKey == "8086:100E")  // i440fx's default NIC
        #expect(vm.nics[2].virtioTransport == .transitional)
        #expect(vm.nics[3].mac == "52:54:00:12:34:56")
        #expect(vm.nics[3].pciIdentity?.tableKey == "10EC:8139")
        #expect(!vm.hypervisor.hypervEnlightenments)
        #expect(vm.firmware == Firmware(kind: .uefi, secureBoot: false, loaderPath: "/usr/share/ovmf/OVMF.fd"))
    }

    @Test func defaultsWithNothingGiven() throws {
        let vm = try QEMUCommandLine.parse(cmdline: Self.cmdline(["qemu-system-x86_64", "-m", "4G", "-nic", "user"]))
        #expect(vm.machine == "pc")
        #expect(vm.state == .running)
        #expect(vm.nics.first?.model == "e1000")
        #expect(vm.firmware == Firmware(kind: .bios, secureBoot: false, loaderPath: nil))
        let q35 = try QEMUCommandLine.parse(arguments: ["qemu-system-x86_64", "-M", "q35", "-nic", "user", "-nic", "none"])
        #expect(q35.nics.map(\.model) == ["e1000e"])
    }

    @Test func proxmoxStartedKVM() throws {
        let vm = try QEMUCommandLine.parse(arguments: [
            "/usr/bin/kvm", "-id", "100", "-name", "win11,debug-threads=on", "-no-shutdown",
            "-chardev", "socket,id=qmp,path=/var/run/qemu-server/100.qmp,server=on,wait=off",
            "-smbios", "type=1,uuid=5d4c3b2a-0000-4000-8000-000000000100",
            "-drive", "if=pflash,unit=0,format=raw,readonly=on,file=/usr/share/pve-edk2-firmware//OVMF_CODE_4M.secboot.fd",
            "-drive", "if=pflash,unit=1,id=drive-efidisk0,format=raw,file=/dev/zvol/rpool/data/vm-100-disk-0,size=540672",
            "-readconfig", "/usr/share/qemu-server/pve-q35-4.0.cfg",
            "-cpu", "host,hv_ipi,hv_relaxed,hv_reset,hv_runtime,hv_spinlocks=0x1fff,hv_stimer,hv_synic,hv_time,hv_vapic,hv_vpindex,+kvm_pv_eoi,+kvm_pv_unhalt",
            "-netdev", "type=tap,id=net0,ifname=tap100i0,script=/var/lib/qemu-server/pve-bridge,downscript=/var/lib/qemu-server/pve-bridgedown,vhost=on",
            "-device", "virtio-net-pci,mac=BC:24:11:2E:3F:4A,netdev=net0,bus=pci.0,addr=0x12,id=net0,rx_queue_size=1024,tx_queue_size=256,bootindex=102",
            "-machine", "type=pc-q35-8.1+pve0",
        ])
        #expect(vm.name == "win11")
        #expect(vm.identifier == "100")
        #expect(vm.machine == "pc-q35-8.1+pve0")
        let nic = try #require(vm.nics.first)
        #expect(nic.virtioTransport == .transitional)  // pci.0 is a pci-bridge in pve-q35-4.0.cfg
        #expect(nic.address == nil)
        #expect(nic.sourceDevice == "tap100i0")
        #expect(vm.hypervisor.flags.count == 10)
        #expect(vm.hypervisor.vendorID == nil)
        #expect(vm.firmware.kind == .uefi)
        #expect(vm.firmware.secureBoot == nil)  // Proxmox uses secboot code with or without keys
    }

    @Test func hvFlagsTurnedOffAndOnlyVendorID() throws {
        let off = try QEMUCommandLine.parse(arguments: ["qemu-kvm", "-cpu", "host,hv-relaxed=off,hv_vendor_id=KVMKVMKVM"])
        #expect(!off.hypervisor.hypervEnlightenments)
        #expect(off.hypervisor.vendorID == "KVMKVMKVM")
        #expect(off.hypervisor.flags.isEmpty)
    }

    @Test func malformedCommandLines() {
        #expect(throws: QEMUCommandLineError.empty) { try QEMUCommandLine.parse(cmdline: "") }
        #expect(throws: QEMUCommandLineError.notQEMU("/bin/bash")) { try QEMUCommandLine.parse(cmdline: "/bin/bash\0-c\0sleep 1\0") }
        #expect(throws: QEMUCommandLineError.missingValue("-device")) {
            try QEMUCommandLine.parse(cmdline: "qemu-system-x86_64\0-M\0q35\0-device")
        }
        #expect(throws: QEMUCommandLineError.self) {
            try QEMUCommandLine.parse(arguments: ["qemu-system-x86_64", "-device", #"{"driver":"virtio-net-pci","#])
        }
        let message = QEMUCommandLineError.missingValue("-device").errorDescription ?? ""
        #expect(message.contains("/proc/PID/cmdline"))
    }
}

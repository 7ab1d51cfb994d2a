import Foundation
import Testing
@testable import KDNetKit

@Suite struct QEMUArgvFixTests {
    /// A Proxmox-style hand-written command line: virtio with multiqueue and a virtio ROM.
    static let argv = [
        "/usr/bin/qemu-system-x86_64", "-machine", "q35,accel=kvm,smm=on",
        "-cpu", "host,hv_relaxed,hv_spinlocks=0x1fff,hv_vapic,hv_time",
        "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
        "-drive", "if=pflash,format=raw,unit=1,file=/var/lib/vms/win11_VARS.fd",
        "-netdev", "tap,id=net0,ifname=tap0,script=no,downscript=no,vhost=on,queues=4",
        "-device", "virtio-net-pci,mac=52:54:00:12:34:56,netdev=net0,bus=pcie.0,addr=0x3,id=net0,vectors=10,mq=on,packed=on,rx_queue_size=1024,tx_queue_size=256,disable-legacy=on,romfile=/usr/share/qemu/efi-virtio.rom,bootindex=2",
        "-name", "win11,debug-threads=on",
    ]

    @Test func nicBecomesE1000eKeepingItsPlace() throws {
        let r = try QEMUArgvFix.apply([.nicModel(mac: "52:54:00:12:34:56", to: "e1000e")], to: Self.argv)
        #expect(r.argv[12] == "e1000e,mac=52:54:00:12:34:56,netdev=net0,bus=pcie.0,addr=0x3,id=net0,bootindex=2")
        #expect(Array(r.argv[0..<12]) == Array(Self.argv[0..<12]))
        #expect(r.warnings == ["dropped vectors=10, mq=on, packed=on, rx_queue_size=1024, tx_queue_size=256, disable-legacy=on, romfile=/usr/share/qemu/efi-virtio.rom from the NIC 52:54:00:12:34:56: e1000e has no such properties"])
    }

    @Test func jsonDeviceAndNicForms() throws {
        let json = #"{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:8a:1b:2c","bus":"pci.1","addr":"0x0","disable-legacy":true}"#
        let r = try QEMUArgvFix.apply([.nicModel(mac: "52:54:00:8A:1B:2C", to: "e1000e")], to: ["qemu-system-x86_64", "-device", json])
        #expect(r.argv[2] == #"{"addr":"0x0","bus":"pci.1","driver":"e1000e","id":"net0","mac":"52:54:00:8a:1b:2c","netdev":"hostnet0"}"#)
        #expect(r.warnings == ["dropped disable-legacy=true from the NIC 52:54:00:8A:1B:2C: e1000e has no such properties"])

        let nic = try QEMUArgvFix.apply([.nicModel(mac: "52:54:00:00:00:07", to: "e1000e")],
                                        to: ["qemu-system-x86_64", "-nic", "user,model=virtio-net-pci,mac=52:54:00:00:00:07,hostfwd=tcp::2222-:22"])
        #expect(nic.argv[2] == "user,model=e1000e,mac=52:54:00:00:00:07,hostfwd=tcp::2222-:22")
        let net = try QEMUArgvFix.apply([.nicModel(mac: "52:54:00:00:00:08", to: "e1000e")],
                                        to: ["qemu-system-x86_64", "-net", "nic,macaddr=52:54:00:00:00:08", "-net", "user"])
        #expect(net.argv == ["qemu-system-x86_64", "-net", "nic,macaddr=52:54:00:00:00:08,model=e1000e", "-net", "user"])
    }

    @Test func unknownMACListsTheNICs() {
        #expect(throws: VMFixError.unknownMAC("52:54:00:99:99:99", known: ["52:54:00:12:34:56"])) {
            try QEMUArgvFix.apply([.nicModel(mac: "52:54:00:99:99:99", to: "e1000e")], to: Self.argv)
        }
    }

    @Test func vendorIDOnTheCPUWithEscapedCommas() throws {
        let r = try QEMUArgvFix.apply([.hypervVendorID(value: "KVMKVMKVM")], to: Self.argv)
        #expect(r.argv[4] == "host,hv_relaxed,hv_spinlocks=0x1fff,hv_vapic,hv_time,hv-vendor-id=KVMKVMKVM")
        // A model-id with a literal comma stays escaped; an old vendor id is replaced.
        let argv = ["qemu-system-x86_64", "-cpu", "qemu64", "-cpu", "Skylake-Client,model-id=Intel,, Inc.,hv_vendor_id=Microsoft,hv-relaxed"]
        let r2 = try QEMUArgvFix.apply([.hypervVendorID(value: "KVMKVMKVM")], to: argv)
        #expect(r2.argv == ["qemu-system-x86_64", "-cpu", "qemu64", "-cpu", "Skylake-Client,model-id=Intel,, Inc.,hv-relaxed,hv-vendor-id=KVMKVMKVM"])
        #expect(throws: VMFixError.noCPUOption) {
            try QEMUArgvFix.apply([.hypervVendorID(value: "KVMKVMKVM")], to: ["qemu-system-x86_64", "-m", "4G"])
        }
        #expect(throws: VMFixError.vendorIDTooLong("ABCDEFGHIJKLM")) {
            try QEMUArgvFix.apply([.hypervVendorID(value: "ABCDEFGHIJKLM")], to: Self.argv)
        }
    }

    @Test func secureBootSwapsTheCodeAndPointsAtTheVars() throws {
        let r = try QEMUArgvFix.apply([.disableSecureBoot], to: Self.argv)
        #expect(r.argv[6] == "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd")
        #expect(r.argv[8] == Self.argv[8])
        #expect(r.warnings.count == 2)
        #expect(r.warnings[1] == "the UEFI vars file /var/lib/vms/win11_VARS.fd holds the enrolled Secure Boot keys: keep it aside and start from a fresh copy of the blank vars template that goes with the firmware (on Debian /usr/share/OVMF/OVMF_VARS_4M.fd)")
    }

    @Test func shellLineQuotesOnlyWhatNeedsIt() {
        #expect(QEMUArgvFix.shellLine(["qemu-system-x86_64", "-name", "win 11", "-cpu", "host,hv-vendor-id=KVMKVMKVM", "-append", "it's", ""])
                == #"qemu-system-x86_64 -name 'win 11' -cpu host,hv-vendor-id=KVMKVMKVM -append 'it'\''s' ''"#)
        #expect(ShellWord.quoted("$HOME") == "'$HOME'")
    }
}

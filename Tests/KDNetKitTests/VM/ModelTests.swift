import Foundation
import Testing
@testable import KDNetKit

@Suite struct ModelTests {
    @Test func windowsHints() {
        #expect(WindowsHint.release(forOSHint: "http://microsoft.com/win/11") == "11")
        #expect(WindowsHint.release(forOSHint: "http://microsoft.com/win/10") == "10")
        #expect(WindowsHint.release(forOSHint: "http://microsoft.com/win/8.1") == "8.1")
        #expect(WindowsHint.release(forOSHint: "http://microsoft.com/win/2k22") == "20348")
        #expect(WindowsHint.release(forOSHint: "http://microsoft.com/win/2k19") == "17763")
        #expect(WindowsHint.release(forOSHint: "http://microsoft.com/win/2k25") == "26100")
        #expect(WindowsHint.release(forOSHint: "http://microsoft.com/win/7") == nil)
        #expect(WindowsHint.release(forOSHint: "win11") == "11")
        #expect(WindowsHint.release(forOSHint: "win10") == "10")
        #expect(WindowsHint.release(forOSHint: "win8") == "8.1")
        #expect(WindowsHint.release(forOSHint: "win7") == nil)
        #expect(WindowsHint.release(forOSHint: "w2k8") == nil)
        #expect(WindowsHint.release(forOSHint: "l26") == nil)
        #expect(WindowsHint.release(forOSHint: nil) == nil)
    }

    @Test func optionStringEscaping() {
        #expect(QEMUOptionString.split("a,b") == ["a", "b"])
        #expect(QEMUOptionString.split("file=/x,,y,readonly=on") == ["file=/x,y", "readonly=on"])
        #expect(QEMUOptionString.split("a,,,,b") == ["a,,b"])
        #expect(QEMUOptionString.split("a,,,b") == ["a,", "b"])
        #expect(QEMUOptionString.split("") == [])
        #expect(QEMUOptionString.split("a,") == ["a", ""])
        let o = QEMUOptionString("q35,accel=kvm,usb=off,accel=tcg")
        #expect(o.positional == "q35")
        #expect(o["accel"] == "tcg")  // the later value wins, as in QEMU
        #expect(o["missing"] == nil)
    }

    @Test func jsonOptionsKeepTypes() throws {
        let o = try #require(QEMUOptionString(json: #"{"driver":"pcie-root-port","port":16,"multifunction":true,"x":false,"bus":"pcie.0"}"#))
        #expect(o["driver"] == "pcie-root-port")
        #expect(o["port"] == "16")
        #expect(o["multifunction"] == "on")
        #expect(o["x"] == "off")
        #expect(QEMUOptionString(json: "[1,2]") == nil)
    }

    @Test func pciIDsByModel() {
        let ids: [String: String] = [
            "e1000": "8086:100E", "e1000e": "8086:10D3", "rtl8139": "10EC:8139", "vmxnet3": "15AD:07B0",
            "ne2k_pci": "10EC:8029", "pcnet": "1022:2000", "i82559er": "8086:1209", "i82557b": "8086:1229",
            "i82551": "8086:1209", "e1000-82545em": "8086:100F",
        ]
        for (model, pair) in ids {
            #expect(NICModelCatalog.pciID(model: model, transport: nil)?.tableKey == pair, "\(model)")
        }
        #expect(NICModelCatalog.pciID(model: "ne2k_isa", transport: nil) == nil)
        #expect(NICModelCatalog.pciID(model: "virtio", transport: nil) == nil)
        #expect(NICModelCatalog.pciID(model: "virtio-net-pci", transport: .legacyOnly)?.tableKey == "1AF4:1000")
        #expect(NICModelCatalog.transportFixedByModel("virtio-net-pci-non-transitional") == .modern)
        #expect(NICModelCatalog.transportFixedByModel("virtio-transitional") == .transitional)
        #expect(NICModelCatalog.transportFixedByModel("virtio") == nil)
    }

    @Test func addressFormatting() {
        let a = PCIAddress(domain: 0, bus: 1, device: 0x1f, function: 3)
        #expect(a.description == "01:1f.3")
        #expect(a.busparams == "1.31.3")
    }

    @Test func q35Detection() {
        for (machine, q35) in [("q35", true), ("pc-q35-8.1", true), ("pc-q35-rhel9.4.0", true), ("pc", false), ("pc-i440fx-7.2", false)] {
            #expect(VirtualMachine(name: "m", source: .qemu, machine: machine).isQ35 == q35)
        }
    }

    @Test func jsonCarriesDerivedFields() throws {
        let vm = VirtualMachine(
            name: "w", source: .proxmox, machine: "q35", osHint: "win10",
            nics: [VMNIC(mac: "AA:BB:CC:DD:EE:FF", model: "virtio", virtioTransport: .modern, mode: .bridge, bridgeName: "vmbr0")])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(vm), as: UTF8.self)
        #expect(text.contains(#""isQ35":true"#))
        #expect(text.contains(#""windowsHint":"10""#))
        #expect(text.contains(#""pciIdentity":"1af4:1041""#))
        #expect(text.contains(#""mac":"aa:bb:cc:dd:ee:ff""#))
        #expect(text.contains(#""persistentDiffersFromLive":null"#), "unknown is null, not left out")
    }
}

import Testing
@testable import KDNetKit

@Suite struct LibvirtDomainXMLTests {
    @Test func win11OnQ35() throws {
        let vm = try LibvirtDomainXML.parse(LibvirtFixtures.win11Live, state: .running)
        #expect(vm.name == "win11")
        #expect(vm.source == .libvirt)
        #expect(vm.identifier == "3f1a3c52-8d3e-4bb0-9a43-3b1d2c9f0a11")
        #expect(vm.state == .running)
        #expect(vm.machine == "pc-q35-8.1")
        #expect(vm.isQ35)
        #expect(vm.osHint == "http://microsoft.com/win/11")
        #expect(vm.windowsHint == "11")
        #expect(vm.persistentDiffersFromLive == nil)
        #expect(vm.nics.count == 2)

        let virtio = vm.nics[0]
        #expect(virtio.mac == "52:54:00:8a:1b:2c")
        #expect(virtio.model == "virtio")
        #expect(virtio.virtioTransport == .modern)  // bus 1 is a pcie-root-port
        #expect(virtio.pciIdentity == PCIIdentity(vendorID: 0x1AF4, deviceID: 0x1041))
        #expect(virtio.address == PCIAddress(domain: 0, bus: 1, device: 0, function: 0))
        #expect(virtio.mode == .network)
        #expect(virtio.networkName == "default")
        #expect(virtio.bridgeName == "virbr0")

        let e1000e = vm.nics[1]
        #expect(e1000e.model == "e1000e")
        #expect(e1000e.virtioTransport == nil)
        #expect(e1000e.pciIdentity?.tableKey == "8086:10D3")
        #expect(e1000e.mode == .bridge)
        #expect(e1000e.bridgeName == "br0")
        #expect(e1000e.address?.busparams == "0.5.0")

        #expect(vm.hypervisor.hypervEnlightenments)
        #expect(vm.hypervisor.vendorID == "KVMKVMKVM")
        #expect(!vm.hypervisor.identifiesAsMicrosoftHv)
        #expect(vm.hypervisor.flags == ["hv-relaxed", "hv-spinlocks=0x1fff", "hv-time", "hv-vapic", "hv-vpindex"])

        #expect(vm.firmware.kind == .uefi)
        #expect(vm.firmware.secureBoot == true)
        #expect(vm.firmware.loaderPath == "/usr/share/OVMF/OVMF_CODE_4M.ms.fd")
    }

    @Test func plainVirtioOnI440FXIsTransitional() throws {
        let vm = try LibvirtDomainXML.parse(LibvirtFixtures.win10I440FX)
        #expect(vm.state == .unknown)
        #expect(!vm.isQ35)
        #expect(vm.windowsHint == "10")
        #expect(vm.identifier == nil)
        let nic = try #require(vm.nics.first)
        #expect(nic.mac == "52:54:00:ab:cd:ef")
        #expect(nic.virtioTransport == .transitional)
        #expect(nic.pciIdentity?.tableKey == "1AF4:1000")
        #expect(nic.mode == .bridge)
        #expect(vm.hypervisor == HypervisorFeatures(hypervEnlightenments: false, vendorID: nil, flags: []))
        #expect(vm.firmware == Firmware(kind: .bios, secureBoot: false, loaderPath: nil))
    }

    @Test func q35VirtioPlacementsMacvtapAndPasst() throws {
        let vm = try LibvirtDomainXML.parse(LibvirtFixtures.q35Mixed)
        #expect(vm.windowsHint == "20348")
        #expect(vm.nics.map(\.virtioTransport) == [.transitional, .modern, .transitional, .transitional, nil])

        let macvtap = vm.nics[0]  // plain virtio directly on pcie.0: integrated endpoint
        #expect(macvtap.mode == .direct)
        #expect(macvtap.sourceDevice == "enp3s0")
        #expect(macvtap.sourceMode == "bridge")
        #expect(macvtap.pciIdentity?.tableKey == "1AF4:1000")

        let passt = vm.nics[1]
        #expect(passt.mode == .user)
        #expect(passt.backend == "passt")
        #expect(passt.model == "virtio-non-transitional")
        #expect(passt.pciIdentity?.tableKey == "1AF4:1041")

        #expect(vm.nics[2].model == "virtio-transitional")  // transitional even behind a root port
        #expect(vm.nics[2].address?.bus == 1)
        #expect(vm.nics[3].address?.bus == 3)  // a pci-bridge: conventional PCI

        let slirp = vm.nics[4]
        #expect(slirp.mode == .user)
        #expect(slirp.backend == "slirp")
        #expect(slirp.address == nil)
        #expect(slirp.pciIdentity?.tableKey == "10EC:8139")

        #expect(vm.hypervisor.hypervEnlightenments)
        #expect(vm.hypervisor.flags == ["hv-passthrough"])
        #expect(vm.hypervisor.vendorID == nil)
        #expect(vm.hypervisor.identifiesAsMicrosoftHv)

        #expect(vm.firmware.kind == .uefi)
        #expect(vm.firmware.secureBoot == false)
        #expect(vm.firmware.loaderPath == nil)
    }

    @Test func virtioOnQ35WithoutAddressIsUnknown() throws {
        let xml = """
        <domain type='kvm'><name>bare</name>
          <os><type machine='q35'>hvm</type></os>
          <devices><interface type='network'><source network='default'/><model type='virtio'/></interface></devices>
        </domain>
        """
        let nic = try #require(try LibvirtDomainXML.parse(xml).nics.first)
        #expect(nic.virtioTransport == nil)
        #expect(nic.pciIdentity == nil)
        #expect(nic.mac == nil)
    }

    @Test func secureBootFromFileNames() throws {
        func firmware(_ os: String) throws -> Firmware {
            try LibvirtDomainXML.parse("<domain><name>f</name>\(os)</domain>").firmware
        }
        // Fedora: secboot code + enrolled vars template.
        #expect(try firmware("""
            <os><type machine='q35'>hvm</type><loader readonly='yes' secure='yes' type='pflash'>/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd</loader>
            <nvram template='/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd'>/var/lib/libvirt/qemu/nvram/f_VARS.fd</nvram></os>
            """).secureBoot == true)
        // SMM build with the blank template: capable, not enforcing.
        #expect(try firmware("""
            <os><type machine='q35'>hvm</type><loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>
            <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'/></os>
            """).secureBoot == false)
        // secboot code, template unknown: capability only.
        #expect(try firmware("""
            <os><type machine='q35'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader></os>
            """) == Firmware(kind: .uefi, secureBoot: nil, loaderPath: "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"))
        // Plain OVMF code without SMM.
        #expect(try firmware("""
            <os><type machine='pc'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader></os>
            """).secureBoot == false)
        // Auto-selected with both features on.
        #expect(try firmware("""
            <os firmware='efi'><type machine='q35'>hvm</type><firmware><feature enabled='yes' name='secure-boot'/><feature enabled='yes' name='enrolled-keys'/></firmware></os>
            """) == Firmware(kind: .uefi, secureBoot: true, loaderPath: nil))
        // Secure Boot on, keys not enrolled: nothing is enforced.
        #expect(try firmware("""
            <os firmware='efi'><type machine='q35'>hvm</type><firmware><feature enabled='yes' name='secure-boot'/><feature enabled='no' name='enrolled-keys'/></firmware>
            <loader secure='yes'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader></os>
            """).secureBoot == false)
    }

    @Test func hypervWithoutVendorID() throws {
        let xml = """
        <domain><name>hv</name><os><type machine='pc-q35-8.2'>hvm</type></os>
          <features><hyperv mode='custom'><relaxed state='on'/><stimer state='on'><direct state='on'/></stimer><reset state='off'/></hyperv></features>
        </domain>
        """
        let hv = try LibvirtDomainXML.parse(xml).hypervisor
        #expect(hv.hypervEnlightenments)
        #expect(hv.vendorID == nil)
        #expect(hv.identifiesAsMicrosoftHv)
        #expect(hv.flags == ["hv-relaxed", "hv-stimer"])
    }

    @Test func malformedInputs() {
        #expect(throws: LibvirtDomainXMLError.self) { try LibvirtDomainXML.parse("<domain><name>x</name>") }
        do {
            _ = try LibvirtDomainXML.parse("<domain><name>x</name>")
            Issue.record("expected an error")
        } catch let e as LibvirtDomainXMLError {
            guard case .notXML = e else { Issue.record("wrong error \(e)"); return }
            #expect(e.errorDescription?.contains("virsh dumpxml") == true)
        } catch { Issue.record("wrong error type \(error)") }
        #expect(throws: LibvirtDomainXMLError.notADomain("network")) {
            try LibvirtDomainXML.parse("<network><name>default</name></network>")
        }
        #expect(throws: LibvirtDomainXMLError.missingName) {
            try LibvirtDomainXML.parse("<domain type='kvm'><os><type machine='q35'>hvm</type></os></domain>")
        }
        #expect(throws: LibvirtDomainXMLError.self) { try LibvirtDomainXML.parse("") }
        #expect(throws: LibvirtDomainXMLError.self) { try LibvirtDomainXML.parse("win11 is running") }
    }
}

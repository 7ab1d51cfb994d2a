import Foundation
import Testing
@testable import KDNetKit

@Suite struct LibvirtDomainEditTests {
    @Test func fixturesComeBackLineForLine() throws {
        let names = Fixture.domainNames
        #expect(names.count >= 40)
        for name in names {
            let xml = try Fixture.text(name)
            #expect(try LibvirtDomainEdit.normalized(xml) == xml, "\(name)")
            #expect(try LibvirtDomainEdit.apply([], to: xml).xml == xml, "\(name)")
        }
    }

    @Test func nicModelReplacesVirtioAndDropsVhostDriver() throws {
        let xml = try Fixture.text("win11-virtio-secboot.xml")
        let r = try LibvirtDomainEdit.apply([.nicModel(mac: "52:54:00:4E:2A:10", to: "e1000e")], to: xml)
        #expect(LineDiff.unified(old: xml, new: r.xml, oldName: "old", newName: "new") == """
            --- old
            +++ new
            @@ -61,8 +61,7 @@
                 <interface type='network'>
                   <mac address='52:54:00:4e:2a:10'/>
                   <source network='default'/>
            -      <model type='virtio'/>
            -      <driver name='vhost' queues='4'/>
            +      <model type='e1000e'/>
                   <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
                 </interface>
                 <input type='mouse' bus='ps2'/>

            """)
        #expect(r.warnings == ["dropped <driver name='vhost' queues='4'/> from the NIC 52:54:00:4E:2A:10: its options are for virtio NICs only and libvirt refuses them on e1000e"])
    }

    @Test func nicModelKeepsADriverWithoutVirtioOptionsForAVirtioTarget() throws {
        let xml = try Fixture.text("win11-virtio-secboot.xml")
        let r = try LibvirtDomainEdit.apply([.nicModel(mac: "52:54:00:4e:2a:10", to: "virtio-non-transitional")], to: xml)
        #expect(r.xml.contains("      <model type='virtio-non-transitional'/>\n      <driver name='vhost' queues='4'/>\n"))
        #expect(r.warnings.isEmpty)
    }

    @Test func nicModelCreatesModelAfterSource() throws {
        let xml = """
            <domain type='kvm'>
              <name>kdt-vmfix-nomodel</name>
              <devices>
                <interface type='bridge'>
                  <mac address='52:54:00:aa:bb:cc'/>
                  <source bridge='br0'/>
                  <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
                </interface>
              </devices>
            </domain>

            """
        let r = try LibvirtDomainEdit.apply([.nicModel(mac: "52-54-00-AA-BB-CC", to: "e1000e")], to: xml)
        #expect(r.xml == """
            <domain type='kvm'>
              <name>kdt-vmfix-nomodel</name>
              <devices>
                <interface type='bridge'>
                  <mac address='52:54:00:aa:bb:cc'/>
                  <source bridge='br0'/>
                  <model type='e1000e'/>
                  <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
                </interface>
              </devices>
            </domain>

            """)
    }

    @Test func nicModelOnTheSecondOfTwoNICs() throws {
        let xml = try Fixture.text("two-nics.defined.xml")
        let r = try LibvirtDomainEdit.apply([.nicModel(mac: "52:54:00:6b:0e:01", to: "e1000e")], to: xml)
        #expect(r.xml.contains("""
                  <mac address='52:54:00:6b:0e:01'/>
                  <source network='default'/>
                  <model type='e1000e'/>

            """))
        #expect(!r.xml.contains("virtio'/>"))
        #expect(LineDiff.unified(old: xml, new: r.xml, oldName: "a", newName: "b").contains("-      <model type='virtio'/>\n+      <model type='e1000e'/>\n"))
    }

    @Test func unknownMACNamesTheDomainsMACs() throws {
        let xml = try Fixture.text("two-nics.xml")
        #expect(throws: VMFixError.unknownMAC("52:54:00:00:00:99", known: ["52:54:00:6b:0e:01", "52:54:00:6b:0e:02"])) {
            try LibvirtDomainEdit.apply([.nicModel(mac: "52:54:00:00:00:99", to: "e1000e")], to: xml)
        }
        let message = VMFixError.unknownMAC("52:54:00:00:00:99", known: ["52:54:00:6b:0e:01", "52:54:00:6b:0e:02"]).errorDescription
        #expect(message == "the VM has no NIC with MAC 52:54:00:00:00:99 (its NICs have 52:54:00:6b:0e:01, 52:54:00:6b:0e:02); name one of those")
    }

    @Test func addDebugNICGoesAfterTheLastInterface() throws {
        let xml = try Fixture.text("win11-virtio-secboot.xml")
        let r = try LibvirtDomainEdit.apply([.addDebugNIC(network: "kdnet", model: "e1000e")], to: xml)
        #expect(LineDiff.unified(old: xml, new: r.xml, oldName: "old", newName: "new") == """
            --- old
            +++ new
            @@ -65,6 +65,10 @@
                   <driver name='vhost' queues='4'/>
                   <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
                 </interface>
            +    <interface type='network'>
            +      <source network='kdnet'/>
            +      <model type='e1000e'/>
            +    </interface>
                 <input type='mouse' bus='ps2'/>
                 <input type='keyboard' bus='ps2'/>
                 <tpm model='tpm-crb'>

            """)
        #expect(r.warnings.isEmpty)
        // With two NICs it follows the second.
        let two = try LibvirtDomainEdit.apply([.addDebugNIC(network: "kdnet", model: "e1000e")], to: try Fixture.text("two-nics.defined.xml")).xml
        #expect(two.contains("""
                  <mac address='52:54:00:6b:0e:02'/>
            """))
        let second = try #require(two.range(of: "<mac address='52:54:00:6b:0e:02'/>"))
        let added = try #require(two.range(of: "<source network='kdnet'/>"))
        #expect(second.upperBound < added.lowerBound)
    }

    @Test func addDebugNICWithoutInterfacesGoesAtTheEndOfDevices() throws {
        let xml = "<domain type='kvm'><name>x</name><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>"
        let r = try LibvirtDomainEdit.apply([.addDebugNIC(network: "default", model: "e1000e")], to: xml)
        #expect(r.xml == """
            <domain type='kvm'>
              <name>x</name>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                <interface type='network'>
                  <source network='default'/>
                  <model type='e1000e'/>
                </interface>
              </devices>
            </domain>

            """)
    }

    @Test func vendorIDIsAddedInLibvirtsOrder() throws {
        let xml = try Fixture.text("hyperv-no-vendor.defined.xml")
        let r = try LibvirtDomainEdit.apply([.hypervVendorID(value: "KVMKVMKVM")], to: xml)
        #expect(r.xml.contains("""
                  <spinlocks state='on' retries='8191'/>
                  <vendor_id state='on' value='KVMKVMKVM'/>
                </hyperv>

            """))
        let diff = LineDiff.unified(old: xml, new: r.xml, oldName: "old", newName: "new", context: 0)
        #expect(diff.split(separator: "\n").filter { $0.hasPrefix("+") || $0.hasPrefix("-") }
            == ["--- old", "+++ new", "+      <vendor_id state='on' value='KVMKVMKVM'/>"])
        // Before <frequencies> and <tlbflush>, where libvirt itself writes it.
        let win11 = try LibvirtDomainEdit.apply([.hypervVendorID(value: "KVMKVMKVM")], to: try Fixture.text("win11-virtio-secboot.xml")).xml
        #expect(win11.contains("      <stimer state='on'/>\n      <vendor_id state='on' value='KVMKVMKVM'/>\n      <frequencies state='on'/>\n"))
    }

    @Test func vendorIDReplacesAnExistingOne() throws {
        let xml = try Fixture.text("hyperv-vendor.xml").replacingOccurrences(of: "<vendor_id state='on' value='KVMKVMKVM'/>", with: "<vendor_id state='off' value='proxmox'/>")
        let r = try LibvirtDomainEdit.apply([.hypervVendorID(value: "KVMKVMKVM")], to: xml)
        #expect(r.xml == (try Fixture.text("hyperv-vendor.xml")))
    }

    @Test func vendorIDRefusals() throws {
        let xml = try Fixture.text("hyperv-no-vendor.xml")
        #expect(throws: VMFixError.vendorIDTooLong("KVMKVMKVMKVMK")) {
            try LibvirtDomainEdit.apply([.hypervVendorID(value: "KVMKVMKVMKVMK")], to: xml)
        }
        #expect(VMFixError.vendorIDTooLong("KVMKVMKVMKVMK").errorDescription == "the Hyper-V vendor id 'KVMKVMKVMKVMK' has 13 characters, more than the 12 libvirt, QEMU and Proxmox allow; use a shorter one such as KVMKVMKVM")
        #expect(throws: VMFixError.vendorIDBadCharacters("KVM,KVM")) {
            try LibvirtDomainEdit.apply([.hypervVendorID(value: "KVM,KVM")], to: xml)
        }
        #expect(throws: VMFixError.noHyperV) {
            try LibvirtDomainEdit.apply([.hypervVendorID(value: "KVMKVMKVM")], to: try Fixture.text("virtio-q35.xml"))
        }
        let passthrough = xml.replacingOccurrences(of: "<hyperv mode='custom'>", with: "<hyperv mode='passthrough'>")
        #expect(throws: VMFixError.hypervPassthrough) {
            try LibvirtDomainEdit.apply([.hypervVendorID(value: "KVMKVMKVM")], to: passthrough)
        }
    }

    @Test func secureBootOffWithAutoSelectedFirmware() throws {
        let xml = try Fixture.text("win11-virtio-secboot.xml")
        let r = try LibvirtDomainEdit.apply([.disableSecureBoot], to: xml)
        #expect(LineDiff.unified(old: xml, new: r.xml, oldName: "old", newName: "new", context: 0) == """
            --- old
            +++ new
            @@ -15,2 +15,2 @@
            -      <feature enabled='yes' name='enrolled-keys'/>
            -      <feature enabled='yes' name='secure-boot'/>
            +      <feature enabled='no' name='enrolled-keys'/>
            +      <feature enabled='no' name='secure-boot'/>
            @@ -18,2 +18,2 @@
            -    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>
            -    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/kdt-vmfix-win11_VARS.fd</nvram>
            +    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>
            +    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'/>

            """)
        #expect(r.warnings == [
            "turning Secure Boot off changes the measured boot state: BitLocker will ask for its recovery key unless it is suspended first (manage-bde -protectors -disable C: -RebootCount 1); a TPM-sealed secret may need to be re-sealed",
            "start the VM the first time with `virsh start kdt-vmfix-win11 --reset-nvram`: its UEFI vars file holds the enrolled Secure Boot keys and boot entries, and libvirt recreates it from the blank template only then (Windows boots again through its fallback loader)",
        ])
    }

    @Test func secureBootOffWithFeaturesOnly() throws {
        let xml = try Fixture.text("ovmf-secboot.defined.xml")
        let r = try LibvirtDomainEdit.apply([.disableSecureBoot], to: xml)
        #expect(r.xml.contains("""
                <firmware>
                  <feature enabled='no' name='enrolled-keys'/>
                  <feature enabled='no' name='secure-boot'/>
                </firmware>
                <boot
            """))
        // libvirt 9 refuses secure='no' beside firmware auto-selection: the attribute goes.
        #expect(!r.xml.contains("<loader"))
        #expect(r.warnings.count == 2)
    }

    @Test func secureBootAlreadyOffChangesNothing() throws {
        let xml = try Fixture.text("virtio-q35.defined.xml")
        let r = try LibvirtDomainEdit.apply([.disableSecureBoot], to: xml)
        #expect(r.xml == xml)
        #expect(r.warnings.isEmpty)
    }

    @Test func secureBootLoaderWithUnknownName() throws {
        let xml = """
            <domain type='kvm'>
              <name>kdt-vmfix-suse</name>
              <os>
                <loader readonly='yes' secure='yes' type='pflash'>/usr/share/qemu/ovmf-x86_64-smm-ms-code.bin</loader>
              </os>
            </domain>

            """
        let r = try LibvirtDomainEdit.apply([.disableSecureBoot], to: xml)
        #expect(r.xml.contains("<loader readonly='yes' secure='no' type='pflash'>/usr/share/qemu/ovmf-x86_64-smm-ms-code.bin</loader>"))
        #expect(r.warnings.last == "the firmware /usr/share/qemu/ovmf-x86_64-smm-ms-code.bin is not named like a known Secure Boot build (.secboot., .ms., .snakeoil.); if the VM still boots with Secure Boot on, pick the loader and vars template of a firmware without the secure-boot feature from /usr/share/qemu/firmware/*.json")
    }

    @Test func firmwarePathMapping() {
        #expect(FirmwarePaths.withoutSecureBoot("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd") == "/usr/share/OVMF/OVMF_CODE_4M.fd")
        #expect(FirmwarePaths.withoutSecureBoot("/usr/share/OVMF/OVMF_VARS_4M.ms.fd") == "/usr/share/OVMF/OVMF_VARS_4M.fd")
        #expect(FirmwarePaths.withoutSecureBoot("/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd") == "/usr/share/edk2/ovmf/OVMF_VARS.fd")
        #expect(FirmwarePaths.withoutSecureBoot("/usr/share/edk2/x64/OVMF_CODE.secboot.4m.fd") == "/usr/share/edk2/x64/OVMF_CODE.4m.fd")
        #expect(FirmwarePaths.withoutSecureBoot("/usr/share/OVMF/OVMF_CODE_4M.fd") == nil)
        // Only the file name counts, not a directory that happens to contain a marker.
        #expect(FirmwarePaths.withoutSecureBoot("/srv/fw.ms.d/OVMF_CODE.fd") == nil)
    }

    @Test func badInput() throws {
        #expect(throws: VMFixError.self) { try LibvirtDomainEdit.apply([], to: "") }
        #expect(throws: VMFixError.self) { try LibvirtDomainEdit.apply([], to: "not xml at all") }
        #expect(throws: VMFixError.self) { try LibvirtDomainEdit.apply([], to: "<domain><name>x</name>") }
        #expect(throws: VMFixError.notADomain("network")) { try LibvirtDomainEdit.apply([], to: try Fixture.text("network-default.xml")) }
        do {
            _ = try LibvirtDomainEdit.apply([], to: "<domain><name>x</name>")
        } catch let error as VMFixError {
            guard case .notXML(let why) = error else { Issue.record("expected notXML, got \(error)"); return }
            #expect(why.isEmpty == false)
            #expect(error.errorDescription?.hasPrefix("the libvirt domain description is not well-formed XML (") == true)
        }
        #expect(throws: VMFixError.badModelName("e1000e'/><x")) {
            try LibvirtDomainEdit.apply([.nicModel(mac: "52:54:00:6b:0e:01", to: "e1000e'/><x")], to: try Fixture.text("two-nics.xml"))
        }
        #expect(throws: VMFixError.noDevices) {
            try LibvirtDomainEdit.apply([.addDebugNIC(network: "default", model: "e1000e")], to: "<domain><name>x</name></domain>")
        }
    }

    @Test func specialCharactersAreEscapedAsLibvirtDoes() throws {
        let xml = "<domain type='kvm'><name>a&amp;b</name><description>say \"hi\" &lt;now&gt;</description><metadata><app:x xmlns:app=\"urn:x\" v=\"it's &quot;q&quot;\">t's</app:x></metadata></domain>"
        #expect(try LibvirtDomainEdit.normalized(xml) == """
            <domain type='kvm'>
              <name>a&amp;b</name>
              <description>say &quot;hi&quot; &lt;now&gt;</description>
              <metadata>
                <app:x xmlns:app="urn:x" v="it's &quot;q&quot;">t's</app:x>
              </metadata>
            </domain>

            """)
    }

    @Test func qemuNamespaceStaysWhereLibvirtWritesIt() throws {
        let xml = """
            <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
              <name>kdt-vmfix-ns</name>
              <devices>
                <interface type='user'>
                  <mac address='52:54:00:00:00:01'/>
                  <model type='virtio'/>
                </interface>
              </devices>
              <qemu:commandline>
                <qemu:arg value='-cpu'/>
                <qemu:arg value='host,hv-vendor-id=KVMKVMKVM'/>
              </qemu:commandline>
            </domain>

            """
        #expect(try LibvirtDomainEdit.normalized(xml) == xml)
        let r = try LibvirtDomainEdit.apply([.nicModel(mac: "52:54:00:00:00:01", to: "e1000e")], to: xml)
        #expect(r.xml == xml.replacingOccurrences(of: "<model type='virtio'/>", with: "<model type='e1000e'/>"))
    }
}

import Foundation
import Testing
@testable import KDNetKit

/// `vm check` on the definitions a real libvirtd made of the fixtures (Fixtures/vm/libvirt,
/// `*.defined.xml`, see make-fixtures.sh), against fixed host facts.
@Suite struct VMCheckTests {
    static let pitfalls = try! VMPitfalls.builtIn()
    static let network = try! LibvirtNetworkXML.parse(try! FixtureFiles.text("vm/libvirt/network-default.xml"))
    static let libvirtRuleset = try! NftRuleset(json: Data(contentsOf: FixtureFiles.root.appendingPathComponent("vm/nft-with-libvirt.json")))

    static let host = HostNetworkSnapshot(
        interfaces: [FakeDoctorEnvironment.iface("lo", 1, [("127.0.0.1", 8)], loopback: true),
                     FakeDoctorEnvironment.iface("eth0", 2, [("10.0.0.5", 24)]),
                     FakeDoctorEnvironment.iface("virbr0", 3, [("192.168.122.1", 24)]),
                     FakeDoctorEnvironment.iface("br-kdt", 4, [("10.99.0.1", 24)])],
        routes: [])

    static func facts(ruleset: NftRuleset = libvirtRuleset, active: Bool = true, network: LibvirtNetwork = network) -> VMHostFacts {
        VMHostFacts(networks: [network], activeNetworks: active ? [network.name] : [], host: host, ruleset: .success(ruleset))
    }

    static func vm(_ name: String, state: VMState = .shutoff) throws -> VirtualMachine {
        try LibvirtDomainXML.parse(try FixtureFiles.text("vm/libvirt/\(name).defined.xml"), state: state)
    }

    static func check(_ name: String, windows: String? = nil, facts: VMHostFacts = facts()) throws -> VMCheckReport {
        try VMCheck.run(try vm(name), windows: windows, facts: facts, knowledge: NICTableTests.knowledge, pitfalls: pitfalls)
    }

    @Test func everyCheckIsReportedInItsStableOrder() throws {
        let r = try Self.check("e1000e")
        #expect(r.checks.map(\.id) == VMCheck.ids)
        #expect(r.vm.source == .libvirt && r.vm.osHint == "http://microsoft.com/win/11")
        #expect(r.windows.from == "os_hint" && r.windows.release == "Windows 11 24H2")
        #expect(!r.failed)
    }

    @Test func e1000eOnTheDefaultNetworkPassesWithTheBridgeAddress() throws {
        let r = try Self.check("e1000e")
        let nic = try #require(r.nics.first)
        #expect(nic.vendorId == "8086" && nic.deviceId == "10d3" && nic.supported == true && nic.basis == .publishedList)
        #expect(r.recommendedNic == nic.mac && r.bcdedit == nil)
        #expect(r.check("nic-model")?.details.contains { $0.contains("only supported NIC") && $0.contains("without busparams") } == true)
        #expect(r.hostIp?.address == "192.168.122.1" && r.hostIp?.interface == "virbr0")
        #expect(r.check("host-reachable")?.verdict == .pass)
        #expect(r.check("host-reachable")?.details.first?.contains("-o virbr0 -p udp -j CHECKSUM --checksum-fill") == true)
        #expect(r.check("dhcp")?.verdict == .pass && r.check("dhcp")?.cause.contains("192.168.122.2-192.168.122.254") == true)
        #expect(r.check("firewall")?.verdict == .pass && r.check("firewall")?.cause.contains("from 192.168.122.2 on virbr0") == true)
    }

    @Test func virtioByMachineType() throws {
        // q35 puts the NIC behind a PCIe root port: modern, supported through kd_02_1af4.dll.
        let q35 = try Self.check("virtio-q35")
        #expect(q35.nics[0].virtio == .modern && q35.nics[0].supported == true && q35.nics[0].basis == .shippedModule)
        #expect(q35.check("nic-model")?.verdict == .pass && q35.check("nic-model")?.source?.contains("Cloud Hypervisor") == true)
        #expect(q35.check("nic-model")?.details.contains { $0.contains("bus number Windows sees can differ") } == true)
        // The pc machine has conventional PCI: transitional, not known either way.
        let pc = try Self.check("virtio-pc")
        #expect(pc.nics[0].virtio == .transitional && pc.nics[0].supported == nil && pc.nics[0].deviceId == "1000")
        #expect(pc.check("nic-model")?.verdict == .warn && pc.recommendedNic == nil)
        #expect(try Self.check("virtio-non-transitional").nics[0].virtio == .modern)
        #expect(try Self.check("virtio-transitional").nics[0].virtio == .transitional)
        // Before 22621 even the modern one is not known.
        #expect(try Self.check("virtio-q35", windows: "11 21H2").nics[0].supported == nil)
    }

    @Test func rtl8139IsNotSupported() throws {
        let r = try Self.check("rtl8139")
        #expect(r.nics[0].deviceId == "8139" && r.nics[0].supported == false)
        #expect(r.check("nic-model")?.verdict == .fail && r.check("nic-model")?.fix?.contains("kdnetctl vm fix kdt-vm-rtl8139") == true)
        #expect(r.failed)
    }

    @Test func twoNICsPreferTheListedOneWithItsBusparams() throws {
        let r = try Self.check("two-nics")
        let e1000e = try #require(r.nics.first { $0.model == "e1000e" })
        #expect(r.recommendedNic == e1000e.mac)
        #expect(r.bcdedit == "bcdedit /set {dbgsettings} busparams \(e1000e.busparams!)")
    }

    @Test func hypervWithoutAVendorIdFails() throws {
        let bad = try Self.check("hyperv-no-vendor")
        let c = try #require(bad.check("hyperv-vendor-id"))
        #expect(c.verdict == .fail && c.fix?.contains("KVMKVMKVM") == true && c.source?.contains("issue 1325") == true)
        #expect(try Self.check("hyperv-vendor").check("hyperv-vendor-id")?.verdict == .pass)
        #expect(try Self.check("e1000e").check("hyperv-vendor-id")?.cause.contains("no Hyper-V") == true)
    }

    @Test func secureBootFails() throws {
        #expect(try Self.check("ovmf-secboot").check("secure-boot")?.verdict == .fail)
        #expect(try Self.check("ovmf-secboot-loader").check("secure-boot")?.verdict == .fail)
        #expect(try Self.check("e1000e").check("secure-boot")?.verdict == .pass)
    }

    @Test func networkModesDecideTheHostAddress() throws {
        let macvtap = try Self.check("macvtap")
        #expect(macvtap.check("host-reachable")?.verdict == .fail && macvtap.hostIp == nil)
        #expect(macvtap.check("host-reachable")?.fix?.contains("--add-debug-nic") == true)
        #expect(macvtap.check("firewall")?.verdict == .warn)
        let user = try Self.check("user-net")
        #expect(user.hostIp?.address == "10.0.2.2" && user.hostIp?.interface == "lo")
        #expect(user.check("host-reachable")?.verdict == .warn && user.check("host-reachable")?.source?.contains("ntoseye") == true)
        #expect(user.check("dhcp")?.verdict == .pass)
        let bridge = try Self.check("bridge")
        #expect(bridge.hostIp?.address == "10.99.0.1" && bridge.hostIp?.interface == "br-kdt")
        #expect(bridge.check("dhcp")?.verdict == .warn)
        var noAddress = Self.facts()
        noAddress.host?.interfaces.removeAll { $0.name == "br-kdt" }
        #expect(try Self.check("bridge", facts: noAddress).check("host-reachable")?.verdict == .fail)
    }

    @Test func aStoppedOrDHCPLessNetworkFails() throws {
        let stopped = try Self.check("e1000e", facts: Self.facts(active: false))
        #expect(stopped.check("host-reachable")?.verdict == .fail && stopped.check("host-reachable")?.fix == "virsh net-start default && virsh net-autostart default")
        var noDHCP = Self.network
        noDHCP.dhcpEnabled = false
        noDHCP.dhcpRanges = []
        let r = try Self.check("e1000e", facts: Self.facts(network: noDHCP))
        let dhcp = try #require(r.check("dhcp"))
        #expect(dhcp.verdict == .fail && dhcp.fix?.contains("169.254") == true && dhcp.source?.contains("Cloud Hypervisor") == true)
    }

    @Test func aDropRuleForThePortIsNamed() throws {
        let r = try Self.check("e1000e", facts: Self.facts(ruleset: FakeDoctorEnvironment.ruleset("drop-rule")))
        let fw = try #require(r.check("firewall"))
        #expect(fw.verdict == .fail && fw.cause.contains("UDP port 50000"))
        #expect(fw.details.contains { $0.contains("udp dport 50000") && $0.contains("drop") })
        #expect(fw.details.contains { $0.hasPrefix("to open it: nft insert rule") && $0.contains("iifname \"virbr0\"") })
    }

    @Test func aChangedRunningVMNeedsAPowerCycle() throws {
        let live = try FixtureFiles.text("vm/libvirt/rtl8139.running.xml")
        let next = try FixtureFiles.text("vm/libvirt/rtl8139.defined.xml").replacingOccurrences(of: "<model type='rtl8139'/>", with: "<model type='e1000e'/>")
        let vm = try LibvirtDomainXML.parse(live: live, inactive: next, state: .running)
        let r = try VMCheck.run(vm, windows: nil, facts: Self.facts(), knowledge: NICTableTests.knowledge, pitfalls: Self.pitfalls)
        let pc = try #require(r.check("power-cycle"))
        #expect(pc.verdict == .warn && pc.fix?.contains("virsh shutdown kdt-vm-rtl8139") == true && pc.source?.contains("ntoseye") == true)
        #expect(pc.details.contains { $0.contains("e1000e") })
        let same = try LibvirtDomainXML.parse(live: live, inactive: try FixtureFiles.text("vm/libvirt/rtl8139.defined.xml"), state: .running)
        #expect(try VMCheck.run(same, windows: nil, facts: Self.facts(), knowledge: NICTableTests.knowledge, pitfalls: Self.pitfalls)
            .check("power-cycle")?.verdict == .pass)
    }

    @Test func everyPitfallTheChecksCiteHasASource() {
        for id in ["hyperv-vendor-id", "hv-syndbg", "power-cycle", "user-networking", "dhcp", "macvtap", "checksum"] {
            #expect(Self.pitfalls.source(id)?.isEmpty == false, "\(id)")
        }
    }

    @Test func theJSONShapeIsStable() throws {
        let data = try JSONOutput.data(try Self.check("macvtap"))
        let d = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(d.keys) == ["vm", "windows", "nics", "recommended_nic", "bcdedit", "host_ip", "port", "checks"])
        #expect(d["host_ip"] is NSNull)
        let vm = try #require(d["vm"] as? [String: Any])
        #expect(Set(vm.keys) == ["name", "source", "state", "machine", "os_hint"])
        let nic = try #require((d["nics"] as? [[String: Any]])?.first)
        #expect(Set(nic.keys).isSuperset(of: ["mac", "model", "vendor_id", "device_id", "pci_address", "busparams", "mode", "network", "bridge", "supported", "basis", "reason", "advice"]))
        let check = try #require((d["checks"] as? [[String: Any]])?.first)
        #expect(Set(check.keys).isSuperset(of: ["id", "verdict", "cause", "fix"]))
    }

    @Test func theDoctorShowsTheVMChecksAsItsOwnLines() throws {
        let report = try Self.check("hyperv-no-vendor")
        let r = Doctor.run(try DoctorRequest(vm: report), environment: FakeDoctorEnvironment())
        #expect(r.checks.map(\.name) == VMCheck.ids.map { "vm-" + $0 })
        let hv = try #require(r.check(named: "vm-hyperv-vendor-id"))
        #expect(hv.verdict == .fail && hv.details?.last?.hasPrefix("reported by ") == true && r.failed)
    }
}

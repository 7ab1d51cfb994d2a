import Foundation
import Testing
@testable import KDNetKit

/// QEMU's Hyper-V synthetic debugger (hw/hyperv/syndbg.c): read from a real paused QEMU's
/// command line (Fixtures/vm/qemu/q35-hv-syndbg), a Proxmox `args:` line (proxmox/108.conf)
/// and libvirt's <qemu:commandline>, then judged by `vm check`.
@Suite struct SyntheticDebuggerTests {
    static let args = try! FixtureFiles.text("vm/qemu/q35-hv-syndbg.args").split(separator: "\n").map(String.init)

    /// The fixture's argv with one -device (or -cpu) value replaced or dropped.
    static func vm(device old: String? = nil, with new: String? = nil, cpu: String? = nil) throws -> VirtualMachine {
        var argv = args
        if let old, let i = argv.firstIndex(where: { $0.hasPrefix(old) }) {
            if let new { argv[i] = new } else { argv.removeSubrange(i - 1...i) }
        }
        if let cpu, let i = argv.firstIndex(of: "-cpu") { argv[i + 1] = cpu }
        return try QEMUCommandLine.parse(arguments: argv)
    }

    static func check(_ vm: VirtualMachine, ruleset: NftRuleset = VMCheckTests.libvirtRuleset, host: HostNetworkSnapshot? = VMCheckTests.host) throws -> VMCheckReport {
        let facts = VMHostFacts(networks: [VMCheckTests.network], activeNetworks: [VMCheckTests.network.name], host: host, ruleset: .success(ruleset))
        return try VMCheck.run(vm, windows: "11 24H2", facts: facts, knowledge: NICTableTests.knowledge, pitfalls: VMCheckTests.pitfalls)
    }

    static let full = SyntheticDebugger(device: true, cpuFlag: true, vmbusBridge: true, hostIP: "192.168.122.1", hostPort: "50001")

    @Test func aRealQEMUCommandLineIsRead() throws {
        let vm = try QEMUCommandLine.parse(cmdline: try FixtureFiles.text("vm/qemu/q35-hv-syndbg.cmdline"))
        #expect(vm.hypervisor.syntheticDebugger == Self.full)
        #expect(vm.hypervisor.syntheticDebugger?.port == 50001)
        #expect(vm.hypervisor.vendorID == nil && vm.hypervisor.flags.contains("hv-syndbg"))
        // A VM without it has none.
        #expect(try QEMUCommandLine.parse(cmdline: try FixtureFiles.text("vm/qemu/q35-virtio-hv-vendor.cmdline")).hypervisor.syntheticDebugger == nil)
    }

    @Test func aProxmoxArgsLineIsRead() throws {
        let vm = try ProxmoxConfig.parse(try FixtureFiles.text("vm/proxmox/108.conf"), vmid: 108)
        #expect(vm.hypervisor.syntheticDebugger == Self.full)
        #expect(try ProxmoxConfig.parse(try FixtureFiles.text("vm/proxmox/102.conf"), vmid: 102).hypervisor.syntheticDebugger == nil)
        let r = try Self.check(vm)
        #expect(r.check("hv-syndbg")?.verdict == .pass && r.check("hyperv-vendor-id")?.verdict == .pass)
    }

    @Test func libvirtPassesItThroughQemuCommandline() throws {
        var xml = try FixtureFiles.text("vm/libvirt/hyperv-no-vendor.defined.xml")
        xml = xml.replacingOccurrences(of: "<domain type='qemu'>", with: "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>")
        xml = xml.replacingOccurrences(of: "</domain>", with: """
              <qemu:commandline>
                <qemu:arg value='-cpu'/><qemu:arg value='host,hv-relaxed,hv-syndbg'/>
                <qemu:arg value='-device'/><qemu:arg value='vmbus-bridge'/>
                <qemu:arg value='-device'/><qemu:arg value='hv-syndbg,host_ip=192.168.122.1'/>
              </qemu:commandline>
            </domain>
            """)
        let vm = try LibvirtDomainXML.parse(xml)
        #expect(vm.hypervisor.syntheticDebugger == SyntheticDebugger(device: true, cpuFlag: true, vmbusBridge: true, hostIP: "192.168.122.1"))
        let r = try Self.check(vm)
        // The default vendor id, which fails without the synthetic debugger, is now required.
        #expect(r.check("hyperv-vendor-id")?.verdict == .pass)
        #expect(r.check("hv-syndbg")?.details.contains { $0.contains("host_port 50000 (QEMU's default)") } == true)
    }

    @Test func vmCheckSaysSoAndPassesWithTheDefaultVendorID() throws {
        let r = try Self.check(try Self.vm())
        #expect(r.checks.map(\.id) == VMCheck.ids)
        let s = try #require(r.check("hv-syndbg"))
        #expect(s.verdict == .pass)
        #expect(s.cause.contains("through the hypervisor") && s.cause.contains("host_ip=192.168.122.1") && s.cause.contains("vmbus-bridge"))
        #expect(s.source?.contains("hw/hyperv/syndbg.c") == true && s.source?.contains("https://gitlab.com/qemu-project/qemu") == true)
        #expect(s.details.contains { $0.contains("input chain on UDP port 50001") })
        let v = try #require(r.check("hyperv-vendor-id"))
        #expect(v.verdict == .pass && v.cause.contains("'Microsoft Hv' (the default)") && v.source?.contains("syndbg.c") == true)
    }

    @Test func aChangedVendorIDFails() throws {
        let r = try Self.check(try Self.vm(cpu: "qemu64,hv-relaxed,hv-syndbg,hv-vendor-id=KVMKVMKVM"))
        let v = try #require(r.check("hyperv-vendor-id"))
        #expect(v.verdict == .fail && v.cause.contains("'KVMKVMKVM'") && v.fix == "remove hv-vendor-id=KVMKVMKVM from -cpu")
        #expect(r.check("hv-syndbg")?.verdict == .pass)
    }

    @Test func withoutTheSyntheticDebuggerTheDefaultVendorIDStillFails() throws {
        let r = try VMCheckTests.check("hyperv-no-vendor")
        #expect(r.check("hv-syndbg")?.verdict == .pass && r.check("hv-syndbg")?.cause.hasPrefix("not used") == true)
        let v = try #require(r.check("hyperv-vendor-id"))
        #expect(v.verdict == .fail && v.cause.contains("only with -device hv-syndbg") && !v.cause.contains("lacks"))
        #expect(VMCheckTests.pitfalls.pitfalls.first { $0.id == "hyperv-vendor-id" }?.claim.contains("does not provide") == false)
    }

    @Test func withoutVMBusBridgeQEMURefusesToStart() throws {
        let s = try #require(try Self.check(try Self.vm(device: "vmbus-bridge")).check("hv-syndbg"))
        #expect(s.verdict == .fail && s.cause.contains("QEMU refuses to start") && s.fix?.contains("add -device vmbus-bridge") == true)
    }

    @Test func theCPUFlagAndTheDeviceGoTogether() throws {
        let noFlag = try #require(try Self.check(try Self.vm(cpu: "qemu64,hv-relaxed")).check("hv-syndbg"))
        #expect(noFlag.verdict == .fail && noFlag.fix?.contains("add hv-syndbg to -cpu") == true)
        let noDevice = try #require(try Self.check(try Self.vm(device: "hv-syndbg,")).check("hv-syndbg"))
        #expect(noDevice.verdict == .fail && noDevice.cause.contains("no -device hv-syndbg"))
    }

    @Test(arguments: [
        ("hv-syndbg,host_port=50001", "has no host_ip, which QEMU requires"),
        ("hv-syndbg,host_ip=fe80::1,host_port=50001", "is IPv6"),
        ("hv-syndbg,host_ip=10.1.2.3,host_port=50001", "10.1.2.3 is not an address of this host"),
    ])
    func theHostAddressMustBeOneOfThisHostsIPv4Addresses(device: String, says: String) throws {
        let s = try #require(try Self.check(try Self.vm(device: "hv-syndbg,", with: device)).check("hv-syndbg"))
        #expect(s.verdict == .fail && s.cause.contains(says), "\(s.cause)")
        #expect(s.fix?.contains("192.168.122.1") == true && s.fix?.contains("10.0.0.5") == true)
    }

    @Test func thePortFollowsTheKDNETPortPolicy() throws {
        let low = try #require(try Self.check(try Self.vm(device: "hv-syndbg,", with: "hv-syndbg,host_ip=192.168.122.1,host_port=80")).check("hv-syndbg"))
        #expect(low.verdict == .fail && low.cause.contains("host_port 80: port 80 is outside 49152-65535; pick one from 50000-50039"))
        let odd = try #require(try Self.check(try Self.vm(device: "hv-syndbg,", with: "hv-syndbg,host_ip=192.168.122.1,host_port=60000")).check("hv-syndbg"))
        #expect(odd.verdict == .warn && odd.cause.contains("outside the recommended 50000-50039"))
    }

    @Test func theHostsInputChainJudgesThePortQEMUSendsTo() throws {
        // drop-rule drops UDP 50000 in the input chain: QEMU's default port, on loopback.
        let vm = try Self.vm(device: "hv-syndbg,", with: "hv-syndbg,host_ip=192.168.122.1")
        let s = try #require(try Self.check(vm, ruleset: FakeDoctorEnvironment.ruleset("drop-rule")).check("hv-syndbg"))
        #expect(s.verdict == .fail && s.cause.contains("input chain on UDP port 50000 from this host to 192.168.122.1 (on lo)"))
        // Another port passes the same ruleset.
        #expect(try Self.check(try Self.vm(), ruleset: FakeDoctorEnvironment.ruleset("drop-rule")).check("hv-syndbg")?.verdict == .pass)
    }

    @Test func vmFixLeavesTheVendorIDToHand() throws {
        let vm = try Self.vm(cpu: "qemu64,hv-relaxed,hv-syndbg,hv-vendor-id=KVMKVMKVM")
        let plan = VMFixer.steps(for: vm, report: try Self.check(vm), addDebugNIC: nil)
        #expect(!plan.steps.contains { if case .hypervVendorID = $0.change { true } else { false } })
        #expect(plan.notes.contains { $0.contains("remove the VM's own vendor id") })
    }
}

import Foundation
import Testing
@testable import KDNetKit

@Suite struct LibvirtDiffTests {
    @Test func runtimeOnlyPartsDoNotCount() throws {
        #expect(try LibvirtDomainXML.differences(live: LibvirtFixtures.win11Live, inactive: LibvirtFixtures.win11Inactive) == [])
        #expect(try VirtualMachine.diffLiveVsPersistent(liveXML: LibvirtFixtures.win11Live, inactiveXML: LibvirtFixtures.win11Inactive) == false)
        let vm = try LibvirtDomainXML.parse(live: LibvirtFixtures.win11Live, inactive: LibvirtFixtures.win11Inactive, state: .running)
        #expect(vm.persistentDiffersFromLive == false)
    }

    @Test func changedNICModelCounts() throws {
        let next = LibvirtFixtures.win11Inactive.replacingOccurrences(of: "<model type='e1000e'/>", with: "<model type='virtio'/>")
        let diff = try LibvirtDomainXML.differences(live: LibvirtFixtures.win11Live, inactive: next)
        #expect(diff.count == 1)
        #expect(diff.first?.hasPrefix("NICs:") == true)
        let vm = try LibvirtDomainXML.parse(live: LibvirtFixtures.win11Live, inactive: next)
        #expect(vm.persistentDiffersFromLive == true)
    }

    @Test func changedHypervAndFirmwareCount() throws {
        let next = LibvirtFixtures.win11Inactive
            .replacingOccurrences(of: "<vendor_id state='on' value='KVMKVMKVM'/>", with: "")
            .replacingOccurrences(of: "<feature enabled='yes' name='secure-boot'/>", with: "<feature enabled='no' name='secure-boot'/>")
            .replacingOccurrences(of: "machine='pc-q35-8.1'", with: "machine='pc-q35-9.0'")
        let diff = try LibvirtDomainXML.differences(live: LibvirtFixtures.win11Live, inactive: next)
        #expect(diff.contains { $0.hasPrefix("Hyper-V enlightenments:") })
        #expect(diff.contains("Secure Boot: running on, next boot off"))
        #expect(diff.contains("machine: running pc-q35-8.1, next boot pc-q35-9.0"))
        #expect(diff.count == 3)
    }

    @Test func badInactiveXMLThrows() {
        #expect(throws: LibvirtDomainXMLError.self) {
            try VirtualMachine.diffLiveVsPersistent(liveXML: LibvirtFixtures.win11Live, inactiveXML: "<domain>")
        }
    }
}

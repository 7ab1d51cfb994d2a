import Foundation
import Testing
@testable import KDNetKit

@Suite struct VMFixPlanTests {
    @Test func changesHaveAStableJSONForm() throws {
        let changes: [VMFixChange] = [
            .nicModel(mac: "52:54:00:6b:02:01", to: "e1000e"), .addDebugNIC(network: "default", model: "e1000e"),
            .hypervVendorID(value: "KVMKVMKVM"), .disableSecureBoot,
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(changes), as: UTF8.self)
        #expect(json == #"[{"kind":"nic-model","mac":"52:54:00:6b:02:01","model":"e1000e"},{"kind":"add-debug-nic","model":"e1000e","network":"default"},{"kind":"hyperv-vendor-id","value":"KVMKVMKVM"},{"kind":"disable-secure-boot"}]"#)
        #expect(try JSONDecoder().decode([VMFixChange].self, from: Data(json.utf8)) == changes)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(VMFixChange.self, from: Data(#"{"kind":"reboot"}"#.utf8)) }
    }

    @Test func planCollectsWarningsAndPowerCycle() throws {
        let plan = VMFixPlan(steps: [
            .init(change: .nicModel(mac: "52:54:00:6b:02:01", to: "e1000e"),
                  reason: "nic-model: virtio on a pc machine is transitional (1af4:1000); KDNET is not known to drive it; e1000e is on Microsoft's list from Windows 8.1"),
            .init(change: .disableSecureBoot, reason: "secure-boot: bcdedit /debug on is refused while Secure Boot is on"),
        ], platform: .libvirt(domain: "win10"))
        #expect(plan.changes == [.nicModel(mac: "52:54:00:6b:02:01", to: "e1000e"), .disableSecureBoot])
        #expect(plan.warnings == ["turning Secure Boot off changes the measured boot state: BitLocker will ask for its recovery key unless it is suspended first (manage-bde -protectors -disable C: -RebootCount 1); a TPM-sealed secret may need to be re-sealed"])
        #expect(plan.powerCycle == "power the VM off and start it again (virsh shutdown win10, then virsh start win10 --reset-nvram): a reboot from inside Windows keeps the old devices")

        let nicOnly = VMFixPlan(steps: [.init(change: .hypervVendorID(value: "KVMKVMKVM"), reason: "hyperv-vendor")], platform: .libvirt(domain: "win11"))
        #expect(nicOnly.warnings.isEmpty)
        #expect(nicOnly.powerCycle == "power the VM off and start it again (virsh shutdown win11, then virsh start win11): a reboot from inside Windows keeps the old devices")
        #expect(VMFixPlan.powerCycleInstruction(.proxmox(vmid: 104)) == "power the VM off and start it again (qm shutdown 104, then qm start 104): a reboot from inside Windows keeps the old devices")

        let data = try JSONEncoder().encode(plan)
        #expect(try JSONDecoder().decode(VMFixPlan.self, from: data) == plan)
    }
}

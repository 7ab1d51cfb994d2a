import Foundation
import Testing
@testable import KDNetKit

/// The traps public reports name: each is data with its source, and every output that
/// rests on one says so.
@Suite struct TargetTrapsTests {
    static let issue2303 = "https://github.com/MicrosoftDocs/windows-driver-docs/issues/2303"
    static let issue2293 = "https://github.com/MicrosoftDocs/windows-driver-docs/issues/2293"

    @Test func everyTrapTheCodeNamesIsInTheDataWithItsSource() throws {
        let data = try TargetTraps.builtIn()
        #expect(Set(data.traps.map(\.id)) == Set(TargetTraps.ID.allCases.map(\.rawValue)))
        #expect(TargetTraps.trap(.wrongDevice).source == Self.issue2303)
        #expect(TargetTraps.trap(.staticAddressLost).source == Self.issue2293)
        for id in TargetTraps.ID.allCases {
            let t = TargetTraps.trap(id)
            #expect(!t.claim.contains("missing or damaged") && !t.source.isEmpty, "\(id)")
            #expect(t.citation.contains(t.source))
        }
    }

    /// The paste of MicrosoftDocs/windows-driver-docs#2303: kdnet.exe chose the xHCI
    /// controller and wrote hostip 169.254.255.255.
    @Test func lintFlagsKdnetExesWrongDeviceHostIP() throws {
        let text = try FixtureFiles.text("dbgsettings/kdnet-wrong-device.txt")
        let lint = DbgSettingsLint(DbgSettings(parsing: text))
        let f = try #require(lint.findings.first { $0.code == "hostip-kdnet-wrong-device" })
        #expect(f.severity == .error && !lint.ok)
        #expect(f.source == Self.issue2303)
        #expect(f.message.contains("hostip 169.254.255.255") && f.message.contains(Self.issue2303))
        // The cause (the device it chose) and both fixes.
        #expect(f.message.contains("USB 3 xHCI controller") && f.message.contains("busparams it set, 0.20.0"))
        #expect(f.message.contains("kdnet.exe` again") && f.message.contains("bcdedit /set {dbgsettings} busparams b.d.f"))
        // Said once, as that failure, not also as a generic link-local or broadcast address.
        #expect(!lint.findings.contains { $0.code.hasPrefix("hostip-") && $0.code != f.code })
        // Another link-local hostip is not that failure.
        let other = DbgSettingsLint(DbgSettings(parsing: text.replacingOccurrences(of: "169.254.255.255", with: "169.254.10.1")))
        #expect(!other.findings.contains { $0.code == "hostip-kdnet-wrong-device" })
        #expect(other.findings.contains { $0.code == "hostip-link-local" })
    }

    @Test func findingsWithoutASourceKeepTheKeyAsNull() throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(LintFinding(.info, "x", "y"))) as? [String: Any])
        #expect(doc["source"] is NSNull)
    }

    @Test func bcdeditNotesTheStaticAddressTrapAndHowToSetItAgain() throws {
        var r = TargetSetupRequest(port: try DebugPort(validating: 50000), key: .given(TargetSetupTests.key))
        r.hostAddress = try HostAddress(parsing: "192.168.1.10")
        let notes = try TargetSetup(r).notes
        let note = try #require(notes.first { $0.contains("static IP address") })
        #expect(note.contains("\"Ethernet (Kernel Debugger)\"") && note.contains(Self.issue2293))
        #expect(note.contains("netsh interface ip set address") && note.contains("bcdedit /debug off"))
        #expect(note.contains("comes from DHCP"))
        // Turning debugging off is not where it is said.
        var off = TargetSetupRequest(port: try DebugPort(validating: 50000), key: .given(TargetSetupTests.key))
        off.action = .off
        #expect(!(try TargetSetup(off).notes.contains { $0.contains("static IP address") }))
    }

    @Test func planNotesTheStaticAddressTrapOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-traps-\(UUID().uuidString)")
        let planner = FleetPlanner(inventory: try Inventory.parseCSV("name\nalpha\nbeta\n", source: "inv.csv"),
                                   hostAddresses: [try HostAddress(parsing: "192.168.1.10")], outDir: dir)
        let (plan, _) = try planner.prepare()
        #expect(plan.notes.filter { $0.contains(Self.issue2293) && $0.contains("netsh interface ip set address") }.count == 1)
    }

    @Test func theWizardsPrecautionsNameTheStaticAddressTrap() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let io = ScriptedIO(["connect": ["skip"]])
        _ = try WizardFlow(io: io, services: FakeServices(), options: WizardFlowTests.options(out)).run()
        let lines = try #require(io.report(.precautions)?.lines)
        let line = try #require(lines.first { $0.hasPrefix("Static IP address:") })
        #expect(line.contains("\"Ethernet (Kernel Debugger)\"") && line.contains(Self.issue2293) && line.contains("netsh interface ip set address"))
    }
}

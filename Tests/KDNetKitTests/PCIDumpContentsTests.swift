import Foundation
import Testing
@testable import KDNetKit

/// busparams against the target's `lspci -x` dump: they must name a network controller
/// (class 02); kdnet.exe has been seen to pick the USB 3 xHCI controller instead
/// (MicrosoftDocs/windows-driver-docs#2303).
@Suite struct PCIDumpContentsTests {
    static func dump(_ name: String) throws -> PCIDumpContents {
        try PCIDumpContents.read(PCIDiscoveryTests.dump(name), pciIDs: PCIDiscoveryTests.ids)
    }

    static func lint(busparams: String, dump name: String) throws -> DbgSettingsLint {
        let text = try FixtureFiles.text("dbgsettings/kdnet-wrong-device.txt")
            .replacingOccurrences(of: "0.20.0", with: busparams)
        return DbgSettingsLint(DbgSettings(parsing: text), options: .init(pciDump: try dump(name)))
    }

    @Test func busparamsNamingTheXHCIControllerAreThatFailure() throws {
        let lint = try Self.lint(busparams: "0.20.0", dump: "xhci-at-busparams.lspci")
        let f = try #require(lint.findings.first { $0.code == "busparams-not-a-nic" })
        #expect(f.severity == .error)
        #expect(f.message.hasPrefix("busparams 0.20.0 is 00:14.0, a USB xHCI controller"))
        #expect(f.message.contains("PCI class 0c03, prog-if 30") && f.message.contains("not a network controller (class 02)"))
        #expect(f.source == TargetTrapsTests.issue2303 && f.message.contains(TargetTrapsTests.issue2303))
        // The fix names the dump's one NIC, in bcdedit's decimal form.
        #expect(f.message.contains("`bcdedit /set {dbgsettings} busparams 0.31.6` (00:1f.6, an Ethernet controller"))
    }

    @Test func busparamsNamingTheNICPass() throws {
        let lint = try Self.lint(busparams: "0.31.6", dump: "xhci-at-busparams.lspci")
        let f = try #require(lint.findings.first { $0.code.hasPrefix("busparams") })
        #expect(f.code == "busparams-network-controller" && f.severity == .info)
        #expect(f.message.contains("00:1f.6") && f.message.contains("I219-V"))
        // The supported NIC's fixture: the same verdict from another dump.
        let supported = try Self.lint(busparams: "0.31.6", dump: "supported.lspci")
        #expect(supported.findings.contains { $0.code == "busparams-network-controller" })
    }

    @Test func busparamsNamingNoDeviceSaySoAndListTheNICs() throws {
        let lint = try Self.lint(busparams: "0.5.0", dump: "several.lspci")
        let f = try #require(lint.findings.first { $0.code.hasPrefix("busparams") })
        #expect(f.code == "busparams-no-device" && f.severity == .error)
        #expect(f.message.contains("00:05.0") && f.message.contains("59.0.0 (3b:00.0"))
        // busparams cannot name another PCI domain, so a device there is not at them.
        let other = try Self.lint(busparams: "1.0.0", dump: "domain-1.lspci")
        #expect(other.findings.contains { $0.code == "busparams-no-device" })
    }

    @Test func withoutADumpBusparamsAreNotJudgedAgainstOne() throws {
        let text = try FixtureFiles.text("dbgsettings/kdnet-wrong-device.txt")
        let lint = DbgSettingsLint(DbgSettings(parsing: text))
        #expect(!lint.findings.contains { $0.code.hasPrefix("busparams") })
    }

    /// `doctor --dbgsettings --pci-dump`: the target-busparams line carries the verdict.
    @Test func theDoctorsBusparamsLineUsesTheDump() throws {
        let text = try FixtureFiles.text("dbgsettings/kdnet-wrong-device.txt")
        let lines = TargetSettingsCheck.judge(settings: DbgSettings(parsing: text), port: 50000, key: nil, hostIP: nil,
                                              snapshot: nil, hint: SettingsHint(hostIP: nil, port: 50000),
                                              pciDump: try Self.dump("xhci-at-busparams.lspci"))
        let bp = try #require(lines.first { $0.name == "target-busparams" })
        #expect(bp.verdict == .fail && bp.cause.contains("a USB xHCI controller") && bp.cause.contains(TargetTrapsTests.issue2303))
        let request = try DoctorRequest.parsing(port: 50000, key: nil, hostIP: nil, target: nil, dbgSettings: text,
                                                pciDump: PCIDiscoveryTests.dump("xhci-at-busparams.lspci"), pciIDs: PCIDiscoveryTests.ids)
        #expect(request.pciDump?.function(at: try BusParams(parsing: "0.20.0"))?.isXHCI == true)
        #expect(request.nics?.nics.count == 2)
    }
}

import Foundation
import Testing
@testable import KDNetKit

@Suite struct NICTableTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    /// Rows of the CSV copy: pair -> column -> listed.
    static func csv() throws -> (columns: [String], rows: [String: [String: Bool]]) {
        let text = try String(contentsOf: fixtures.appendingPathComponent("nic-support-matrix.csv"), encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        let columns = header.filter { $0.hasPrefix("windows-") }
        var rows: [String: [String: Bool]] = [:]
        for l in lines {
            let key = l[0].uppercased() + ":" + l[1].uppercased()
            for (i, name) in header.enumerated() where name.hasPrefix("windows-") {
                rows[key, default: [:]][name] = (rows[key]?[name] ?? false) || l[i] == "1"
            }
        }
        return (columns, rows)
    }

    @Test func everyCSVColumnSpeaksForAtLeastOneRelease() throws {
        let (columns, _) = try Self.csv()
        for c in columns {
            #expect(WindowsRelease.all.contains { $0.column == c }, "column \(c) has no release")
        }
        #expect(Set(WindowsRelease.all.map(\.column)).isSubset(of: Set(columns)))
    }

    @Test func verdictMatchesTheCSVForEveryPairAndRelease() throws {
        let (_, rows) = try Self.csv()
        let table = try NICSupportTable.builtIn()
        #expect(Set(table.pairs) == Set(rows.keys))
        for (pair, listed) in rows {
            let ids = pair.split(separator: ":").map { UInt16($0, radix: 16)! }
            let nic = PCIFunction(address: nil, identity: PCIIdentity(vendorID: ids[0], deviceID: ids[1]), deviceClass: 0x0200)
            for release in WindowsRelease.all {
                let verdict = NICVerdict.judge(nic, on: WindowsTarget(release), table: table)
                #expect(verdict.supported == listed[release.column], "\(pair) on \(release.name)")
            }
        }
    }

    @Test func laterBuildOnlyNamesTheBuildToUpdateTo() throws {
        let table = try NICSupportTable.builtIn()
        let rtl8125 = PCIFunction(address: nil, identity: PCIIdentity(vendorID: 0x10ec, deviceID: 0x8125), deviceClass: 0x0200)
        let v = NICVerdict.judge(rtl8125, on: try WindowsTarget(parsing: "10 1809"), table: table)
        #expect(!v.supported)
        #expect(v.minBuild == 18362)
        #expect(v.advice?.contains("Windows 10 1903") == true)
        let vmxnet3 = PCIFunction(address: nil, identity: NICVerdict.vmxnet3, deviceClass: 0x0200)
        #expect(!NICVerdict.judge(vmxnet3, on: try WindowsTarget(parsing: "11 22H2"), table: table).supported)
        #expect(NICVerdict.judge(vmxnet3, on: try WindowsTarget(parsing: "11 23H2"), table: table).supported)
    }

    @Test func droppedPairsSayTheyWereDropped() throws {
        let table = try NICSupportTable.builtIn()
        let nic = PCIFunction(address: nil, identity: PCIIdentity(vendorID: 0x14e4, deviceID: 0x1658), deviceClass: 0x0200)
        #expect(NICVerdict.judge(nic, on: try WindowsTarget(parsing: "8.1"), table: table).supported)
        let v = NICVerdict.judge(nic, on: .newest, table: table)
        #expect(!v.supported)
        #expect(v.reason.contains("dropped"))
    }

    @Test func virtualAndWirelessNICsGetTheirOwnAdvice() throws {
        let table = try NICSupportTable.builtIn()
        let virtio = NICVerdict.judge(PCIFunction(address: nil, identity: PCIIdentity(vendorID: 0x1af4, deviceID: 0x1041), deviceClass: 0x0200), on: .newest, table: table)
        #expect(!virtio.supported && virtio.advice!.contains("e1000") && virtio.advice!.contains("vmxnet3"))
        let legacy = NICVerdict.judge(PCIFunction(address: nil, identity: NICVerdict.hyperVLegacy, deviceClass: 0x0200), on: .newest, table: table)
        #expect(legacy.advice!.contains("synthetic"))
        let wifi = NICVerdict.judge(PCIFunction(address: nil, identity: PCIIdentity(vendorID: 0x8086, deviceID: 0x2723), deviceClass: 0x0280), on: .newest, table: table)
        #expect(wifi.kind == .wireless && !wifi.supported)
        let usb = NICVerdict.judge(PCIFunction(address: nil, identity: PCIIdentity(vendorID: 0x0bda, deviceID: 0x8153), deviceClass: nil, usbAttached: true), on: .newest, table: table)
        #expect(usb.kind == .usbAttached && !usb.supported)
    }

    @Test(arguments: [
        ("8", "Windows 8", 9200), ("8.1", "Windows 8.1", 9600), ("10 1809", "Windows 10 1809", 17763),
        ("1703", "Windows 10 1703", 15063), ("Windows 11 24H2", "Windows 11 24H2", 26100),
        ("win11-23h2", "Windows 11 23H2", 22631), ("24h2", "Windows 11 24H2", 26100), ("10", "Windows 10 22H2", 19045),
        ("22631", "Windows 11 23H2", 22631), ("10.0.26100", "Windows 11 24H2", 26100),
    ])
    func parsesWindowsReleases(text: String, release: String, build: Int) throws {
        let t = try WindowsTarget(parsing: text)
        #expect(t.release == release)
        #expect(t.build == build)
    }

    @Test func bareBuildsAreJudgedByTheReleaseBelow() throws {
        let t = try WindowsTarget(parsing: "23000")
        #expect(t.build == 23000)
        #expect(t.judgedBy.version == "11 23H2")
        #expect(throws: HardwareUsageError.buildTooOld(7601)) { try WindowsTarget(parsing: "7601") }
        #expect(throws: HardwareUsageError.unknownWindows("21H2")) { try WindowsTarget(parsing: "21H2") }
        #expect(throws: HardwareUsageError.unknownWindows("vista")) { try WindowsTarget(parsing: "vista") }
    }
}

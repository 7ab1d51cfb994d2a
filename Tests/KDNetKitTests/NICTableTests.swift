import Foundation
import Testing
@testable import KDNetKit

@Suite struct NICTableTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    /// Rows of the CSV copy: pair -> column -> listed, and the XML list's build per pair.
    static func csv() throws -> (columns: [String], rows: [String: [String: Bool]], xmlBuild: [String: Int]) {
        let text = try String(contentsOf: fixtures.appendingPathComponent("nic-support-matrix.csv"), encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        let columns = header.filter { $0.hasPrefix("windows-") }
        let buildColumn = try #require(header.firstIndex(of: "xml_build_attr"))
        var rows: [String: [String: Bool]] = [:]
        var xmlBuild: [String: Int] = [:]
        for l in lines {
            let key = l[0].uppercased() + ":" + l[1].uppercased()
            for (i, name) in header.enumerated() where name.hasPrefix("windows-") {
                rows[key, default: [:]][name] = (rows[key]?[name] ?? false) || l[i] == "1"
            }
            if let b = Int(l[buildColumn]) { xmlBuild[key] = b }
        }
        return (columns, rows, xmlBuild)
    }

    static let knowledge = try! NICKnowledge.builtIn()

    static func judge(_ vendor: UInt16, _ device: UInt16, _ windows: String, deviceClass: UInt16? = 0x0200,
                      config: PCIConfigSpace? = nil, virtio: VirtioTransport? = nil, progIf: UInt8 = 0) throws -> NICVerdict {
        let f = PCIFunction(address: nil, identity: PCIIdentity(vendorID: vendor, deviceID: device), deviceClass: deviceClass,
                            progIf: progIf, config: config, declaredVirtio: virtio)
        return NICVerdict.judge(f, on: try WindowsTarget(parsing: windows), knowledge: knowledge)
    }

    @Test func everyCSVColumnSpeaksForAtLeastOneRelease() throws {
        let (columns, _, _) = try Self.csv()
        for c in columns {
            #expect(WindowsRelease.all.contains { $0.column == c }, "column \(c) has no release")
        }
        #expect(Set(WindowsRelease.all.map(\.column)).isSubset(of: Set(columns)))
    }

    /// The XML list's build wins where the CSV has one; page membership decides the rest.
    @Test func verdictMatchesTheCSVForEveryPairAndRelease() throws {
        let (_, rows, xmlBuild) = try Self.csv()
        let table = Self.knowledge.table
        #expect(Set(table.pairs) == Set(rows.keys))
        var disagreements = 0
        for (pair, listed) in rows {
            let ids = pair.split(separator: ":").map { UInt16($0, radix: 16)! }
            let nic = PCIFunction(address: nil, identity: PCIIdentity(vendorID: ids[0], deviceID: ids[1]), deviceClass: 0x0200)
            for release in WindowsRelease.all {
                let verdict = NICVerdict.judge(nic, on: WindowsTarget(release), knowledge: Self.knowledge)
                let expected = xmlBuild[pair].map { release.build >= $0 } ?? listed[release.column]!
                #expect(verdict.supported == expected, "\(pair) on \(release.name)")
                #expect(verdict.basis == .publishedList, "\(pair) on \(release.name)")
                if expected != listed[release.column]! {
                    disagreements += 1
                    // The text names both the page and the XML list's build.
                    #expect(verdict.reason.contains("page") && verdict.reason.contains("build \(xmlBuild[pair]!)"), "\(pair): \(verdict.reason)")
                }
            }
        }
        // Pages and XML disagree for Windows 8's 82574L, 20241-only Broadcoms on the Windows 10 page, ...
        #expect(disagreements > 100)
    }

    @Test func laterBuildOnlyNamesTheBuildToUpdateTo() throws {
        let v = try Self.judge(0x10ec, 0x8125, "10 1809")
        #expect(v.supported == false && v.minBuild == 18362)
        #expect(v.advice?.contains("Windows 10 1903") == true)
    }

    /// The Windows 11 page lists vmxnet3 and the 24H2 page lists ENA, but the XML list that
    /// kdnet.exe ships says from 26006 and from 27900.
    @Test(arguments: [
        (UInt16(0x15ad), UInt16(0x07b0), 26006), (0x1d0f, 0xec20, 27900), (0x1d0f, 0xec21, 27900), (0x1414, 0x00b9, 25500),
    ])
    func minBuildWinsOverPageMembership(vendor: UInt16, device: UInt16, minBuild: Int) throws {
        let before = try Self.judge(vendor, device, String(minBuild - 1))
        #expect(before.supported == false && before.basis == .publishedList && before.minBuild == minBuild)
        #expect(before.reason.contains("XML list says from build \(minBuild)") || before.reason.contains("from build \(minBuild) only"))
        #expect(try Self.judge(vendor, device, String(minBuild)).supported == true)
        #expect(try Self.judge(vendor, device, String(minBuild + 1000)).supported == true)
    }

    @Test func vmxnet3On23H2NamesThePageAndTheXMLList() throws {
        let v = try Self.judge(0x15ad, 0x07b0, "22631")
        #expect(v.supported == false)
        #expect(v.reason == "listed on the Windows 11 23H2 page; Microsoft's XML list says from build 26006, and Windows 11 23H2 is build 22631")
        #expect(try Self.judge(0x1d0f, 0xec20, "11 24H2").supported == false)
    }

    @Test func e1000eIsSupportedFromWindows81() throws {
        let v = try Self.judge(0x8086, 0x10d3, "8.1")
        #expect(v.supported == true && v.basis == .publishedList && v.minBuild == 9600)
        // Listed on the Windows 8 page, but the XML list says 9600.
        #expect(try Self.judge(0x8086, 0x10d3, "8").supported == false)
    }

    @Test func droppedPairsSayTheyWereDropped() throws {
        #expect(try Self.judge(0x14e4, 0x1658, "8.1").supported == true)
        let v = try Self.judge(0x14e4, 0x1658, "11 24H2")
        #expect(v.supported == false && v.basis == .publishedList)
        #expect(v.reason.contains("dropped"))
    }

    /// Every module row at its boundaries: a module that drives NICs makes a verdict only for
    /// a device a report names (virtio-net) or that the list names; the others never do.
    @Test func everyModuleRowAtItsBuildBoundaries() throws {
        let modules = Self.knowledge.modules
        #expect(modules.modules.count == 15)
        for module in modules.modules {
            #expect(module.source.isEmpty == false && module.seenIn.isEmpty == false, "\(module.file) has its source")
            guard module.drivesNICs, let vendorHex = module.vendor, let vendor = UInt16(vendorHex, radix: 16) else {
                #expect(["kd_07_1415.dll", "kd_0C_8086.dll", "kdnet_uart16550.dll"].contains(module.file))
                continue
            }
            let reported = modules.deviceReports.filter { $0.vendor == vendorHex && $0.works == true }
            if let report = reported.first {
                let device = UInt16(report.device, radix: 16)!
                let first = try #require(module.firstSeenBuild)
                let before = try Self.judge(vendor, device, String(first - 1))
                #expect(before.supported == nil && before.basis == nil && before.reason.contains("not known"), "\(module.file) before \(first)")
                let at = try Self.judge(vendor, device, String(first))
                #expect(at.supported == true && at.basis == .shippedModule && at.reportedBy == report.reportedBy, "\(module.file) at \(first)")
                #expect(try Self.judge(vendor, device, "11 24H2").supported == true)
                continue
            }
            // A vendor whose NICs Microsoft lists: its earliest-listed device at its XML build.
            let table = Self.knowledge.table
            let listed = table.nics.filter { $0.key.hasPrefix(vendorHex + ":") && $0.value.xmlBuild != nil }
            let (pair, entry) = try #require(listed.min { ($0.value.xmlBuild!, $0.key) < ($1.value.xmlBuild!, $1.key) }, "\(module.file)")
            let device = UInt16(pair.split(separator: ":")[1], radix: 16)!
            let first = entry.xmlBuild!
            if first > 9200 {
                let before = try Self.judge(vendor, device, String(first - 1))
                #expect(before.supported == false && before.basis == .publishedList, "\(pair) before \(first)")
            }
            #expect(try Self.judge(vendor, device, String(first)).supported == true, "\(pair) at \(first)")
            #expect(try Self.judge(vendor, device, String(max(first, 26100))).supported == true, "\(pair) later")
            // An unlisted device of the same vendor is not promised by the module.
            let unlisted = try Self.judge(vendor, 0xfffe, "11 24H2")
            // (Microsoft's own unlisted ids are Hyper-V's adapters, which get Hyper-V's advice.)
            #expect(unlisted.supported == false, "\(module.file) unlisted device")
            #expect(vendor == 0x1414 ? unlisted.advice!.contains("synthetic") : unlisted.reason.contains(module.file), "\(module.file): \(unlisted.reason)")
        }
    }

    @Test func nonNICModulesNeverMakeANICVerdict() throws {
        // kd_0C_8086.dll drives USB debugging over Intel xHCI: still not a NIC.
        let xhci = try Self.judge(0x8086, 0xa36d, "11 24H2", deviceClass: 0x0c03, progIf: 0x30)
        #expect(xhci.kind == .usbController && xhci.supported == false)
        // kd_07_1415.dll drives an Oxford serial port: not a NIC candidate at all.
        let serial = PCIFunction(address: nil, identity: PCIIdentity(vendorID: 0x1415, deviceID: 0xc158), deviceClass: 0x0700)
        #expect(!serial.isNICCandidate)
        #expect(Self.knowledge.modules.nicModule(vendor: 0x1415) == nil)
        #expect(Self.knowledge.modules.nicModule(vendor: 0x8086)?.file == "kd_02_8086.dll")
    }

    @Test func virtioVerdictsByTransport() throws {
        let modern = try Self.judge(0x1af4, 0x1041, "11 22H2")
        #expect(modern.supported == true && modern.basis == .shippedModule)
        #expect(modern.reason.contains("kd_02_1af4.dll") && modern.reason.contains("Cloud Hypervisor"))
        #expect(modern.advice?.contains("e1000e") == true)
        let early = try Self.judge(0x1af4, 0x1041, "11 21H2")
        #expect(early.supported == nil && early.basis == nil && early.advice?.contains("e1000e") == true)
        let legacy = try Self.judge(0x1af4, 0x1000, "11 24H2", virtio: .legacyOnly)
        #expect(legacy.supported == false && legacy.basis == .shippedModule && legacy.reportedBy?.contains("Parallels") == true)
        #expect(legacy.advice?.contains("disable-legacy=on") == true && legacy.advice?.contains("virtio-non-transitional") == true)
        let transitional = try Self.judge(0x1af4, 0x1000, "11 24H2", virtio: .transitional)
        #expect(transitional.supported == nil && transitional.basis == nil)
        let bare = try Self.judge(0x1af4, 0x1000, "11 24H2")
        #expect(bare.supported == nil && bare.reason.contains("cannot tell") && bare.advice?.contains("lspci -xxx") == true)
    }

    @Test func hyperVWirelessAndUSBGetTheirOwnAdvice() throws {
        let legacy = NICVerdict.judge(PCIFunction(address: nil, identity: NICVerdict.hyperVLegacy, deviceClass: 0x0200), on: .newest, knowledge: Self.knowledge)
        #expect(legacy.supported == false && legacy.advice!.contains("synthetic"))
        let wifi = try Self.judge(0x8086, 0x2723, "11 24H2", deviceClass: 0x0280)
        #expect(wifi.kind == .wireless && wifi.supported == false)
        let usb = NICVerdict.judge(PCIFunction(address: nil, identity: PCIIdentity(vendorID: 0x0bda, deviceID: 0x8153), deviceClass: nil, usbAttached: true),
                                   on: .newest, knowledge: Self.knowledge)
        #expect(usb.kind == .usbAttached && usb.supported == false && usb.basis == nil)
    }

    @Test func configSpaceTellsTransitionalFromLegacyOnly() throws {
        func space(_ caps: [(UInt8, UInt8)], status: UInt8 = 0x10) -> PCIConfigSpace {
            var b = [UInt8](repeating: 0, count: 256)
            b[6] = status
            var offset = 0x40
            b[0x34] = caps.isEmpty ? 0 : UInt8(offset)
            for (i, (id, cfgType)) in caps.enumerated() {
                b[offset] = id
                b[offset + 1] = i == caps.count - 1 ? 0 : UInt8(offset + 0x10)
                b[offset + 3] = cfgType
                offset += 0x10
            }
            return PCIConfigSpace(bytes: b)
        }
        let id = PCIIdentity(vendorID: 0x1af4, deviceID: 0x1000)
        #expect(VirtioTransport.of(id, config: space([(0x11, 0), (0x09, 1), (0x09, 2), (0x09, 3), (0x09, 4)])) == .transitional)
        #expect(VirtioTransport.of(id, config: space([(0x11, 0)])) == .legacyOnly)
        #expect(VirtioTransport.of(id, config: space([], status: 0)) == .legacyOnly)
        // Only the 64 bytes of `lspci -x`: the list lies beyond them.
        #expect(VirtioTransport.of(id, config: PCIConfigSpace(bytes: Array(space([(0x09, 1)]).bytes.prefix(64)))) == nil)
        #expect(VirtioTransport.of(id, config: nil) == nil)
        #expect(VirtioTransport.of(PCIIdentity(vendorID: 0x1af4, deviceID: 0x1041), config: nil) == .modern)
        #expect(VirtioTransport.of(PCIIdentity(vendorID: 0x8086, deviceID: 0x1000), config: nil) == nil)
        // A list that points at itself ends instead of looping.
        var looped = space([(0x09, 1)]).bytes
        looped[0x41] = 0x40
        #expect(PCIConfigSpace(bytes: looped).capabilities?.count == 48)
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

import Foundation
import Testing
@testable import KDNetKit

@Suite struct PCIDiscoveryTests {
    static let pci = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("pci")
    static var ids: String { pci.appendingPathComponent("pci.ids").path }
    static func dump(_ name: String) -> String { pci.appendingPathComponent(name).path }

    static func survey(_ name: String, windows: String? = nil) throws -> NICSurvey {
        try NICSurvey.survey(dump: dump(name), ids: [], windows: windows, pciIDs: ids)
    }

    @Test func addressesConvertToDecimalBusparams() {
        #expect(PCIAddress(lspci: "3b:00.0")?.busparams == "59.0.0")
        #expect(PCIAddress(lspci: "0000:00:1f.6")?.busparams == "0.31.6")
        #expect(PCIAddress(lspci: "0001:3b:00.0")?.description == "0001:3b:00.0")
        #expect(PCIAddress(lspci: "3b:00.0")?.sysfsName == "0000:3b:00.0")
        #expect(PCIAddress(lspci: "3b:20.0") == nil)
        #expect(PCIAddress(lspci: "3b:00.8") == nil)
        #expect(PCIAddress(lspci: "zz") == nil)
    }

    @Test func readsWindowsIds() throws {
        let id = try DeviceID(parsing: #"PCI\VEN_8086&DEV_15B8&SUBSYS_7A721462&REV_00\3&11583659&0&FE"#)
        #expect(id.bus == .pci && id.identity.pair == "8086:15b8" && id.identity.subsystem == "1462:7a72")
        #expect(try DeviceID(parsing: "Instance ID: PCI\\VEN_10EC&DEV_8125&CC_0200").deviceClass == 0x0200)
        #expect(try DeviceID(parsing: #"USB\VID_0BDA&PID_8153\000001"#).bus == .usb)
        #expect(try DeviceID.parseList(["8086:15b8, 10ec:8168", "1af4:1041"]).map(\.identity.pair) == ["8086:15b8", "10ec:8168", "1af4:1041"])
        #expect(throws: HardwareUsageError.badDeviceID("8086-15b8")) { try DeviceID(parsing: "8086-15b8") }
        #expect(throws: HardwareUsageError.badDeviceID(#"PCI\VEN_80&DEV_15B8"#)) { try DeviceID(parsing: #"PCI\VEN_80&DEV_15B8"#) }
        #expect(throws: HardwareUsageError.noDeviceIDs) { try DeviceID.parseList([" , "]) }
    }

    /// A dump is read once and bounded whatever it is: through a FIFO it gives what the
    /// file gives (libpci reads a private copy), and neither an endless device nor a
    /// dump of more devices than any machine has reaches libpci.
    @Test func aDumpIsReadOnceAndBoundedWhateverItIs() throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-dump-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let text = try String(contentsOfFile: Self.dump("several.lspci"), encoding: .utf8)
        let writer = Thread { try? text.write(toFile: fifo, atomically: false, encoding: .utf8) }
        writer.start()
        let throughFIFO = try NICSurvey.survey(dump: fifo, ids: [], windows: nil, pciIDs: Self.ids)
        let fromFile = try Self.survey("several.lspci")
        #expect(throughFIFO.nics.map(\.pciAddress) == fromFile.nics.map(\.pciAddress) && !fromFile.nics.isEmpty)
        #expect(throughFIFO.nics.map(\.deviceName) == fromFile.nics.map(\.deviceName))

        #expect(throws: TextInputError(source: "/dev/zero", problem: .tooLarge(TextInput.defaultLimit), expecting: "an `lspci -x` dump")) {
            try NICSurvey.survey(dump: "/dev/zero", ids: [], windows: nil, pciIDs: Self.ids)
        }
        let many = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-many-\(UUID().uuidString).lspci").path
        defer { unlink(many) }
        let device = { (i: Int) in String(format: "%02x:%02x.%d Ethernet controller: Intel Corporation Device 1533\n00: 86 80 33 15 07 04 10 00 03 00 00 02 10 00 00 00\n", i / 256, i / 8 % 32, i % 8) }
        try (0...PCIScanner.dumpDeviceLimit).map(device).joined().write(toFile: many, atomically: true, encoding: .utf8)
        #expect(throws: HardwareError.dumpTooManyDevices(many, PCIScanner.dumpDeviceLimit)) {
            try NICSurvey.survey(dump: many, ids: [], windows: nil, pciIDs: Self.ids)
        }
        // At the limit it is read (the bound is on devices, not on a well-formed dump).
        try (0..<PCIScanner.dumpDeviceLimit).map(device).joined().write(toFile: many, atomically: true, encoding: .utf8)
        #expect(try NICSurvey.survey(dump: many, ids: [], windows: nil, pciIDs: Self.ids).nics.count == PCIScanner.dumpDeviceLimit)
    }

    @Test func supportedDumpGivesBusparamsNamesAndSubsystem() throws {
        let s = try Self.survey("supported.lspci")
        #expect(s.nics.count == 1) // the host bridge is not a NIC
        let n = try #require(s.nics.first)
        #expect(n.pciAddress == "00:1f.6" && n.busparams == "0.31.6")
        #expect(n.deviceName == "Ethernet Connection (2) I219-V" && n.vendorName == "Intel Corporation")
        #expect(n.subsystem == "1462:7a72" && n.subsystemName == "H270 PC MATE")
        #expect(n.supported == true && n.basis == .publishedList && n.minBuild == 15063)
        #expect(s.recommended == "00:1f.6")
        #expect(s.bcdedit == "bcdedit /set {dbgsettings} busparams 0.31.6")
    }

    @Test func laterBuildDump() throws {
        let old = try Self.survey("later-build.lspci", windows: "10 1809")
        #expect(!old.anySupported && old.nics[0].minBuild == 18362 && old.recommended == nil)
        #expect(try Self.survey("later-build.lspci", windows: "10 1903").anySupported)
    }

    @Test func unsupportedAndVirtioDumps() throws {
        let u = try Self.survey("unsupported.lspci")
        #expect(u.nics.map(\.kind) == [.wireless, .ethernet])
        #expect(u.nics[1].reason.contains("not on Microsoft's supported list"))
        // A 16-byte dump cannot tell the 1af4:1000's transport; the 1041 is modern.
        let v = try Self.survey("virtio.lspci", windows: "11 23H2")
        #expect(v.nics.map(\.supported) == [nil, true])
        #expect(v.nics.map(\.virtio) == [nil, .modern])
        #expect(v.recommended == "00:04.0" && v.recommendation.contains("public report"))
    }

    /// `lspci -xxx` holds the capability list, which tells the three virtio-nets apart.
    @Test func virtioDumpsByCapabilities() throws {
        let modern = try Self.survey("virtio-modern.lspci")
        #expect(modern.nics.count == 1 && modern.nics[0].virtio == .modern && modern.nics[0].supported == true)
        #expect(modern.nics[0].basis == .shippedModule && modern.bcdedit == "bcdedit /set {dbgsettings} busparams 0.3.0")
        let transitional = try Self.survey("virtio-transitional.lspci")
        #expect(transitional.nics[0].virtio == .transitional && transitional.nics[0].supported == nil && transitional.recommended == nil)
        let legacy = try Self.survey("virtio-legacy-only.lspci")
        #expect(legacy.nics[0].virtio == .legacyOnly && legacy.nics[0].supported == false && legacy.nics[0].basis == .shippedModule)
        let cut = try Self.survey("virtio-transitional-64.lspci")
        #expect(cut.nics[0].virtio == nil && cut.nics[0].supported == nil && cut.nics[0].advice!.contains("lspci -xxx"))
        // Before 22621 no module is known: not known, not "no".
        let early = try Self.survey("virtio-modern.lspci", windows: "11 21H2")
        #expect(early.nics[0].supported == nil && !early.anySupported)
    }

    @Test func aListedNICIsRecommendedBeforeAModuleOnlyOne() throws {
        let virtio = PCIFunction(address: PCIAddress(bus: 0, device: 3, function: 0), identity: PCIIdentity(vendorID: 0x1af4, deviceID: 0x1041),
                                 deviceClass: 0x0200, link: "up")
        let e1000e = PCIFunction(address: PCIAddress(bus: 1, device: 0, function: 0), identity: PCIIdentity(vendorID: 0x8086, deviceID: 0x10d3),
                                 deviceClass: 0x0200, link: "down")
        let s = NICSurvey(functions: [virtio, e1000e], source: "test", windows: .newest, knowledge: NICTableTests.knowledge)
        #expect(s.nics.map(\.supported) == [true, true])
        #expect(s.recommended == "01:00.0" && s.bcdedit == "bcdedit /set {dbgsettings} busparams 1.0.0")
        let alone = NICSurvey(functions: [virtio], source: "test", windows: .newest, knowledge: NICTableTests.knowledge)
        #expect(alone.recommended == "00:03.0")
    }

    /// A saved `nics --json` from the target is judged again for another Windows with the
    /// same code, keeping the transport the target's dump showed.
    @Test func savedSurveysAreRejudgedWithTheirTransport() throws {
        let saved = try Self.survey("virtio-legacy-only.lspci", windows: "11 24H2")
        let data = try JSONOutput.data(saved)
        let back = try JSONOutput.decoder().decode(NICSurvey.self, from: data)
        let again = back.rejudged(for: try WindowsTarget(parsing: "11 22H2"), knowledge: NICTableTests.knowledge)
        #expect(again.windows.build == 22621 && again.nics[0].virtio == .legacyOnly && again.nics[0].supported == false)
        let modern = try JSONOutput.decoder().decode(NICSurvey.self, from: try JSONOutput.data(try Self.survey("virtio-modern.lspci")))
        #expect(modern.rejudged(for: try WindowsTarget(parsing: "11 21H2"), knowledge: NICTableTests.knowledge).nics[0].supported == nil)
        #expect(modern.rejudged(for: try WindowsTarget(parsing: "11 23H2"), knowledge: NICTableTests.knowledge).recommended == "00:03.0")
    }

    @Test func severalNICsRecommendOneSupported() throws {
        let onOld = try Self.survey("several.lspci", windows: "10 1809")
        #expect(onOld.nics.map(\.pciAddress) == ["00:14.0", "02:00.0", "03:00.0", "3b:00.0", "3c:00.0"])
        #expect(onOld.nics[0].kind == .usbController)
        #expect(onOld.recommended == "3c:00.0" && onOld.bcdedit!.hasSuffix("busparams 60.0.0"))
        // On 24H2 the I225-V is listed too, and comes first by address.
        let onNew = try Self.survey("several.lspci")
        #expect(onNew.recommended == "3b:00.0")
    }

    @Test func recommendationPrefersLinkUpAndBuiltIn() throws {
        func nic(_ bus: Int, link: String?, removable: Bool = false) -> PCIFunction {
            PCIFunction(address: PCIAddress(bus: bus, device: 0, function: 0), identity: PCIIdentity(vendorID: 0x8086, deviceID: 0x1533),
                        deviceClass: 0x0200, interface: link == nil ? nil : "eth\(bus)", link: link, removable: removable)
        }
        let s = NICSurvey(functions: [nic(1, link: "down"), nic(2, link: "up", removable: true), nic(3, link: "up")],
                          source: "test", windows: .newest, knowledge: NICTableTests.knowledge)
        #expect(s.recommended == "03:00.0")
        #expect(s.nics[1].docking)
        let dockOnly = NICSurvey(functions: [nic(2, link: "up", removable: true)], source: "test", windows: .newest, knowledge: NICTableTests.knowledge)
        #expect(dockOnly.recommended == "02:00.0" && dockOnly.recommendation.contains("never unplug"))
    }

    @Test func badDumpsAreErrorsNotExits() throws {
        #expect(throws: HardwareError.dumpUnreadable(Self.dump("malformed.lspci"), "dump: Malformed line")) { try Self.survey("malformed.lspci") }
        #expect(throws: HardwareError.dumpEmpty(Self.dump("not-a-dump.lspci"))) { try Self.survey("not-a-dump.lspci") }
        #expect(throws: HardwareError.dumpMissing("/nonexistent/dump")) {
            try NICSurvey.survey(dump: "/nonexistent/dump", ids: [], windows: nil, pciIDs: Self.ids)
        }
        #expect(throws: HardwareUsageError.pciIDsMissing("/nonexistent/pci.ids")) {
            try NICSurvey.survey(dump: Self.dump("supported.lspci"), ids: [], windows: nil, pciIDs: "/nonexistent/pci.ids")
        }
        #expect(throws: HardwareUsageError.twoSources) {
            try NICSurvey.survey(dump: Self.dump("supported.lspci"), ids: ["8086:15b8"], windows: nil, pciIDs: Self.ids)
        }
    }

    @Test func idsAreNamedFromPciIds() throws {
        let s = try NICSurvey.survey(dump: nil, ids: [#"PCI\VEN_8086&DEV_15B8&SUBSYS_7A721462"#, "1d6a:07b1"], windows: nil, pciIDs: Self.ids)
        #expect(s.nics.map(\.deviceName) == ["Ethernet Connection (2) I219-V", "AQC107 NBase-T/IEEE 802.3bz Ethernet Controller [AQtion]"])
        #expect(s.nics[0].subsystemName == "H270 PC MATE")
        #expect(s.nics.map(\.supported) == [true, false])
        #expect(s.nics.allSatisfy { $0.className == nil })
        #expect(s.recommended == nil && s.recommendation.contains("Device Manager"))
    }

    @Test func sysfsGivesInterfaceLinkAndRemovable() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kdt-sysfs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        let dev = root.appendingPathComponent("bus/pci/devices/0000:3b:00.0")
        try fm.createDirectory(at: dev.appendingPathComponent("virtio3/net/ens3"), withIntermediateDirectories: true)
        try "removable\n".write(to: dev.appendingPathComponent("removable"), atomically: true, encoding: .utf8)
        try fm.createDirectory(at: root.appendingPathComponent("class/net/ens3"), withIntermediateDirectories: true)
        try "up\n".write(to: root.appendingPathComponent("class/net/ens3/operstate"), atomically: true, encoding: .utf8)
        let address = PCIAddress(bus: 0x3b, device: 0, function: 0)
        var f = PCIFunction(address: address, identity: PCIIdentity(vendorID: 0x8086, deviceID: 0x1533), deviceClass: 0x0200)
        SysfsPCI(root: root.path).annotate(&f, at: address)
        #expect(f.interface == "ens3" && f.link == "up" && f.removable)
    }

    /// Hostile-input trial: a dump naming device 3f function 9 was turned into busparams
    /// 0.63.9, and a NIC in domain 0001 was recommended although busparams cannot name it.
    @Test func impossibleAndNonZeroDomainAddressesGetNoBusparams() throws {
        #expect(throws: HardwareError.impossibleAddress(Self.dump("impossible-address.lspci"), "00:3f.9")) {
            try Self.survey("impossible-address.lspci")
        }
        let other = try Self.survey("domain-1.lspci", windows: "8.1")
        #expect(other.nics[0].pciAddress == "0001:3b:00.0" && other.nics[0].busparams == nil && other.nics[0].supported == true)
        #expect(other.recommended == nil && other.bcdedit == nil && other.recommendation.contains("outside PCI domain 0"))
    }
}

import Foundation
import Testing
@testable import KDNetKit

/// The wizard and plan remember where their setup is; the doctor checks it.
@Suite struct RememberedSetupTests {
    static let key = WizardFlowTests.key

    static func madeDir() throws -> URL {
        let dir = WizardTemp.dir()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func memory(in dir: URL) -> SetupMemory {
        SetupMemory(state: StateDirectory(environment: ["XDG_STATE_HOME": dir.appendingPathComponent("state").path]))
    }

    @Test func theWizardRemembersItsFolderPortAndAddressButNotTheKey() throws {
        let dir = try Self.madeDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("setup")
        let memory = Self.memory(in: dir)
        var options = WizardFlowTests.options(out)
        options.memory = memory
        let services = FakeServices()
        services.outcomes = [WizardFlowTests.connected]
        let io = ScriptedIO()
        let record = try WizardFlow(io: io, services: services, options: options).run()

        let setup = try #require(try memory.recall())
        #expect(setup.folder == out.path)
        #expect(setup.madeBy == .wizard)
        #expect(setup.port == Int(record.choices["port"] ?? ""))
        #expect(setup.hostIp == record.choices["host-ip"])
        #expect(setup.listenerConfig == out.appendingPathComponent("listener.json").path)
        #expect(try setup.loadListenerConfig().targets.first?.key == Self.key.text)
        #expect(record.remembered == memory.file.path)
        #expect(io.report(.result)?.lines.contains { $0.hasPrefix("remembered in \(memory.file.path)") } == true)
        let stored = try String(contentsOf: memory.file, encoding: .utf8)
        #expect(!stored.contains(Self.key.text))
        #expect(!stored.contains(Self.key.text.split(separator: ".")[0]))
    }

    @Test func theTargetSideAndAWinDbgSetupAreRememberedAsTheyCanBeUsed() throws {
        let dir = try Self.madeDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let memory = Self.memory(in: dir)
        var side = WizardFlowTests.options(dir.appendingPathComponent("side"), presets: ["host-ip": "198.51.100.10"], targetSide: true)
        side.memory = memory
        let services = FakeServices()
        let sideRecord = try WizardFlow(io: ScriptedIO(), services: services, options: side).run()
        #expect(sideRecord.remembered == nil)
        #expect(try memory.recall() == nil)

        var windbg = WizardFlowTests.options(dir.appendingPathComponent("windbg"), presets: ["debugger": "windbg", "host-ip": "198.51.100.10"])
        windbg.memory = memory
        _ = try WizardFlow(io: ScriptedIO(), services: FakeServices(), options: windbg).run()
        let setup = try #require(try memory.recall())
        #expect(setup.listenerConfig == nil)
        #expect(throws: SetupMemoryError.forWinDbg(setup.folder)) { try setup.loadListenerConfig() }
    }

    @Test func anUnwritableStateDirectoryIsAWarningNotAFailure() throws {
        let dir = try Self.madeDir(); defer { try? FileManager.default.removeItem(at: dir) }
        // The state directory's parent is a file: nothing can be made under it.
        try "x".write(to: dir.appendingPathComponent("state"), atomically: true, encoding: .utf8)
        var options = WizardFlowTests.options(dir.appendingPathComponent("setup"))
        options.memory = Self.memory(in: dir)
        let io = ScriptedIO()
        let services = FakeServices()
        services.outcomes = [WizardFlowTests.connected]
        let record = try WizardFlow(io: io, services: services, options: options).run()
        #expect(record.remembered == nil)
        #expect(record.outcome == .connected)
        #expect(io.report(.result)?.warnings.contains { $0.hasPrefix("could not remember this setup in \(dir.path)/state/kdnetctl") } == true)
    }

    @Test func aPlanIsRememberedByItsFolderAndListenerConfig() {
        let plan = FleetPlan(outDir: "/srv/lab/../lab/fleet", targets: [], removed: [], files: [], firewall: [], warnings: [])
        let setup = plan.rememberedSetup
        #expect(setup.folder == "/srv/lab/fleet")
        #expect(setup.listenerConfig == "/srv/lab/fleet/listener.json")
        #expect(setup.port == nil)
        #expect(setup.summary == "the setup in /srv/lab/fleet (0 targets)")
    }
}

@Suite struct DoctorBasisTests {
    @Test func aRememberedSetupGivesItsPortKeyAndAddress() throws {
        let dir = try RememberedSetupTests.madeDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let config = ListenerConfig(hostIp: "192.0.2.1", targets: [
            .init(name: "lab-01", port: 50007, key: WizardFlowTests.key.text),
            .init(name: "lab-02", port: 50008, key: "2steg4fzbj2sz.2o2yy0nbpw6gk.1fk9mztdm8p5l.3c4xvd3w1xyd7"),
        ])
        let path = dir.appendingPathComponent("listener.json")
        try config.write(to: path)
        let plan = RememberedSetup(folder: dir.path, madeBy: .plan, listenerConfig: path.path, hostIp: nil, port: nil, targets: 2)
        let (basis, settings) = try DoctorBasis.remembered(plan)
        #expect(settings.port == 50007)
        #expect(settings.key == WizardFlowTests.key)
        #expect(settings.hostIP?.text == "192.0.2.1")
        #expect(basis.source == .remembered)
        #expect(basis.description == "using the setup in \(dir.path) (2 targets); give --port, --host-ip or the key to choose another (checking its first target, lab-01)")

        let windbg = RememberedSetup(folder: dir.path, madeBy: .wizard, listenerConfig: nil, hostIp: "10.1.2.3", port: 50001, targets: 1)
        let (_, w) = try DoctorBasis.remembered(windbg)
        #expect(w.port == 50001)
        #expect(w.key == nil)
        #expect(w.hostIP?.text == "10.1.2.3")
    }

    @Test func theDefaultsAreTheFirstFreePortAndTheRecommendedAddress() throws {
        let pick = HostAdvice.Recommendation(address: try IPAddress.parse("192.168.1.20"), interface: "eth0", reason: "the only one")
        let (basis, settings) = DoctorBasis.defaults(recommended: pick, firstFreePort: 50003)
        #expect(settings.port == 50003)
        #expect(settings.hostIP?.text == "192.168.1.20")
        #expect(settings.key == nil)
        #expect(basis.source == .defaults)
        #expect(basis.description.contains("port 50003 (the first free one in 50000-50039) and host address 192.168.1.20 (eth0, as `kdnetctl host` recommends)"))

        let (bare, none) = DoctorBasis.defaults(recommended: nil, firstFreePort: nil)
        #expect(none.port == 50000)
        #expect(none.hostIP == nil)
        #expect(bare.description.contains("port 50000 (every port in 50000-50039 is in use) and no host address (none to recommend; see `kdnetctl host`)"))
    }
}

@Suite struct SetupMemoryTests {
    func temporaryHome() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theStateDirectoryFollowsXDGAndIsPrivate() throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        #expect(StateDirectory(environment: ["HOME": home.path]).url.path == home.path + "/.local/state/kdnetctl")
        let state = StateDirectory(environment: ["HOME": "/nonexistent", "XDG_STATE_HOME": home.path + "/xdg"])
        #expect(state.url.path == home.path + "/xdg/kdnetctl")
        try FileManager.default.createDirectory(at: state.url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try state.prepare()
        let mode = try FileManager.default.attributesOfItem(atPath: state.url.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test func aSetupIsRecalledAsRememberedAndHoldsNoKey() throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let folder = home.appendingPathComponent("kdnet-setup")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("listener.json").path
        try #"{"targets":[{"name":"target","port":50000,"key":"2steg4fzbj2sz.2o2yy0nbpw6gk.1fk9mztdm8p5l.3c4xvd3w1xyd7"}]}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let memory = SetupMemory(state: StateDirectory(environment: ["XDG_STATE_HOME": home.path + "/state"]))
        #expect(try memory.recall() == nil)
        let setup = RememberedSetup(folder: folder.path, madeBy: .wizard, listenerConfig: config, hostIp: "192.168.122.1", port: 50000, targets: 1)
        try memory.remember(setup)
        #expect(try memory.recall() == setup)
        let stored = try String(contentsOf: memory.file, encoding: .utf8)
        #expect(!stored.contains("2steg4fzbj2sz"))
        #expect(setup.summary == "the setup in \(folder.path) (port 50000)")
        let mode = try FileManager.default.attributesOfItem(atPath: memory.file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aSetupWhoseFilesWentIsNamedNotGuessed() throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let memory = SetupMemory(state: StateDirectory(environment: ["XDG_STATE_HOME": home.path]))
        try memory.remember(RememberedSetup(folder: home.path + "/gone", madeBy: .plan, listenerConfig: nil, hostIp: nil, port: nil, targets: 3))
        #expect(throws: SetupMemoryError.folderGone(home.path + "/gone")) { try memory.recall() }
        try memory.remember(RememberedSetup(folder: home.path, madeBy: .plan, listenerConfig: home.path + "/listener.json", hostIp: nil, port: nil, targets: 3))
        #expect(throws: SetupMemoryError.configGone(home.path + "/listener.json")) { try memory.recall() }
        try "{not json".write(to: memory.file, atomically: true, encoding: .utf8)
        #expect(throws: SetupMemoryError.damaged(memory.file.path)) { try memory.recall() }
    }
}

/// The wizard's last step offers to add the target to the lab service on this host.
@Suite struct WizardLabServiceTests {
    @Test func theTargetIsAddedToTheLabServicesConfigWhenAsked() throws {
        let dir = try RememberedSetupTests.madeDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let lab = dir.appendingPathComponent("lab.json")
        try ListenerConfig(hostIp: nil, targets: [.init(name: "bench-1", port: 50030, key: WizardFlowTests.key.text)]).write(to: lab)
        var options = WizardFlowTests.options(dir.appendingPathComponent("setup"), presets: ["port": "50002"])
        options.labServiceConfig = lab.path
        let io = ScriptedIO(["lab-service": [lab.path]])
        let services = FakeServices()
        services.outcomes = [WizardFlowTests.connected]
        let record = try WizardFlow(io: io, services: services, options: options).run()
        #expect(record.labService == lab.path)
        let grown = try ListenerConfig.load(from: lab)
        #expect(grown.targets.map(\.name) == ["bench-1", "target-50002"])
        #expect(grown.targets.last?.key == WizardFlowTests.key.text)
        #expect(io.report(.summary)?.lines.contains { $0.hasPrefix("added target-50002 (port 50002) to \(lab.path)") } == true)

        // Again with the same port: refused by the config's own rules, said as a warning.
        let again = ScriptedIO(["lab-service": [lab.path]])
        let services2 = FakeServices()
        services2.outcomes = [WizardFlowTests.connected]
        let second = try WizardFlow(io: again, services: services2, options: options).run()
        #expect(second.labService == nil)
        #expect(again.report(.summary)?.warnings.first?.hasPrefix("not added to the lab service: ") == true)
        #expect(try ListenerConfig.load(from: lab).targets.count == 2)
    }

    @Test func withoutALabServiceHereNothingIsAsked() throws {
        let dir = try RememberedSetupTests.madeDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let io = ScriptedIO()
        let services = FakeServices()
        services.outcomes = [WizardFlowTests.connected]
        let record = try WizardFlow(io: io, services: services, options: WizardFlowTests.options(dir.appendingPathComponent("setup"))).run()
        #expect(!io.asked.contains("lab-service"))
        #expect(record.labService == nil)
    }
}

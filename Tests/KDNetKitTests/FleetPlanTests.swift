import Foundation
import Testing
@testable import KDNetKit

@Suite struct InventoryTests {
    @Test func csvWithOptionalColumns() throws {
        let inv = try Inventory.parseCSV("""
            # lab fleet\r
            name,port,key,busparams,family\r
            alpha,,,,\r
            beta,50005,3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i,3b:00.0,ipv6\r

            """, source: "inv.csv")
        #expect(inv.entries.map(\.name) == ["alpha", "beta"])
        #expect(inv.entries[0].port == nil && inv.entries[0].key == nil)
        #expect(inv.entries[1].port?.value == 50005)
        #expect(inv.entries[1].busParams?.description == "59.0.0")
        #expect(inv.entries[1].family == .ipv6)
        #expect(inv.entries[1].line == 4)
    }

    @Test(arguments: [
        ("name,colour\na,red\n", "inv.csv:1: column 'colour' is unknown"),
        ("port\n50000\n", "inv.csv:1: the header row has no name column"),
        ("name,port\na,80\n", "inv.csv:2: target a: port 80 is outside 49152-65535"),
        ("name,port\na,1,2\n", "inv.csv:2: has 3 fields"),
        ("name,key\na,1.2\n", "inv.csv:2: target a: the key has 2 parts"),
        ("name,busparams\na,0.99.0\n", "inv.csv:2: target a: PCI device 99"),
        ("name,family\na,ipx\n", "inv.csv:2: target a: family 'ipx'"),
        ("name\n../evil\n", "inv.csv:2: target name '../evil' is not usable"),
        ("", "inv.csv is empty"),
    ])
    func csvErrorsNameTheLine(text: String, message: String) {
        do {
            _ = try Inventory.parseCSV(text, source: "inv.csv")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.errorDescription?.hasPrefix(message) == true, "\(error.errorDescription ?? "")")
        }
    }

    @Test func yamlWithHostAddresses() throws {
        let inv = try Inventory.parseYAML("""
            host_ip: 192.168.1.10
            host_ipv6: fd00::10
            targets:
              - name: alpha
                port: 50003
                busparams: 0.25.0
              - name: beta
                family: ipv6
              - gamma
            """, source: "inv.yaml")
        #expect(inv.hostAddresses.map(\.text) == ["192.168.1.10", "fd00::10"])
        #expect(inv.entries.map(\.name) == ["alpha", "beta", "gamma"])
        #expect(inv.entries[0].port?.value == 50003 && inv.entries[0].busParams?.description == "0.25.0")
        #expect(inv.entries[1].family == .ipv6)
    }

    @Test func yamlErrors() {
        #expect(throws: InventoryError.self) { try Inventory.parseYAML("targets:\n  - name: a\n    colour: red\n", source: "i.yaml") }
        #expect(throws: InventoryError.self) { try Inventory.parseYAML("hosts: []\n", source: "i.yaml") }
        #expect(throws: InventoryError.self) { try Inventory.parseYAML("targets: [\n", source: "i.yaml") }
        #expect(throws: InventoryError.self) { try Inventory.parseYAML("host_ip: 10.0.0\ntargets: [a]\n", source: "i.yaml") }
    }
}

@Suite struct FleetPlanTests {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-plan-\(UUID().uuidString)")
    }

    func planner(_ csv: String, rotate: Bool = false) throws -> FleetPlanner {
        var p = FleetPlanner(inventory: try Inventory.parseCSV(csv, source: "inv.csv"),
                             hostAddresses: [try HostAddress(parsing: "192.168.1.10")], outDir: dir)
        p.rotateKeys = rotate
        return p
    }

    @discardableResult
    func run(_ csv: String, rotate: Bool = false) throws -> (FleetPlan, ListenerConfig) {
        let p = try planner(csv, rotate: rotate)
        let (plan, files) = try p.prepare()
        try p.write(files)
        return (plan, try ListenerConfig.load(from: dir.appendingPathComponent("listener.json")))
    }

    func keys(_ c: ListenerConfig) -> [String: String] { Dictionary(uniqueKeysWithValues: c.targets.map { ($0.name, $0.key) }) }
    func ports(_ c: ListenerConfig) -> [String: UInt16] { Dictionary(uniqueKeysWithValues: c.targets.map { ($0.name, $0.port) }) }

    @Test func allocatesUniquePortsFrom50000AroundGivenOnes() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (plan, config) = try run("name,port\na,\nb,50001\nc,\nd,\n")
        #expect(ports(config) == ["a": 50000, "b": 50001, "c": 50002, "d": 50003])
        #expect(Set(keys(config).values).count == 4)
        #expect(plan.targets.allSatisfy { $0.status == .new })
        #expect(config.hostIp == "192.168.1.10")
        for t in plan.targets { #expect(!t.key.contains(keys(config)[t.name]!)) }
    }

    @Test func secondRunKeepsEverythingAndAddsOnlyTheNewTarget() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = "name,port\na,\nb,50001\nc,\n"
        let (_, first) = try run(csv)
        let (again, second) = try run(csv)
        #expect(second == first)
        #expect(again.targets.allSatisfy { $0.status == .kept })
        let (added, third) = try run("name,port\nnew,\n" + csv.dropFirst("name,port\n".count))
        #expect(added.targets.filter { $0.status == .new }.map(\.name) == ["new"])
        for t in first.targets {
            #expect(ports(third)[t.name] == t.port && keys(third)[t.name] == t.key)
        }
        #expect(ports(third)["new"] == 50003)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("new.cmd").path))
    }

    @Test func rotateKeysMakesNewKeysButKeepsPortsAndGivenKeys() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let given = "3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i"
        let csv = "name,key\na,\nb,\(given)\n"
        let (_, first) = try run(csv)
        let (plan, rotated) = try run(csv, rotate: true)
        #expect(ports(rotated) == ports(first))
        #expect(keys(rotated)["a"] != keys(first)["a"])
        #expect(keys(rotated)["b"] == given)
        #expect(plan.targets.first { $0.name == "a" }?.status == .rotated)
        let script = try String(contentsOf: dir.appendingPathComponent("a.cmd"), encoding: .utf8)
        #expect(script.contains("key:\(keys(rotated)["a"]!)"))
    }

    @Test func targetsDroppedFromTheInventoryAreReported() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try run("name\na\nb\n")
        let (plan, config) = try run("name\nb\n")
        #expect(plan.removed == ["a"])
        #expect(config.targets.map(\.name) == ["b"] && ports(config)["b"] == 50001)
    }

    @Test func everyFileHoldingKeysIsMode0600() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (plan, _) = try run("name\na\nb\n")
        #expect(plan.files.sorted() == ["a.cmd", "a.ps1", "b.cmd", "b.ps1", "host-table.txt", "listener.json"])
        for f in plan.files {
            let attrs = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(f).path)
            #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(f)")
        }
        let dirAttrs = try FileManager.default.attributesOfItem(atPath: dir.path)
        #expect((dirAttrs[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        let table = try String(contentsOf: dir.appendingPathComponent("host-table.txt"), encoding: .utf8)
        #expect(table.hasPrefix("name") && table.contains("windbg -k net:port=50000,key="))
    }

    @Test func duplicatePortsAreRefusedAndNothingIsWritten() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: FleetPlanError.duplicatePort(try DebugPort(validating: 50004), "a", "b")) {
            try run("name,port\na,50004\nb,50004\n")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
        #expect(throws: FleetPlanError.duplicateName("A", 2, 3)) { try run("name\na\nA\n") }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    @Test func aGivenPortCannotTakeAnotherTargetsPriorPort() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try run("name\na\n")
        let before = try Data(contentsOf: dir.appendingPathComponent("listener.json"))
        #expect(throws: FleetPlanError.portTakenFromPrior(try DebugPort(validating: 50000), "b", "a")) {
            try run("name,port\na,\nb,50000\n")
        }
        #expect(try Data(contentsOf: dir.appendingPathComponent("listener.json")) == before)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.cmd").path))
    }

    @Test func familyNeedsAHostAddressOfThatFamily() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: FleetPlanError.noHostFor("a", .ipv6)) { try run("name,family\na,ipv6\n") }
        var p = try planner("name,family\na,ipv6\nb,\n")
        p.hostAddresses.append(try HostAddress(parsing: "fd00::10"))
        let (plan, files) = try p.prepare()
        #expect(plan.targets.map(\.hostIp) == ["fd00::10", "192.168.1.10"])
        #expect(files.first { $0.name == "a.cmd" }?.contents.contains("hostipv6:fd00::10") == true)
    }

    @Test func aCorruptPriorConfigIsNotOverwritten() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("not json".utf8).write(to: dir.appendingPathComponent("listener.json"))
        #expect(throws: ListenerConfigError.self) { try run("name\na\n") }
        #expect(try String(contentsOf: dir.appendingPathComponent("listener.json"), encoding: .utf8) == "not json")
    }
}

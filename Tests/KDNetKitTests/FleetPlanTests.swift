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
        ("name\nCON\n", "inv.csv:2: target name 'CON' cannot be a file name on Windows (CON is a reserved device name, with any extension)"),
        ("name\nok\nlpt1.lab\n", "inv.csv:3: target name 'lpt1.lab' cannot be a file name on Windows (LPT1 is"),
        ("name\nnul.x\n", "inv.csv:2: target name 'nul.x' cannot be a file name on Windows (NUL is"),
        ("name\nCom9\n", "inv.csv:2: target name 'Com9' cannot be a file name on Windows (COM9 is"),
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

    @Test func reservedNamesAreRefusedWithARenameThatWorks() throws {
        let error = try #require(throws: InventoryError.self) { try Inventory.parseCSV("name\nlpt1.lab\n", source: "inv.csv") }
        #expect(error.problem.hasSuffix("rename the target (e.g. lpt1-1.lab)") == true)
        let fine = try Inventory.parseCSV("name\nCOM10\nconsole\ncon-1\nauxiliary\n", source: "inv.csv")
        #expect(fine.entries.count == 4 && fine.warnings.isEmpty)
        #expect(throws: InventoryError.self) { try Inventory.parseYAML("targets:\n  - PRN\n", source: "i.yaml") }
    }

    @Test func anUnterminatedQuoteIsReadButWarnedAbout() throws {
        let inv = try Inventory.parseCSV("name,port\n\"a,50001\n\"b\",50002\n", source: "inv.csv")
        #expect(inv.entries.map(\.name) == ["a", "b"])
        #expect(inv.warnings == ["inv.csv:2: unterminated quote in '\"a'; quotes are ignored and the line is read as a,50001"])
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
        for t in plan.targets { #expect(!t.redactedKey.contains(keys(config)[t.name]!)) }
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

    func contents(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            out[name] = (try? Data(contentsOf: dir.appendingPathComponent(name))) ?? Data("(folder)".utf8)
        }
        return out
    }

    @Test func aFolderInTheWayWritesNothingAndKeepsThePreviousPlan() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try run("name\na\nb\n")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("c.ps1"), withIntermediateDirectories: false)
        let before = try contents(dir)
        #expect(throws: AtomicFileSetError.blocked(name: "c.ps1", folder: dir.path)) { try run("name\na\nb\nc\n", rotate: true) }
        #expect(try contents(dir) == before, "no c.cmd, no new keys, no staging folder")
    }

    @Test func aFolderInTheWayOfAFirstPlanLeavesOnlyIt() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("b.ps1"), withIntermediateDirectories: true)
        #expect(throws: AtomicFileSetError.blocked(name: "b.ps1", folder: dir.path)) { try run("name\na\nb\n") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["b.ps1"])
    }

    @Test func aNewFolderIsRemovedWhenWritingFails() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try planner("name\na\n")
        let (_, files) = try p.prepare()
        let nested = FleetPlanner(inventory: p.inventory, hostAddresses: p.hostAddresses, outDir: dir.appendingPathComponent("x/y"))
        var bad = files
        bad.append(PlannedFile(name: "no/such/folder", contents: "", mode: AtomicFile.secretMode))
        #expect(throws: FileWriteError.self) { try nested.write(bad) }
        #expect(!FileManager.default.fileExists(atPath: dir.path), "every folder it made is gone")
    }

    @Test func aReadableFolderIsTightenedOnlyWhenItHoldsJustThePlan() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let p = try planner("name\na\n")
        let notes = try p.write(try p.prepare().1).notes
        #expect(notes == ["\(dir.path) was mode 0755; made it 0700, as it holds the keys"])
        #expect((try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        #expect(try p.write(try p.prepare().1).notes.isEmpty, "nothing to say the second time")

        let shared = dir.appendingPathComponent("shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try Data().write(to: shared.appendingPathComponent("notes.md"))
        let q = FleetPlanner(inventory: p.inventory, hostAddresses: p.hostAddresses, outDir: shared)
        let left = try q.write(try q.prepare().1).notes
        #expect(left.count == 1 && left[0].contains("is mode 0755 and holds other files, so it was left as it is"))
        #expect((try FileManager.default.attributesOfItem(atPath: shared.path)[.posixPermissions] as? NSNumber)?.intValue == 0o755)
    }

    @Test func portsOutsideTheRecommendedRangeGetOneLine() throws {
        let many = try planner("name\n" + (0..<100).map { "t\($0)\n" }.joined()).prepare().0
        let outside = many.warnings.filter { $0.contains("outside the recommended") }
        #expect(outside == ["60 targets use ports outside the recommended 50000-50039 (from 50040 to 50099); your network policy may block them (ask your network administrators, or spread the fleet over hosts, 40 targets each)"])
        let one = try planner("name,port\na,\nb,50085\n").prepare().0
        #expect(one.warnings.filter { $0.contains("outside the recommended") } == ["b: " + DebugPort.policyWarning(for: 50085)])
        #expect(FleetPlanner.grouped(9960) == "9,960" && FleetPlanner.grouped(1234567) == "1,234,567" && FleetPlanner.grouped(999) == "999")
    }

    @Test func targetsSharingAKeyAreWarnedAbout() throws {
        let key = "3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i"
        let plan = try planner("name,key\na,\(key)\nb,\nc,\(key.uppercased())\n").prepare().0
        #expect(plan.warnings.filter { $0.contains("share one key") } == ["targets a, c share one key: whoever can debug one can debug them all; remove the key from the inventory for all but one, and each gets its own"])
        #expect(try planner("name\na\nb\n").prepare().0.warnings.isEmpty)
    }

    @Test func aCorruptPriorConfigIsNotOverwritten() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("not json".utf8).write(to: dir.appendingPathComponent("listener.json"))
        let error = try #require(throws: ListenerConfigError.self) { try run("name\na\n") }
        #expect(error.errorDescription?.contains("is damaged (it is not valid JSON at line 1, column 2); to write it again, move it aside and re-run `kdnetctl plan`") == true)
        #expect(try String(contentsOf: dir.appendingPathComponent("listener.json"), encoding: .utf8) == "not json")
    }
}

extension FleetPlanTests {
    /// `redactedKey` in Swift, `key` in the JSON that scripts read, and never the full key.
    @Test func thePlanWritesTheRedactedKeyUnderKey() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (plan, config) = try run("name,port\na,\n")
        let doc = try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(plan)) as? [String: Any])
        let target = try #require((doc["targets"] as? [[String: Any]])?.first)
        #expect(target["key"] as? String == plan.targets[0].redactedKey && target["redacted_key"] == nil)
        #expect(target["key"] as? String != keys(config)["a"])
        #expect(try JSONOutput.decoder().decode(FleetPlan.self, from: JSONOutput.data(plan)) == plan)
    }
}

extension FleetPlanTests {
    func names() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) }

    /// `--prune`: the scripts of targets gone from the inventory go, and only those.
    @Test func pruneRemovesOnlyTheScriptsOfTargetsNoLongerInTheInventory() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try run("name\na\nb\nc\n")
        // Things plan did not write, some named like a target's files, all stay.
        try Data("mine".utf8).write(to: dir.appendingPathComponent("notes.md"))
        try Data("mine".utf8).write(to: dir.appendingPathComponent("a.txt"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("c.ps1"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("c.ps1").path, withDestinationPath: "notes.md")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("c.cmd"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("c.cmd"), withIntermediateDirectories: false)

        let p = try planner("name\nb\n")
        var (plan, files) = try p.prepare()
        #expect(plan.removed == ["a", "c"])
        plan.pruned = try p.write(files, pruning: plan.removed).removed
        #expect(plan.pruned == ["a.cmd", "a.ps1"], "c's are a link and a folder: not what plan wrote")
        #expect(try names() == ["b.cmd", "b.ps1", "host-table.txt", "listener.json", "notes.md", "a.txt", "c.ps1", "c.cmd"])
        let doc = try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(plan)) as? [String: Any])
        #expect(doc["pruned"] as? [String] == ["a.cmd", "a.ps1"] && doc["removed"] as? [String] == ["a", "c"])
    }

    @Test func withoutPruneTheScriptsStay() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try run("name\na\nb\n")
        let p = try planner("name\nb\n")
        let (plan, files) = try p.prepare()
        #expect(try p.write(files).removed.isEmpty)
        #expect(plan.removed == ["a"] && plan.pruned.isEmpty)
        #expect(try names().isSuperset(of: ["a.cmd", "a.ps1"]))
    }

    /// All or none: a write that fails removes nothing.
    @Test func aFailedWriteRemovesNothing() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try run("name\na\nb\n")
        let before = try contents(dir)
        let p = try planner("name\nb\n")
        let (plan, files) = try p.prepare()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("b.ps1.x"), withIntermediateDirectories: false)
        var bad = files
        bad.insert(PlannedFile(name: "b.ps1.x", contents: "", mode: AtomicFile.secretMode), at: 0)
        #expect(throws: AtomicFileSetError.self) { try p.write(bad, pruning: plan.removed) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("b.ps1.x"))
        #expect(try contents(dir) == before)
    }

    /// A documentation-range host is one line for the fleet, not one per target.
    @Test func theHostWarningIsSaidOnce() throws {
        var p = try planner("name\n" + (0..<50).map { "t\($0)\n" }.joined())
        p.hostAddresses = [try HostAddress(parsing: "192.0.2.10")]
        let warnings = try p.prepare().0.warnings
        #expect(warnings.filter { $0.contains("documentation example range") }
            == ["host address 192.0.2.10 is from a documentation example range, not a real host; give the host's own address"])
        // Both families: one line for each address.
        p.hostAddresses = [try HostAddress(parsing: "192.0.2.10"), try HostAddress(parsing: "2001:db8::1")]
        p.inventory = try Inventory.parseCSV("name,family\na,ipv4\nb,ipv6\nc,ipv6\n", source: "inv.csv")
        #expect(try p.prepare().0.warnings.filter { $0.contains("documentation example range") }.count == 2)
    }
}

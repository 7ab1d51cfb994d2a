import Foundation
import Testing

@Suite struct PlanCommandTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-plancmd-\(UUID().uuidString)")

    func write(_ name: String, _ text: String) throws -> String {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func listener(_ out: String) throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("listener.json"))
        let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let targets = doc["targets"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: targets.map { ($0["name"] as! String, $0) })
    }

    @Test func yamlPlanRunTwiceIsIdempotent() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let inv = try write("fleet.yaml", "host_ip: 192.168.1.10\ntargets:\n  - name: a\n  - name: b\n    port: 50007\n")
        let out = dir.appendingPathComponent("out").path
        let (r1, d1) = try KdnetctlBinary.json(["plan", "--inventory", inv, "--out", out])
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect((d1["targets"] as? [[String: Any]])?.count == 2)
        let first = try listener(out)
        #expect(first["a"]?["port"] as? Int == 50000 && first["b"]?["port"] as? Int == 50007)
        let r2 = try KdnetctlBinary.run(["plan", "--inventory", inv, "--out", out])
        #expect(r2.status == 0 && r2.stdout.contains("kept"))
        let second = try listener(out)
        for name in ["a", "b"] {
            #expect(second[name]?["key"] as? String == first[name]?["key"] as? String)
            #expect(second[name]?["port"] as? Int == first[name]?["port"] as? Int)
        }
        // The full keys never reach the terminal; they are in the 0600 files.
        let key = try #require(first["a"]?["key"] as? String)
        #expect(!r1.stdout.contains(key) && !r2.stdout.contains(key))
    }

    @Test func badInventoryLeavesNoFiles() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let inv = try write("inv.csv", "name,port\na,50001\nb,50001\n")
        let out = dir.appendingPathComponent("out").path
        let r = try KdnetctlBinary.run(["plan", "--inventory", inv, "--out", out, "--host-ip", "10.0.0.1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("both given port 50001") && r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out))
        let noHost = try KdnetctlBinary.run(["plan", "--inventory", inv, "--out", out])
        #expect(noHost.status == 64)
    }
}

@Suite struct DbgsettingsCommandTests {
    static let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KDNetKitTests/Fixtures/dbgsettings")

    @Test func seedIPv4SampleFails() throws {
        let r = try KdnetctlBinary.run(["dbgsettings", "lint", Self.seed.appendingPathComponent("seed-ipv4.txt").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("placeholder") && r.stdout.contains("169.168.1.1") && r.stdout.contains("50085"))
    }

    @Test func seedIPv6SampleFromStdinWithKey() throws {
        let text = try String(contentsOf: Self.seed.appendingPathComponent("seed-ipv6.txt"), encoding: .utf8)
            .replacingOccurrences(of: "\n", with: "\r\n")
        let (r, doc) = try KdnetctlBinary.json(["dbgsettings", "lint", "-", "--skip-host-check", "--key", "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p"], stdin: text)
        #expect(r.status == 0)
        #expect(doc["key_matches"] as? Bool == true && doc["ok"] as? Bool == true)
        let mismatch = try KdnetctlBinary.run(["dbgsettings", "lint", "--key", "1.2.3.4"], stdin: text)
        #expect(mismatch.status == 1 && mismatch.stdout.contains("differs"))
    }

    @Test func badKeyFlagIsUsageAndMissingFileIsOne() throws {
        #expect(try KdnetctlBinary.run(["dbgsettings", "lint", "--key", "1.2"], stdin: "").status == 64)
        let r = try KdnetctlBinary.run(["dbgsettings", "lint", "/nonexistent/file"])
        #expect(r.status == 1 && r.stderr.split(separator: "\n").count == 1)
    }
}

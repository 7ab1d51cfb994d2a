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

    /// Where a value came from decides the exit code: the unspecified address given
    /// with --host-ip is a usage error (64); the same address read from the inventory
    /// is a problem in that file (1), as every other inventory problem is.
    @Test func aBadHostAddressIsUsageFromTheFlagAndAFileProblemFromTheInventory() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let inv = try write("inv.yaml", "host_ip: 0.0.0.0\ntargets:\n  - name: a\n")
        let plain = try write("plain.csv", "name\na\n")
        let out = dir.appendingPathComponent("out").path
        let fromFile = try KdnetctlBinary.run(["plan", "--inventory", inv, "--out", out])
        #expect(fromFile.status == 1, "\(fromFile.stderr)")
        #expect(fromFile.stderr.contains("0.0.0.0 is the unspecified address"), "\(fromFile.stderr)")
        let fromFlag = try KdnetctlBinary.run(["plan", "--inventory", plain, "--out", out, "--host-ip", "0.0.0.0"])
        #expect(fromFlag.status == 64, "\(fromFlag.stderr)")
        #expect(fromFlag.stderr.contains("0.0.0.0 is the unspecified address"), "\(fromFlag.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
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

extension PlanCommandTests {
    func errorLine(_ r: KdnetctlBinary.Result) -> String {
        r.stderr.split(separator: "\n").count == 1 ? String(r.stderr.dropLast(r.stderr.hasSuffix("\n") ? 1 : 0)) : "not one line: \(r.stderr)"
    }

    @Test func anEmptyOutIsAUsageErrorNotTheCurrentFolder() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let inv = try write("inv.csv", "name\na\n")
        let r = try KdnetctlBinary.run(["plan", "--inventory", inv, "--out", "", "--host-ip", "10.0.0.1"], currentDirectory: dir)
        #expect(r.status == 64)
        #expect(errorLine(r) == "error: --out is empty; give the folder to write into (e.g. --out fleet)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["inv.csv"])
    }

    @Test func aFolderInTheWayMeansNothingIsWritten() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let inv = try write("inv.csv", "name\na\nb\n")
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out.appendingPathComponent("b.ps1"), withIntermediateDirectories: true)
        let r = try KdnetctlBinary.run(["plan", "--inventory", inv, "--out", out.path, "--host-ip", "10.0.0.1"])
        #expect(r.status == 1)
        #expect(errorLine(r) == "error: cannot write b.ps1 into \(out.path): a folder of that name is in the way; move it away and run again (nothing was written)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["b.ps1"])
    }

    @Test func aDamagedListenerConfigAndALatin1InventorySayHowToRecover() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let inv = try write("inv.csv", "name\na\n")
        let out = dir.appendingPathComponent("out")
        #expect(try KdnetctlBinary.run(["plan", "--inventory", inv, "--out", out.path, "--host-ip", "10.0.0.1"]).status == 0)
        let listener = out.appendingPathComponent("listener.json")
        let whole = try Data(contentsOf: listener)
        try whole.prefix(whole.count / 2).write(to: listener)
        for args in [["plan", "--inventory", inv, "--out", out.path, "--host-ip", "10.0.0.1"], ["listen", "--config", listener.path]] {
            let r = try KdnetctlBinary.run(args)
            #expect(r.status == 1)
            #expect(errorLine(r).hasPrefix("error: \(listener.path) is damaged (it ends early, as if cut off); to write it again, move it aside and re-run `kdnetctl plan` with the same inventory and --out"), "\(r.stderr)")
        }
        let latin1 = dir.appendingPathComponent("latin1.csv")
        try Data([0x6E, 0x61, 0x6D, 0x65, 0x0A, 0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: latin1)
        let r = try KdnetctlBinary.run(["plan", "--inventory", latin1.path, "--out", dir.appendingPathComponent("o2").path, "--host-ip", "10.0.0.1"])
        #expect(r.status == 1)
        #expect(errorLine(r) == "error: \(latin1.path) is not UTF-8 text (byte 0xE9 at offset 8); convert it with `iconv -f latin1 -t utf-8 \(latin1.path)` (or from its real encoding)")
    }

    @Test func warningsForSharedKeysQuotesAndReservedNames() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = "3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i"
        let inv = try write("inv.csv", "name,key\na,\(key)\n\"b,\(key)\n")
        let out = dir.appendingPathComponent("out").path
        // It gives keys: others may not read it.
        let exposed = try KdnetctlBinary.run(["plan", "--inventory", inv, "--out", out, "--host-ip", "10.0.0.1"])
        #expect(exposed.status == 1 && exposed.stderr.contains("holds the targets' keys but its mode 0644"), "\(exposed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(chmod(inv, 0o600) == 0)
        let r = try KdnetctlBinary.run(["plan", "--inventory", inv, "--out", out, "--host-ip", "10.0.0.1"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning: \(inv):3: unterminated quote in '\"b'"))
        #expect(r.stderr.contains("warning: targets a, b share one key"))
        let reserved = try write("reserved.csv", "name\nAUX.lab\n")
        let refused = try KdnetctlBinary.run(["plan", "--inventory", reserved, "--out", dir.appendingPathComponent("o3").path, "--host-ip", "10.0.0.1"])
        #expect(refused.status == 1)
        #expect(errorLine(refused).contains("target name 'AUX.lab' cannot be a file name on Windows"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o3").path))
    }
}

@Suite struct DbgsettingsCommandTests {
    static let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KDNetKitTests/Fixtures/dbgsettings")

    /// A copy of a fixture made 0600: a paste that shows the key follows the key-file rule,
    /// and a clone's fixtures are 0644.
    static func privateCopy(_ name: String) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-\(UUID().uuidString)-\(name)")
        try Data(contentsOf: seed.appendingPathComponent(name)).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return file
    }

    @Test func seedIPv4SampleFails() throws {
        let file = try Self.privateCopy("seed-ipv4.txt")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try KdnetctlBinary.run(["dbgsettings", "lint", file.path])
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

    static func seedText() throws -> String {
        try String(contentsOf: seed.appendingPathComponent("seed-ipv6.txt"), encoding: .utf8).replacingOccurrences(of: "\n", with: "\r\n")
    }

    /// What PowerShell 5.1's `bcdedit /dbgsettings > out.txt` writes.
    @Test func utf16WithBOMFromPowerShellIsRead() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-u16-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        let text = try Self.seedText()
        try Data([0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let (r, doc) = try KdnetctlBinary.json(["dbgsettings", "lint", file.path, "--skip-host-check"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect((doc["settings"] as? [String: Any])?["port"] as? String == "50010")
        let doctor = try KdnetctlBinary.run(["doctor", "--dbgsettings", file.path])
        #expect(doctor.stdout.contains("the target sends to port 50010"), "\(doctor.stdout)")
    }

    @Test func pipesAndEmptyStandardInput() throws {
        let piped = try KdnetctlBinary.run(["dbgsettings", "lint", "/dev/stdin", "--skip-host-check"], stdin: try Self.seedText())
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout.hasSuffix("0 errors, 2 warnings\n"))
        let empty = "error: standard input was empty (nothing was piped in); give the output of `bcdedit /dbgsettings`, in a file or piped in with -\n"
        for args in [["dbgsettings", "lint", "-"], ["dbgsettings", "lint"], ["doctor", "--dbgsettings", "-"]] {
            let r = try KdnetctlBinary.run(args, stdin: "")
            #expect(r.status == 1 && r.stderr == empty, "\(args): \(r.stderr)")
        }
    }

    @Test func badKeyFlagIsUsageAndMissingFileIsOne() throws {
        #expect(try KdnetctlBinary.run(["dbgsettings", "lint", "--key", "1.2"], stdin: "").status == 64)
        let r = try KdnetctlBinary.run(["dbgsettings", "lint", "/nonexistent/file"])
        #expect(r.status == 1 && r.stderr.split(separator: "\n").count == 1)
    }
}

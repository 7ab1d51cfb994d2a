import Foundation
import Testing

@Suite struct KeyCommandTests {
    @Test func generatePrintsAValidKey() throws {
        let r = try KdnetctlBinary.run(["key", "generate"])
        #expect(r.status == 0)
        let key = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let check = try KdnetctlBinary.run(["key", "check", key])
        #expect(check.status == 0)
        #expect(check.stdout.contains(key))
    }

    @Test func checkJSONShape() throws {
        let (r, doc) = try KdnetctlBinary.json(["key", "check", "1.Z.10.3w5e11264sgsf"])
        #expect(r.status == 0)
        #expect(doc["key"] as? String == "1.z.10.3w5e11264sgsf")
        #expect(doc["valid"] as? Bool == true)
        #expect(doc["weak"] as? Bool == true)
        #expect(doc["bytes"] as? String == "01000000000000002300000000000000" + "2400000000000000ffffffffffffffff")
    }

    @Test func invalidKeyExitsOneAndNamesThePart() throws {
        let r = try KdnetctlBinary.run(["key", "check", "1.2.3.3w5e11264sgsg"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("part 4"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        let (j, doc) = try KdnetctlBinary.json(["key", "check", "1.2"])
        #expect(j.status == 1)
        #expect(doc["valid"] as? Bool == false)
        #expect((doc["error"] as? String)?.contains("2 parts") == true)
    }

    /// `key check` goes through the one error policy like every other command: its
    /// error is one escaped line on stderr (the character quoted from the key was raw
    /// before), and under --json the report is the only document, its "error" included.
    @Test func checkFollowsTheErrorPolicy() throws {
        let hostile = "1.2\u{1B}[31m.3.4"
        let r = try KdnetctlBinary.run(["key", "check", hostile])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("error: invalid key: part 2 of the key contains"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!r.stderr.contains("\u{1B}"), "a raw escape reached the terminal: \(r.stderr.debugDescription)")
        let (j, doc) = try KdnetctlBinary.json(["key", "check", hostile])
        #expect(j.status == 1)
        #expect(doc["valid"] as? Bool == false)
        #expect((doc["error"] as? String)?.hasPrefix("part 2 of the key contains") == true)
        #expect(!j.stderr.contains("\u{1B}"))
    }

    @Test func weakKeyWarnsOnStderr() throws {
        let r = try KdnetctlBinary.run(["key", "check", "1.2.3.4"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("typed by hand"))
    }

    @Test func usageErrorExits64() throws {
        let r = try KdnetctlBinary.run(["key", "frobnicate"])
        #expect(r.status == 64)
    }
}

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

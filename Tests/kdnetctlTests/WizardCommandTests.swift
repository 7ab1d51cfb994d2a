import Foundation
import Testing

@Suite struct WizardCommandTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-wizard-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theReadmeCommandConnectsToTheSimulatedTarget() throws {
        let dir = try Self.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        // A port of its own, so concurrent runs of the suite do not meet.
        let port = String(50000 + Int.random(in: 10...39))
        let r = try KdnetctlBinary.run(["wizard", "--simulated-target", "--non-interactive", "--out", "./kdnet-setup",
                                        "--port", port, "--json"], currentDirectory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(record["outcome"] as? String == "connected")
        let connection = try #require(record["connection"] as? [String: Any])
        #expect(connection["build"] as? Int == 26100)
        #expect((record["steps"] as? [Any])?.count == 10)
        let cmd = try String(contentsOf: dir.appendingPathComponent("kdnet-setup/kdnet-target.cmd"), encoding: .utf8)
        #expect(cmd.contains("port:\(port) key:"))
        // stdout is the one JSON document; the steps went to stderr.
        #expect(r.stderr.contains("Step 10/10: Summary"))
    }

    @Test func aBadAnswerIsAUsageErrorAndWritesNothing() throws {
        let dir = try Self.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let r = try KdnetctlBinary.run(["wizard", "--non-interactive", "--busparams", "1.2.9", "--out", "./out"], currentDirectory: dir)
        #expect(r.status == 64)
        #expect(r.stderr.contains("--busparams: PCI function 9 is outside 0-7"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    @Test func simulatedOptionsAreCheckedTogether() throws {
        let both = try KdnetctlBinary.run(["wizard", "--simulated-target", "--target-side", "--non-interactive"])
        #expect(both.status == 64 && both.stderr.contains("give one of them"))
        let key = try KdnetctlBinary.run(["wizard", "--simulated-key", "1.2.3.4", "--non-interactive"])
        #expect(key.status == 64 && key.stderr.contains("only applies with --simulated-target"))
    }
}

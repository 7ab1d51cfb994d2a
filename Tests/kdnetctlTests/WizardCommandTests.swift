import Foundation
import KDNetKit
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

    /// The whole answers file is checked before anything is written: a bad answer to the
    /// last question leaves no folder, and is named by its key in the file.
    @Test func aBadLateAnswerInTheFileWritesNothing() throws {
        let dir = try Self.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        try "connect: maybe\n".write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        let r = try KdnetctlBinary.run(["wizard", "--simulated-target", "--non-interactive", "--answers", "a.yaml", "--out", "w"],
                                       currentDirectory: dir)
        #expect(r.status == 64)
        #expect(r.stderr == "error: --answers a.yaml: connect: 'maybe' is not one of wait, skip\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.yaml"])
    }

    @Test func anEmptyOutIsAUsageErrorNotTheCurrentFolder() throws {
        let dir = try Self.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let r = try KdnetctlBinary.run(["wizard", "--simulated-target", "--non-interactive", "--no-connect", "--out", ""], currentDirectory: dir)
        #expect(r.status == 64)
        #expect(r.stderr == "error: --out is empty; give the folder for the scripts and notes, e.g. --out ./kdnet-setup\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func anOpenOutFolderIsMadePrivateAndSaysSo() throws {
        let dir = try Self.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("setup")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let r = try KdnetctlBinary.run(["wizard", "--simulated-target", "--non-interactive", "--no-connect", "--out", "setup"], currentDirectory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: out.path)[.posixPermissions] as? Int == 0o700)
        #expect((r.stdout + r.stderr).contains("was mode 0755; made it 0700, as it holds the key"))
    }

    /// What the help says --answers and --nic-source take is what they take.
    @Test func theHelpNamesEveryAnswersKeyAndEveryFlagWithoutOne() throws {
        let help = try KdnetctlBinary.run(["wizard", "--help"]).stdout
        let prose = help.replacingOccurrences(of: "\n", with: " ")
        for id in WizardAnswers.questionIDs { #expect(prose.contains(" \(id)"), "help does not name the answers key \(id)") }
        for flag in WizardAnswers.flagsWithoutKey.subtracting(["answers"]) {
            #expect(help.contains("  --\(flag)"), "--\(flag) is not a flag of the wizard")
            #expect(prose.range(of: "The other flags \\([^)]*--\(flag)\\b", options: .regularExpression) != nil, "help does not say --\(flag) has no key")
        }
        for id in WizardAnswers.flagIDs { #expect(help.contains("  --\(id) "), "answers key \(id) has no flag of its name") }
        #expect(prose.contains("with --target-side also this-machine"))

        let dir = try Self.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let r = try KdnetctlBinary.run(["wizard", "--non-interactive", "--nic-source", "this-machine", "--out", "n"], currentDirectory: dir)
        #expect(r.status == 64 && r.stderr.contains("it works only with --target-side"))
        try "timeout: 30\n".write(to: dir.appendingPathComponent("t.yaml"), atomically: true, encoding: .utf8)
        let t = try KdnetctlBinary.run(["wizard", "--non-interactive", "--answers", "t.yaml", "--out", "n"], currentDirectory: dir)
        #expect(t.status == 64 && t.stderr.contains("use --timeout"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("n").path))
    }
}

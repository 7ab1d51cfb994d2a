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
        #expect(r.status == 1, "a value read from a file is a runtime failure")
        #expect(r.stderr == "error: --answers a.yaml line 1: connect: 'maybe' is not one of wait, skip\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.yaml"])
    }

    /// The lab service's config an answers file names is checked with the other answers,
    /// before the four setup files are written: exit 1 naming the key and line, nothing written.
    @Test func aBadLabServiceAnswerIsRefusedBeforeAnythingIsWritten() throws {
        let cases: [(String, String)] = [
            ("lab-service: /etc/shadow\n", "--answers a.yaml line 1: lab-service: /etc/shadow is damaged"),
            ("port: 50021\nlab-service: /nonexistent/kdnet/listener.json\n", "--answers a.yaml line 2: lab-service: /nonexistent/kdnet/listener.json does not exist, nor does its folder /nonexistent/kdnet"),
            ("port: 50021\nlab-service: lab.json\n", "--answers a.yaml line 2: lab-service: port 50021 is already given to target bench-1 in "),
        ]
        for (answers, message) in cases {
            let dir = try Self.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
            try ListenerConfig(hostIp: nil, targets: [.init(name: "bench-1", port: 50021, key: "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p")])
                .write(to: dir.appendingPathComponent("lab.json"))
            try answers.write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
            let r = try KdnetctlBinary.run(["wizard", "--simulated-target", "--non-interactive", "--no-remember", "--answers", "a.yaml", "--out", "w"],
                                           currentDirectory: dir)
            #expect(r.status == 1, "\(answers): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: " + message), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.yaml", "lab.json"], "\(answers) wrote files")
        }
    }

    /// A port the wizard picks itself clashes too: checked once it is chosen, still before writing.
    @Test func aLabServiceClashWithTheChosenPortIsRefusedBeforeWriting() throws {
        let dir = try Self.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        try ListenerConfig(hostIp: nil, targets: [.init(name: "target-50033", port: 50032, key: "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p")])
            .write(to: dir.appendingPathComponent("lab.json"))
        try "lab-service: lab.json\n".write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        let r = try KdnetctlBinary.run(["wizard", "--simulated-target", "--non-interactive", "--no-remember", "--answers", "a.yaml",
                                        "--port", "50033", "--out", "w"], currentDirectory: dir)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("lab-service: ") && r.stderr.contains("target-50033"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.yaml", "lab.json"])
    }

    /// A bad answers file is a runtime failure (1), named, with the iconv line when it is not UTF-8.
    @Test func aBadAnswersFileIsNamedWithItsFix() throws {
        let dir = try Self.tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        FileManager.default.createFile(atPath: dir.appendingPathComponent("latin1.yaml").path, contents: Data("windows: caf".utf8) + Data([0xE9, 0x0A]))
        let latin1 = try KdnetctlBinary.run(["wizard", "--non-interactive", "--answers", "latin1.yaml", "--out", "w"], currentDirectory: dir)
        #expect(latin1.status == 1)
        #expect(latin1.stderr == "error: latin1.yaml is not UTF-8 text (byte 0xE9 at offset 12); convert it with `iconv -f latin1 -t utf-8 latin1.yaml` (or from its real encoding)\n")
        try "port: 50001\nfamily: ipv4\nport: 50002\n".write(to: dir.appendingPathComponent("dup.yaml"), atomically: true, encoding: .utf8)
        let dup = try KdnetctlBinary.run(["wizard", "--non-interactive", "--answers", "dup.yaml", "--out", "w"], currentDirectory: dir)
        #expect(dup.status == 1)
        #expect(dup.stderr == "error: --answers dup.yaml: duplicate key 'port' on line 3; give each answer once\n")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("w").path))
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
        #expect(t.status == 1 && t.stderr.contains("use --timeout"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("n").path))
    }
}

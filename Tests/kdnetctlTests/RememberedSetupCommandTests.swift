import Foundation
import KDNetKit
import Testing

/// After `wizard` or `plan`, `listen`, `doctor` and `inspect --live` run without flags on
/// the setup they remembered, and say so first.
@Suite struct RememberedSetupCommandTests {
    struct Home {
        let dir: URL
        var state: String { dir.appendingPathComponent("state").path }
        var env: [String: String] { ["XDG_STATE_HOME": state] }
        var setup: URL { dir.appendingPathComponent("kdnet-setup") }

        init() throws {
            dir = try WizardCommandTests.tempDir()
        }

        /// A wizard run that writes the setup without waiting; returns its port.
        func wizard(_ extra: [String] = []) throws -> Int {
            let port = KdnetctlBinary.freeUDPPort()
            let r = try KdnetctlBinary.run(["wizard", "--simulated-target", "--non-interactive", "--no-connect",
                                            "--out", setup.path, "--port", String(port)] + extra, environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            return port
        }

        /// Every file under the state directory, read.
        func stateFiles() throws -> [String: String] {
            guard let names = FileManager.default.enumerator(atPath: state) else { return [:] }
            var files: [String: String] = [:]
            for case let name as String in names {
                let path = state + "/" + name
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
                    files[name] = try String(contentsOfFile: path, encoding: .utf8)
                }
            }
            return files
        }
    }

    @Test func listenWithoutFlagsUsesTheWizardsPortAndSaysSoFirst() throws {
        let home = try Home(); defer { try? FileManager.default.removeItem(at: home.dir) }
        let port = try home.wizard()
        let r = try KdnetctlBinary.run(["listen", "--bind", "127.0.0.1", "--timeout", "1"], environment: home.env)
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "using the setup in \(home.setup.path) (port \(port)); give --port/--key or --config to choose another")
        #expect(lines.dropFirst().first?.hasPrefix("listening on UDP \(port) (127.0.0.1)") == true)
        #expect(r.stderr.contains("no-traffic"))

        // The key stays in the setup's own files.
        let key = try String(contentsOf: home.setup.appendingPathComponent("listener.json"), encoding: .utf8)
            .components(separatedBy: "\"key\" : \"")[1].prefix(13)
        let files = try home.stateFiles()
        #expect(files.keys.sorted() == ["kdnetctl/last-setup.json"])
        #expect(files.values.allSatisfy { !$0.contains(key) })
        let mode = try FileManager.default.attributesOfItem(atPath: home.state + "/kdnetctl")[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test(.enabled(if: getuid() == 0, "a live capture needs root"))
    func aLiveCaptureWithoutKeysDecodesWithTheRememberedOnes() throws {
        let home = try Home(); defer { try? FileManager.default.removeItem(at: home.dir) }
        let port = try home.wizard()
        let r = try KdnetctlBinary.run(["inspect", "--live", "lo", "--duration", "0.5", "--filter", "udp port \(port)"], environment: home.env)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "using the setup in \(home.setup.path) (port \(port)); give --key, --key-file or --config to choose another")
        #expect(lines.dropFirst().first?.hasPrefix("capturing on lo") == true)
        // A file is never guessed for.
        let file = try KdnetctlBinary.run(["inspect", home.setup.appendingPathComponent("kdnet-notes.txt").path], environment: home.env)
        #expect(file.status == 64)
        #expect(file.stderr.hasPrefix("error: give the key the target uses"))
    }

    @Test func flagsChooseAnotherSetupAndNoRememberRecordsNothing() throws {
        let home = try Home(); defer { try? FileManager.default.removeItem(at: home.dir) }
        _ = try home.wizard(["--no-remember"])
        #expect(try home.stateFiles().isEmpty)
        let r = try KdnetctlBinary.run(["listen", "--timeout", "1"], environment: home.env)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("error: give --port and the key"))

        let port = try home.wizard()
        let other = KdnetctlBinary.freeUDPPort()
        let given = try KdnetctlBinary.run(["listen", "--bind", "127.0.0.1", "--timeout", "1", "--port", String(other),
                                            "--key", TypedArgumentTests.key], environment: home.env)
        #expect(!given.stderr.contains("using the setup"))
        #expect(given.stderr.contains("listening on UDP \(other) "))
        #expect(port != other)
    }

    @Test func aSetupWhoseFolderWentIsNamedAndNotGuessed() throws {
        let home = try Home(); defer { try? FileManager.default.removeItem(at: home.dir) }
        _ = try home.wizard()
        try FileManager.default.removeItem(at: home.setup)
        let r = try KdnetctlBinary.run(["listen", "--timeout", "1"], environment: home.env)
        #expect(r.status == 1)
        #expect(r.stderr == "error: the remembered setup in \(home.setup.path) is gone; run `kdnetctl wizard` again, or give --port/--key or --config\n")
    }

    @Test func aRememberedPlanListensForTheFleet() throws {
        let home = try Home(); defer { try? FileManager.default.removeItem(at: home.dir) }
        let base = KdnetctlBinary.freeUDPPort(in: 50100...50900)
        try "name,port\nlab-a,\(base)\nlab-b,\(base + 1)\n".write(to: home.dir.appendingPathComponent("inv.csv"), atomically: true, encoding: .utf8)
        let plan = try KdnetctlBinary.run(["plan", "--inventory", home.dir.appendingPathComponent("inv.csv").path,
                                           "--out", home.setup.path, "--host-ip", "10.1.2.3", "--json"], environment: home.env)
        #expect(plan.status == 0, "\(plan.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        #expect(doc["remembered"] as? String == home.state + "/kdnetctl/last-setup.json")

        let r = try KdnetctlBinary.run(["listen", "--bind", "127.0.0.1", "--timeout", "1", "--json"], environment: home.env)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("using the setup in \(home.setup.path) (2 targets)"))
        let fleet = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let targets = try #require(fleet["targets"] as? [[String: Any]])
        #expect(targets.compactMap { $0["name"] as? String } == ["lab-a", "lab-b"])
    }

    @Test func doctorWithoutFlagsChecksTheDefaultsAndNeverRefuses() throws {
        let home = try Home(); defer { try? FileManager.default.removeItem(at: home.dir) }
        let r = try KdnetctlBinary.run(["doctor"], environment: home.env)
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("no setup given or remembered: checking the recommended defaults, port 500"))
        #expect(r.stdout.contains(" port "))
        #expect(r.stdout.contains(" port-free "))
        #expect(r.stdout.contains(" pass, "))

        let json = try KdnetctlBinary.run(["doctor", "--json"], environment: home.env)
        #expect(json.status == 0 || json.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let basis = try #require(doc["basis"] as? [String: Any])
        #expect(basis["source"] as? String == "defaults")
        #expect((basis["port"] as? Int).map(DebugPort.recommended.contains) == true)
        #expect(basis["folder"] is NSNull)
        #expect(json.stderr.isEmpty)
    }

    @Test func doctorWithoutFlagsChecksTheRememberedSetupWithItsKey() throws {
        let home = try Home(); defer { try? FileManager.default.removeItem(at: home.dir) }
        let port = try home.wizard()
        let (r, doc): (KdnetctlBinary.Result, [String: Any]) = try {
            let r = try KdnetctlBinary.run(["doctor", "--json"], environment: home.env)
            return (r, try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:])
        }()
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        let basis = try #require(doc["basis"] as? [String: Any])
        #expect(basis["source"] as? String == "remembered")
        #expect(basis["port"] as? Int == port)
        #expect(basis["folder"] as? String == home.setup.path)
        let names = (doc["checks"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("key"))
        #expect(names.contains("port"))
        // With flags the doctor checks only what they give.
        let flags = try KdnetctlBinary.run(["doctor", "--port", "50001"], environment: home.env)
        #expect(!flags.stderr.contains("using the setup"))
    }
}


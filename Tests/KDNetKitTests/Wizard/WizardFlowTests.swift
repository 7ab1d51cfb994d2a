import Foundation
import Testing
@testable import KDNetKit

@Suite struct WizardFlowTests {
    static let key = try! DebugKey(parsing: "1b2c3d4e5f6g7.2h3i4j5k6l7m8.3n4o5p6q7r8s9.4t5u6v7w8x9y")
    static let connected = ConnectionOutcome(connected: true, from: "198.51.100.20:50001", build: 26100, architecture: "x64", waitedSeconds: 4)

    static func options(_ out: URL, presets: [String: String] = [:], simulated: Bool = false, targetSide: Bool = false, plan: URL? = nil) -> WizardFlow.Options {
        WizardFlow.Options(outDir: out, planDir: plan, presets: presets, simulatedTarget: simulated ? SimulatedTarget() : nil,
                           targetSide: targetSide, connectTimeout: 5, makeKey: { key })
    }

    @Test func defaultsPickTheRecommendedAddressAndTheFirstFreePortAndWriteSecretFiles() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let services = FakeServices()
        services.held = [50000]
        services.outcomes = [Self.connected]
        let io = ScriptedIO()
        let record = try WizardFlow(io: io, services: services, options: Self.options(out)).run()

        #expect(io.begun == WizardStep.allCases)
        #expect(record.choices["host-ip"] == "198.51.100.10")
        #expect(record.choices["port"] == "50001")
        #expect(io.report(.port)?.lines.contains("in use on this host: 50000") == true)
        #expect(record.outcome == .connected)
        #expect(io.report(.connection)?.lines.contains { $0.contains("build 26100, x64") } == true)
        #expect(services.connectRequests.first?.port.value == 50001)

        let names = Set(record.files.map { URL(fileURLWithPath: $0.path).lastPathComponent })
        #expect(names == ["kdnet-target.cmd", "kdnet-target.ps1", "kdnet-notes.txt", "listener.json"])
        for f in record.files {
            let mode = try FileManager.default.attributesOfItem(atPath: f.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try String(contentsOfFile: f.path, encoding: .utf8).contains(Self.key.text))
        }
        let cmd = try String(contentsOf: out.appendingPathComponent("kdnet-target.cmd"), encoding: .utf8)
        #expect(cmd.contains("bcdedit /dbgsettings net hostip:198.51.100.10 port:50001 key:\(Self.key.text)"))
        let config = try ListenerConfig.load(from: out.appendingPathComponent("listener.json"))
        #expect(config.targets.first?.port == 50001 && config.targets.first?.key == Self.key.text)

        // The record and the screen never carry the full key.
        let json = try JSONOutput.string(record)
        #expect(!json.contains(Self.key.text))
        #expect(!io.reports.flatMap(\.lines).joined().contains(Self.key.text))
    }

    @Test func typedPortsAreCheckedAgainstThePlanAndTheHost() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let services = FakeServices()
        services.planned = [50000: "alpha", 50001: "beta"]
        services.held = [50002]
        let io = ScriptedIO(["port": ["80", "50001", "50002", "50003"], "connect": ["skip"]])
        let record = try WizardFlow(io: io, services: services, options: Self.options(out, plan: out)).run()
        #expect(io.questions["port"]?.defaultValue == "50003")
        let refused = io.refusals["port"] ?? []
        #expect(refused.count == 3)
        #expect(refused[0].contains("outside 49152-65535"))
        #expect(refused[1].contains("target beta") && refused[1].contains("e.g. 50003"))
        #expect(refused[2].contains("in use here"))
        #expect(record.choices["port"] == "50003")
        #expect(record.outcome == .setUp)
    }

    @Test func aBadPresetStopsBeforeAnythingIsWritten() throws {
        let out = WizardTemp.dir()
        let flow = WizardFlow(io: ScriptedIO(), services: FakeServices(), options: Self.options(out, presets: ["port": "80"]))
        #expect { try flow.run() } throws: { error in
            (error as? PresetAnswerError)?.errorDescription?.hasPrefix("--port: port 80 is outside") == true
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// Answers to the questions after the files are written (the connection's) are checked
    /// up front with the rest, and named by the answers file's key, not a flag.
    @Test func aBadLateAnswerInTheFileStopsTheRunBeforeAnythingIsWritten() throws {
        for (line, message) in [
            ("connect: maybe", "--answers a.yaml line 1: connect: 'maybe' is not one of wait, skip"),
            ("on_failure: forever", "--answers a.yaml line 1: on_failure: 'forever' is not one of stop, wait"),
            ("proceed-checks: perhaps", "--answers a.yaml line 1: proceed-checks: 'perhaps' is not one of continue, quit"),
            ("key: not-a-key", "--answers a.yaml line 1: key: "),
        ] {
            let out = WizardTemp.dir()
            let answers = try WizardAnswers.parse(line + "\n", source: "a.yaml")
            let options = WizardFlow.Options(outDir: out, presets: answers.values, presetOrigins: answers.origins,
                                             simulatedTarget: SimulatedTarget(), connectTimeout: 5, makeKey: { Self.key })
            let io = ScriptedIO()
            #expect { try WizardFlow(io: io, services: FakeServices(), options: options).run() } throws: { error in
                (error as? PresetAnswerError)?.errorDescription?.hasPrefix(message) == true
            }
            #expect(io.begun.isEmpty, "no step ran for \(line)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(line) wrote \(out.path)")
        }
    }

    @Test func answersThatOnlyOneModeTakesAreRefusedUpFrontWithWhy() throws {
        let out = WizardTemp.dir()
        let flow = WizardFlow(io: ScriptedIO(), services: FakeServices(), options: Self.options(out, presets: ["nic-source": "this-machine"]))
        #expect { try flow.run() } throws: { error in
            (error as? PresetAnswerError)?.errorDescription == "--nic-source: 'this-machine' is not one of dump, ids, busparams, hyperv, skip: it works only with --target-side (the wizard running on the target)"
        }
        let windbg = WizardFlow(io: ScriptedIO(), services: FakeServices(),
                                options: Self.options(out, presets: ["debugger": "windbg"], simulated: true))
        #expect { try windbg.run() } throws: { error in
            (error as? PresetAnswerError)?.errorDescription?.hasPrefix("--debugger: the simulated target talks to kdnetctl's listener") == true
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // On the target side it is a choice like the others.
        let side = WizardFlow(io: ScriptedIO(), services: FakeServices(), options: Self.options(out, targetSide: true))
        #expect(try side.nicSourceQuestion(defaultValue: nil).validate("this-machine") == "this-machine")
    }

    @Test func runSettingsInAnAnswersFileNameTheirFlag() throws {
        for key in ["timeout", "plan", "simulated_key"] {
            #expect { try WizardAnswers.parse("\(key): 5\n", source: "a.yaml") } throws: { e in
                (e as? WizardAnswersError)?.errorDescription == "--answers a.yaml line 1: '\(key)' is not a question but a setting of the run, which only a flag gives; use --\(WizardAnswers.normalise(key))"
            }
        }
        #expect(WizardAnswers.flagsWithoutKey.isDisjoint(with: WizardAnswers.questionIDs))
    }

    /// A reused folder others can read is made 0700 when it holds only the wizard's
    /// files; one that holds other files too is left alone, with a warning.
    @Test func anExistingOpenOutFolderIsTightenedOrWarnedAbout() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let io = ScriptedIO(["connect": ["skip"]])
        _ = try WizardFlow(io: io, services: FakeServices(), options: Self.options(out)).run()
        #expect(try FileManager.default.attributesOfItem(atPath: out.path)[.posixPermissions] as? Int == 0o700)
        #expect(io.report(.result)?.notes.contains("\(out.path) was mode 0755; made it 0700, as it holds the key") == true)

        // A second run finds it private: nothing to say.
        let again = ScriptedIO(["connect": ["skip"]])
        _ = try WizardFlow(io: again, services: FakeServices(), options: Self.options(out)).run()
        #expect(again.report(.result)?.notes.contains { $0.contains("made it 0700") } == false)

        let shared = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: shared) }
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try Data().write(to: shared.appendingPathComponent("someone-elses.txt"))
        let other = ScriptedIO(["connect": ["skip"]])
        _ = try WizardFlow(io: other, services: FakeServices(), options: Self.options(shared)).run()
        #expect(try FileManager.default.attributesOfItem(atPath: shared.path)[.posixPermissions] as? Int == 0o755)
        let result = try #require(other.report(.result))
        #expect(result.warnings.contains { $0.hasPrefix("\(shared.path) is mode 0755 and holds other files") } && result.status == .warn)
    }

    @Test func stoppingAtThePrecautionsWritesNothing() throws {
        let out = WizardTemp.dir()
        let io = ScriptedIO(["proceed-precautions": ["quit"]])
        #expect(throws: WizardStopped.self) { try WizardFlow(io: io, services: FakeServices(), options: Self.options(out)).run() }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(io.begun.last == .precautions)
    }

    @Test func aSupportedNICInADumpGivesTheBusparams() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let dump = FixtureFiles.root.appendingPathComponent("pci/supported.lspci").path
        let io = ScriptedIO(["nic-source": ["dump"], "pci-dump": ["/nonexistent/dump", dump], "connect": ["skip"]])
        let record = try WizardFlow(io: io, services: FakeServices(), options: Self.options(out)).run()
        #expect(io.refusals["pci-dump"]?.count == 1)
        let bp = try #require(record.choices["nic"])
        let expected = try #require(PCIAddress(lspci: bp)?.busparams)
        let cmd = try String(contentsOf: out.appendingPathComponent("kdnet-target.cmd"), encoding: .utf8)
        #expect(cmd.contains("bcdedit /set {dbgsettings} busparams \(expected)"))
    }

    @Test func anUnsupportedNICIsReportedWithItsAdvice() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let dump = FixtureFiles.root.appendingPathComponent("pci/virtio-legacy-only.lspci").path
        let io = ScriptedIO(["nic-source": ["dump"], "pci-dump": [dump], "connect": ["skip"]])
        _ = try WizardFlow(io: io, services: FakeServices(), options: Self.options(out)).run()
        let nic = try #require(io.report(.nic))
        #expect(nic.status == .fail)
        #expect(nic.lines.contains { $0.contains("not supported") && $0.contains("legacy-only") })
        #expect(nic.notes.contains { $0.contains("e1000e") })
        #expect(!io.asked.contains("nic"))
    }

    /// The wizard takes its verdicts from the same code as `nics`: a modern virtio-net is
    /// offered, with the public report it rests on named.
    @Test func aModernVirtioNICIsOfferedWithItsSource() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let dump = FixtureFiles.root.appendingPathComponent("pci/virtio-modern.lspci").path
        let io = ScriptedIO(["nic-source": ["dump"], "pci-dump": [dump], "connect": ["skip"]])
        _ = try WizardFlow(io: io, services: FakeServices(), options: Self.options(out)).run()
        let nic = try #require(io.report(.nic))
        #expect(nic.lines.contains { $0.contains("supported") && $0.contains("kd_02_1af4.dll") })
        #expect(nic.notes.contains { $0.contains("public report") && $0.contains("Cloud Hypervisor") })
        let cmd = try String(contentsOf: out.appendingPathComponent("kdnet-target.cmd"), encoding: .utf8)
        #expect(cmd.contains("bcdedit /set {dbgsettings} busparams 0.3.0"))
    }

    @Test func windowsIdsAskForTheLocation() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let io = ScriptedIO(["nic-source": ["ids"], "ids": ["PCI\\VEN_8086&DEV_15B8"], "busparams": ["0:31.6", "0.31.6"], "connect": ["skip"]])
        _ = try WizardFlow(io: io, services: FakeServices(), options: Self.options(out)).run()
        #expect(io.refusals["busparams"]?.first?.contains("bus.device.function") == true)
        let cmd = try String(contentsOf: out.appendingPathComponent("kdnet-target.cmd"), encoding: .utf8)
        #expect(cmd.contains("busparams 0.31.6"))
    }

    @Test func aFailedConnectionIsDiagnosedAndWaitingAgainIsOffered() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let services = FakeServices()
        services.outcomes = [
            ConnectionOutcome(connected: false, diagnosis: "wrong-key", explanation: "datagrams came from 198.51.100.20 but none opened with this key",
                              fix: "run the script again on the target", waitedSeconds: 5),
            Self.connected,
        ]
        let io = ScriptedIO(["on-failure": ["wait"]])
        let record = try WizardFlow(io: io, services: services, options: Self.options(out)).run()
        #expect(services.connectRequests.count == 2)
        let lines = try #require(io.report(.connection)).lines
        #expect(lines.contains { $0.contains("wrong-key") })
        #expect(lines.contains { $0.contains("what to do: run the script again") })
        #expect(record.outcome == .connected)

        services.outcomes = [ConnectionOutcome(connected: false, diagnosis: "no-traffic", waitedSeconds: 5)]
        let stopped = try WizardFlow(io: ScriptedIO(), services: services, options: Self.options(out)).run()
        #expect(stopped.outcome == .notConnected)
        #expect(stopped.connection?.diagnosis == "no-traffic")
        #expect(stopped.steps.last?.status == .fail)
    }

    @Test func anUnavailableListenerIsSaidNotFaked() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let io = ScriptedIO()
        let record = try WizardFlow(io: io, services: FakeServices(), options: Self.options(out)).run()
        #expect(io.report(.connection)?.status == .unavailable)
        #expect(record.connection == nil && record.outcome == .setUp)
    }

    @Test func theSimulatedTargetMayUseLoopbackOnAMachineWithoutNetwork() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let services = FakeServices(snapshot: FakeServices.loopbackOnly)
        services.outcomes = [Self.connected]
        let record = try WizardFlow(io: ScriptedIO(), services: services, options: Self.options(out, simulated: true)).run()
        #expect(record.choices["host-ip"] == "127.0.0.1")
        let cmd = try String(contentsOf: out.appendingPathComponent("kdnet-target.cmd"), encoding: .utf8)
        #expect(cmd.contains("hostip:127.0.0.1 port:50000"))
        #expect(!cmd.contains("192.0.2.1"))
        #expect(services.connectRequests.first?.simulated != nil)
        #expect(record.checks.first { $0.name == "host-ip" }?.verdict == .pass)

        // Without the simulated target, loopback is refused and there is no default.
        let io = ScriptedIO(["host-ip": ["127.0.0.1"]])
        #expect(throws: MissingAnswerError.self) {
            try WizardFlow(io: io, services: FakeServices(snapshot: FakeServices.loopbackOnly), options: Self.options(WizardTemp.dir())).run()
        }
        #expect(io.refusals["host-ip"]?.first?.contains("loopback") == true)
    }

    @Test func aWindowsHostGetsWindowsFirewallRulesAndNoListener() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let io = ScriptedIO(["debugger": ["windbg"], "host-ip": ["198.51.100.77"]])
        let record = try WizardFlow(io: io, services: FakeServices(), options: Self.options(out)).run()
        #expect(io.questions["host-ip"]?.choices.isEmpty == true)
        #expect(!record.files.contains { $0.path.hasSuffix("listener.json") })
        #expect(io.report(.checks)?.lines.contains { $0.contains("netsh advfirewall") } == true)
        #expect(io.report(.connection)?.status == .skipped)
        #expect(!io.asked.contains("connect"))
    }

    @Test func aFirewallDropShowsTheRuleThatOpensIt() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let services = FakeServices()
        services.firewall = .fail
        let io = ScriptedIO(["connect": ["skip"]])
        let record = try WizardFlow(io: io, services: services, options: Self.options(out)).run()
        #expect(io.report(.checks)?.status == .fail)
        #expect(io.report(.checks)?.lines.contains("  to open it: nft insert rule inet filter input udp dport 50000 accept") == true)
        #expect(record.checks.map(\.name) == ["port-free", "firewall", "host-ip"])
    }

    @Test func onTheTargetSideTheHostIsProbedAndNothingListens() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let io = ScriptedIO(["host-ip": ["198.51.100.10"], "nic-source": ["skip"]])
        let record = try WizardFlow(io: io, services: FakeServices(), options: Self.options(out, targetSide: true)).run()
        #expect(io.questions["nic-source"]?.defaultValue == "this-machine")
        #expect(record.checks.first?.cause.contains("198.51.100.10:50000") == true)
        #expect(io.report(.connection)?.status == .skipped)
        #expect(record.mode == "target-side")

        let stop = ScriptedIO(["host-ip": ["198.51.100.10"], "nic-source": ["skip"], "proceed-checks": ["quit"]])
        #expect { try WizardFlow(io: stop, services: FakeServices(), options: Self.options(out, targetSide: true)).run() } throws: { e in
            (e as? WizardStopped)?.errorDescription?.contains("the set-up in \(out.path) is complete") == true
        }
    }

    @Test func answersFilesAreYAMLOrJSON() throws {
        let yaml = try WizardAnswers.parse("host_ip: 192.168.1.10\nport: 50005\nids: [8086:15b8, 10ec:8168]\n", source: "a.yaml")
        #expect(yaml.values == ["host-ip": "192.168.1.10", "port": "50005", "ids": "8086:15b8,10ec:8168"])
        #expect(yaml.origins["host-ip"] == .answersFile(path: "a.yaml", key: "host_ip", line: 1))
        let json = try WizardAnswers.parse("{\"host-ip\": \"192.168.1.10\", \"port\": 50005}", source: "a.json")
        #expect(json.values["port"] == "50005")
        #expect(throws: WizardAnswersError.self) { try WizardAnswers.parse("- a\n- b\n", source: "list.yaml") }
        #expect { try WizardAnswers.parse("hostip: 192.168.1.10\n", source: "typo.yaml") } throws: { e in
            (e as? WizardAnswersError)?.errorDescription?.contains("'hostip' is not a question") == true
        }
    }

    /// Every id an answers file may hold is one the flow really asks, and the reverse.
    @Test func answerNamesMatchTheQuestionsAsked() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        var seen = Set<String>()
        let services = FakeServices()
        services.outcomes = [ConnectionOutcome(connected: false, diagnosis: "no-traffic", waitedSeconds: 1)]
        let dump = FixtureFiles.root.appendingPathComponent("pci/supported.lspci").path
        for script in [["nic-source": ["dump"], "pci-dump": [dump]], ["nic-source": ["ids"], "ids": ["8086:15b8"]]] {
            let io = ScriptedIO(script)
            _ = try WizardFlow(io: io, services: services, options: Self.options(out)).run()
            seen.formUnion(io.asked)
        }
        services.vmNames = ["hyperv-no-vendor"]
        let vm = ScriptedIO(["target": ["vm-here"], "connect": ["skip"]])
        var withLab = Self.options(out)
        withLab.labServiceConfig = out.appendingPathComponent("lab.json").path  // a lab service here: asked
        _ = try WizardFlow(io: vm, services: services, options: withLab).run()
        seen.formUnion(vm.asked)
        let side = ScriptedIO(["host-ip": ["198.51.100.10"]])
        _ = try WizardFlow(io: side, services: services, options: Self.options(out, targetSide: true)).run()
        seen.formUnion(side.asked)
        seen.insert("key")  // taken from flags only: the key is generated unless given
        #expect(seen == WizardAnswers.questionIDs)
    }

    // MARK: A VM on this host

    @Test func aVMOnThisHostGivesTheHostAddressAndTheNIC() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let services = FakeServices()
        services.vmNames = ["e1000e", "rtl8139"]
        let io = ScriptedIO(["target": ["vm-here"], "vm": ["kdt-vm-nope", "kdt-vm-e1000e"], "connect": ["skip"]])
        let record = try WizardFlow(io: io, services: services, options: Self.options(out)).run()
        #expect(io.refusals["vm"]?.first?.contains("kdt-vm-e1000e, kdt-vm-rtl8139") == true)
        let target = try #require(io.report(.target))
        #expect(target.lines.contains { $0.hasPrefix("pass nic-model") } && target.status == .ok)
        #expect(!io.asked.contains("vm-fix"))
        // The host address comes from the VM's network, the NIC from the VM: no busparams for its only NIC.
        #expect(record.choices["host-ip"] == "192.168.122.1")
        #expect(!io.asked.contains("nic-source") && record.choices["windows"] == "26100")
        let cmd = try String(contentsOf: out.appendingPathComponent("kdnet-target.cmd"), encoding: .utf8)
        #expect(cmd.contains("hostip:192.168.122.1") && !cmd.contains("busparams"))
        #expect(io.report(.nic)?.notes.contains { $0.contains("without busparams") } == true)
    }

    @Test func aVMsFailedChecksOfferTheFixAndApplyItOnlyOnYes() throws {
        for (answer, applies) in [("skip", false), ("apply", true)] {
            let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
            let services = FakeServices()
            services.vmNames = ["hyperv-no-vendor"]
            let io = ScriptedIO(["vm-fix": [answer], "connect": ["skip"]])
            _ = try WizardFlow(io: io, services: services, options: Self.options(out, presets: ["vm": "kdt-vm-hyperv-no-vendor"])).run()
            let q = try #require(io.questions["vm-fix"])
            #expect(q.help.contains { $0.contains("+") && $0.contains("<vendor_id state='on' value='KVMKVMKVM'/>") })
            #expect(q.help.contains { $0.hasPrefix("hyperv-vendor-id:") })
            #expect(services.applied.count == (applies ? 1 : 0))
            let target = try #require(io.report(.target))
            #expect(target.notes.contains { $0.contains("power the VM off and start it again") } == applies)
            #expect(target.lines.contains { $0.contains("the original is kept in /backups/kdt-vm-hyperv-no-vendor.xml") } == applies)
            #expect(target.lines.contains("checked again after the change:") == applies)
            #expect(target.notes.contains { $0.contains("vm fix kdt-vm-hyperv-no-vendor --apply` makes these changes later") } == !applies)
            if !applies { #expect(target.warnings.contains { $0.hasPrefix("hyperv-vendor-id") } && target.status == .fail) }
        }
    }

    @Test func anUnknownVMPresetIsAUsageErrorBeforeAnythingIsWritten() throws {
        let out = WizardTemp.dir(); defer { try? FileManager.default.removeItem(at: out) }
        let services = FakeServices()
        services.vmNames = ["e1000e"]
        #expect(throws: PresetAnswerError.self) {
            try WizardFlow(io: ScriptedIO(), services: services, options: Self.options(out, presets: ["vm": "nope"])).run()
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}

import Foundation
import Testing
@testable import KDNetKit

@Suite struct DoctorCheckTests {
    let hint = SettingsHint(hostIP: "10.77.0.1", port: 50000)
    static let key = try! DebugKey(parsing: "2steg4fzbj2sy.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p")

    func run(_ request: DoctorRequest, _ env: FakeDoctorEnvironment = FakeDoctorEnvironment()) -> DoctorReport {
        Doctor.run(request, environment: env)
    }

    /// A pasted hostip reaches the printed bcdedit line only as a parsed address: a value
    /// with controls (or bidi overrides) in it cannot be passed by cmd.exe, so the line
    /// keeps its placeholder instead.
    @Test func aPastedHostIPIsPrintedOnlyAsAnAddress() throws {
        func hint(_ hostip: String) throws -> SettingsHint {
            SettingsHint(request: try DoctorRequest(dbgSettings: DbgSettings(parsing: "key 1.2.3.4\ndebugtype NET\nhostip \(hostip)\nport 50000\n")))
        }
        #expect(try hint("10.77.0.1").dbgsettings() == "bcdedit /dbgsettings net hostip:10.77.0.1 port:50000 key:<key>")
        for hostile in ["10.77.0.1\u{1B}[31m", "10.77.0.1\u{202E}", "10.77.0.1 & calc"] {
            #expect(try hint(hostile).dbgsettings() == "bcdedit /dbgsettings net hostip:<this host's address> port:50000 key:<key>")
        }
    }

    @Test func portRangeAndPolicy() {
        let out = PortPolicyCheck.judge(port: 80, hint: hint)
        // The doctor warns where bcdedit and listen refuse, with their words.
        #expect(out.verdict == .warn && out.cause.hasPrefix("port 80 is outside 49152-65535; pick one from 50000-50039"))
        #expect(out.fix?.contains("bcdedit /dbgsettings net hostip:10.77.0.1 port:50000") == true)
        let policy = PortPolicyCheck.judge(port: 50085, hint: hint)
        #expect(policy.verdict == .warn && policy.cause.contains("network policy"))
        #expect(policy.fix?.contains("network administrators") == true)
        #expect(PortPolicyCheck.judge(port: 50039, hint: hint).verdict == .pass)
    }

    @Test func keyStrength() throws {
        #expect(KeyCheck.judge(key: try DebugKey(parsing: "1.2.3.4"), hint: hint).verdict == .warn)
        let published = KeyCheck.judge(key: DbgSettingsLint.documentationKey!, hint: hint)
        #expect(published.verdict == .warn && published.cause.contains("documentation"))
        let good = KeyCheck.judge(key: Self.key, hint: hint)
        #expect(good.verdict == .pass && !good.cause.contains("2steg4fzbj2sy.23418"), "the key is not printed")
    }

    @Test func hostAddressBelongsHereAndIsNotLinkLocal() throws {
        let snap = FakeDoctorEnvironment.host
        #expect(HostAddressCheck.judge(hostIP: try HostAddress(parsing: "10.77.0.1"), snapshot: snap, hint: hint).verdict == .pass)
        let elsewhere = HostAddressCheck.judge(hostIP: try HostAddress(parsing: "10.77.0.9"), snapshot: snap, hint: hint)
        #expect(elsewhere.verdict == .fail && elsewhere.cause.contains("not an address of this host"))
        #expect(elsewhere.details?.contains("this host has 10.77.0.1 on eth1") == true)
        #expect(elsewhere.details?.contains { $0.contains("127.0.0.1") } == false, "loopback is never offered")
        let apipa = HostAddressCheck.judge(hostIP: try HostAddress(parsing: "169.254.7.1"), snapshot: snap, hint: hint)
        #expect(apipa.verdict == .warn && apipa.cause.contains("link-local") && apipa.cause.contains("eth1"))
        #expect(HostAddressCheck.judge(hostIP: try HostAddress(parsing: "127.0.0.1"), snapshot: snap, hint: hint).verdict == .fail)
        // Only kdnetctl's own simulated target, on this machine, may be sent to over loopback.
        let simulated = HostAddressCheck.judge(hostIP: try HostAddress(parsing: "127.0.0.1"), snapshot: snap, hint: hint,
                                               simulatedTargetOnThisHost: true)
        #expect(simulated.verdict == .pass && simulated.cause.contains("simulated target"))
        #expect(HostAddressCheck.judge(hostIP: try HostAddress(parsing: "10.77.0.9"), snapshot: snap, hint: hint,
                                       simulatedTargetOnThisHost: true).verdict == .fail)
        var env = FakeDoctorEnvironment(); env.snapshot = nil
        let unread = run(try DoctorRequest(hostIP: HostAddress(parsing: "10.77.0.1")), env).checks[0]
        #expect(unread.verdict == .warn && unread.cause.hasPrefix("could not"))
    }

    @Test func portHolderIsNamed() {
        let holder = PortOwnershipReport.Holder(local: Endpoint(address: IPAddress("0.0.0.0")!, port: 50000), inode: 7, uid: 0,
                                                pid: 4242, command: "python3")
        let held = PortFreeCheck.judge(PortOwnership.report(port: 50000, holders: [holder], sawAll: true))
        #expect(held.verdict == .fail && held.cause.contains("python3 (pid 4242)"))
        #expect(held.fix?.contains("kill 4242") == true)
        #expect(held.details == ["held by python3 (pid 4242, uid 0) on 0.0.0.0:50000"])
        #expect(PortFreeCheck.judge(PortOwnership.report(port: 50000, holders: [], sawAll: true)).verdict == .pass)
    }

    @Test(arguments: [("accept", CheckVerdict.pass), ("drop-rule", .fail), ("reject-rule", .fail), ("policy-drop", .fail),
                      ("jump", .pass), ("other-port", .fail)])
    func firewallVerdictNamesTheRule(fixture: String, want: CheckVerdict) throws {
        var env = FakeDoctorEnvironment()
        env.ruleset = .success(FakeDoctorEnvironment.ruleset(fixture))
        let port = fixture == "reject-rule" ? 50010 : 50000
        let line = run(try DoctorRequest(port: port, hostIP: HostAddress(parsing: "10.77.0.1"), target: IPAddress("10.77.0.2")), env)
            .check(named: "firewall")!
        #expect(line.verdict == want, "\(fixture): \(line.cause)")
        if want == .fail {
            #expect(line.fix?.contains("nft insert rule") == true)
            #expect(line.details?.contains("to open it: nft insert rule inet filter input iifname \"eth1\" udp dport \(port) accept") == true,
                    "the interface comes from --host-ip: \(line.details ?? [])")
        }
    }

    @Test func firewallThatCannotBeRead() throws {
        #expect(FirewallCheck.unreadable(.notPermitted).verdict == .warn)
        let absent = FirewallCheck.unreadable(.listFailed("Protocol not supported"))
        #expect(absent.verdict == .pass && absent.cause.hasPrefix("no firewall to check"))
        let empty = run(try DoctorRequest(port: 50000)).check(named: "firewall")!
        #expect(empty.verdict == .pass && empty.cause.contains("no firewall to check"))
    }

    @Test func windowsHostGetsTheSteps() throws {
        let line = run(try DoctorRequest(port: 50005, hostOS: .windows)).check(named: "firewall")!
        #expect(line.verdict == .warn)
        #expect(line.fix?.contains("localport=50005 profile=domain,private,public") == true)
        #expect(line.details?.contains { $0.contains("New-NetFirewallRule") } == true)
        #expect(line.details?.contains { $0.contains("Allow an app through Windows Firewall") } == true)
    }

    static func route(_ p: String, _ len: Int, via gw: String? = nil) -> RouteEntry {
        RouteEntry(prefix: IPAddress(p)!, length: len, interface: "eth1", gateway: gw.flatMap(IPAddress.init))
    }

    @Test func routeDirectBehindRouterAndLinkLocal() throws {
        let table = [Self.route("10.77.0.0", 24), Self.route("10.88.0.0", 24, via: "10.77.0.254")]
        let direct = RouteCheck.judge(target: IPAddress("10.77.0.2")!, routes: table, hostIP: nil)
        #expect(direct.verdict == .pass && direct.cause.contains("directly connected"))
        let routed = RouteCheck.judge(target: IPAddress("10.88.0.2")!, routes: table, hostIP: try HostAddress(parsing: "10.77.0.1"))
        #expect(routed.verdict == .warn && routed.cause.contains("behind the router 10.77.0.254"))
        #expect(routed.details == ["route: 10.88.0.0/24 on eth1 via 10.77.0.254 metric 0"])
        let apipa = RouteCheck.judge(target: IPAddress("10.88.0.2")!, routes: table, hostIP: try HostAddress(parsing: "169.254.7.1"))
        #expect(apipa.verdict == .fail && apipa.cause.contains("never cross a router"))
        #expect(RouteCheck.judge(target: IPAddress("192.0.2.9")!, routes: table, hostIP: nil).verdict == .fail)
    }

    @Test func pingSilenceIsOnlyAWarning() throws {
        let t = IPAddress("10.77.0.2")!
        #expect(PingCheck.judge(Pinger.report(target: t, method: .rawSocket, sent: 3, rtts: [1, 1, 1])).verdict == .pass)
        let silent = PingCheck.judge(Pinger.report(target: t, method: .rawSocket, sent: 3, rtts: []))
        #expect(silent.verdict == .warn && silent.cause.contains("blocks ping"))
        let refused = PingCheck.judge(Pinger.refusedReport(target: t, count: 3, range: "1 0"))
        #expect(refused.verdict == .warn && refused.fix?.contains("ping_group_range") == true)
    }

    static let consistent = """
        busparams               0.25.0
        key                     2steg4fzbj2sy.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p
        debugtype               NET
        hostip                  10.77.0.1
        port                    50000
        dhcp                    Yes
        The operation completed successfully.
        """

    func settingsLines(_ text: String, port: Int? = 50000, key: DebugKey? = Self.key, hostIP: String? = "10.77.0.1",
                       snapshot: HostNetworkSnapshot? = FakeDoctorEnvironment.host) -> [String: DoctorCheckResult] {
        let lines = TargetSettingsCheck.judge(settings: DbgSettings(parsing: text), port: port, key: key,
                                              hostIP: hostIP.map { try! HostAddress(parsing: $0) }, snapshot: snapshot, hint: hint)
        return Dictionary(uniqueKeysWithValues: lines.map { ($0.name, $0) })
    }

    @Test func consistentSettingsPassEveryLine() {
        let lines = settingsLines(Self.consistent)
        #expect(lines.count == 5)
        for (name, line) in lines { #expect(line.verdict == .pass, "\(name): \(line.cause)") }
        #expect(lines["target-hostip"]?.cause.contains("on eth1") == true)
    }

    @Test func inconsistentPortHostAndKeyFailTheirOwnLines() throws {
        let lines = settingsLines(Self.consistent.replacingOccurrences(of: "50000", with: "50001")
            .replacingOccurrences(of: "10.77.0.1", with: "10.77.0.9")
            .replacingOccurrences(of: "2steg4fzbj2sy", with: "3steg4fzbj2sy"))
        #expect(lines["target-port"]?.verdict == .fail && lines["target-port"]?.cause.contains("port 50001") == true)
        #expect(lines["target-hostip"]?.verdict == .fail)
        #expect(lines["target-hostip"]?.cause.contains("not an address of this host") == true)
        #expect(lines["target-hostip"]?.cause.contains("--host-ip is 10.77.0.1") == true)
        #expect(lines["target-key"]?.verdict == .fail)
        #expect(lines["target-key"]?.fix?.contains("`bcdedit /dbgsettings` in an elevated prompt") == true)
        #expect(lines["target-busparams"]?.verdict == .pass && lines["target-settings"]?.verdict == .pass)
        // The key is never printed back.
        let all = try JSONOutput.string(DoctorReport(checks: Array(lines.values)))
        #expect(!all.contains("23418vzkd4ko3"))
    }

    @Test func missingPortMeansTheFallbackAndMissingBusparamsWarns() {
        let text = Self.consistent.replacingOccurrences(of: "port                    50000\n", with: "")
            .replacingOccurrences(of: "busparams               0.25.0\n", with: "")
        let lines = settingsLines(text)
        #expect(lines["target-port"]?.verdict == .fail && lines["target-port"]?.cause.contains("5364") == true)
        #expect(lines["target-busparams"]?.verdict == .warn)
        #expect(settingsLines(text, port: 5364)["target-port"]?.verdict == .warn, "no port line is still worth a warning")
    }

    @Test func hostipOfThisHostPassesWithoutHostIPFlag() {
        let lines = settingsLines(Self.consistent, port: nil, key: nil, hostIP: nil)
        #expect(lines["target-hostip"]?.verdict == .pass)
        #expect(lines["target-key"]?.verdict == .pass && lines["target-key"]?.cause.contains("give --key") == true)
        #expect(settingsLines(Self.consistent, snapshot: nil)["target-hostip"]?.verdict == .pass, "no snapshot, nothing to hold against it")
    }

    @Test func nothingPastedIsOneFailingLine() {
        let lines = settingsLines("Access is denied.")
        #expect(lines.count == 1 && lines["target-settings"]?.verdict == .fail)
        #expect(lines["target-settings"]?.fix?.contains("elevated prompt") == true)
        let wrongType = settingsLines(Self.consistent.replacingOccurrences(of: "NET", with: "SERIAL"))
        #expect(wrongType["target-settings"]?.verdict == .fail && wrongType["target-settings"]?.fix?.contains("bcdedit /dbgsettings net") == true)
    }

    static func endpoint(_ a: String, _ p: UInt16 = 50000) -> Endpoint { Endpoint(a, port: p)! }

    func listen(_ kinds: [(TrafficClass, String)], target: String? = "10.77.0.2") -> DoctorCheckResult {
        var seen = ObservedTraffic()
        for (kind, from) in kinds { seen.record(kind, from: Self.endpoint(from)) }
        return ListenCheck.judge(seen, port: 50000, seconds: 5, target: target.flatMap(IPAddress.init), hint: hint)
    }

    @Test func listenVerdicts() {
        let nothing = listen([])
        #expect(nothing.verdict == .fail && nothing.cause.contains("nothing arrived") && nothing.cause.contains("not rebooted"))
        let junk = listen([(.notKDNet, "10.77.0.2")])
        #expect(junk.verdict == .fail && junk.cause.contains("none of it is KDNET") && junk.cause.contains("10.77.0.2:50000"))
        let other = listen([(.wrongKey, "10.77.0.2"), (.notKDNet, "10.77.0.3")])
        #expect(other.verdict == .fail && other.cause.contains("another key"))
        #expect(other.fix?.contains("`bcdedit /dbgsettings` in an elevated prompt") == true)
        let stranger = listen([(.unexpectedSource, "10.77.0.9"), (.wrongKey, "10.77.0.2")])
        #expect(stranger.verdict == .fail && stranger.cause.contains("10.77.0.9") && stranger.cause.contains("expected target 10.77.0.2"))
        let good = listen([(.authenticated, "10.77.0.2"), (.wrongKey, "10.77.0.5")])
        #expect(good.verdict == .pass && good.cause.contains("kdnetctl listen --port 50000 --key"))
        #expect(good.details == ["1 datagram authenticated", "1 datagram with another key"])
        #expect(listen([(.unverifiedData, "10.77.0.2")]).verdict == .warn)
    }

    /// Hostile-input trial #4: the doctor classifies the bytes as listen does.
    @Test func listenNamesAnUnknownKDNetVersion() {
        let classifier = TrafficClassifier(key: Self.key)
        var seen = ObservedTraffic()
        for _ in 0..<3 { seen.record(Array("MDBG".utf8) + [6, 1] + [UInt8](repeating: 0, count: 32), from: Self.endpoint("10.77.0.2"), by: classifier) }
        seen.record(Array("noise".utf8), from: Self.endpoint("10.77.0.3"), by: classifier)
        let r = ListenCheck.judge(seen, port: 50000, seconds: 5, target: IPAddress("10.77.0.2"), hint: hint)
        #expect(r.verdict == .fail && r.cause.contains("unknown version 6: a wrong key or a new layout arrived from 10.77.0.2:50000"))
        #expect(r.fix == TrafficDiagnosis.unsupportedVersion.fix)
        #expect(r.details == ["3 datagrams of an unknown KDNET version", "1 datagram not KDNET"])
        var malformed = ObservedTraffic()
        malformed.record(Array("MDBG".utf8) + [2, 1] + [UInt8](repeating: 0, count: 20), from: Self.endpoint("10.77.0.2"), by: classifier)
        let m = ListenCheck.judge(malformed, port: 50000, seconds: 5, target: nil, hint: hint)
        #expect(m.verdict == .fail && m.cause.contains("none of it is well-formed KDNET") && m.details == ["1 datagram malformed KDNET"])
    }

    @Test func listenRunsThroughTheEnvironmentWithProgress() throws {
        var env = FakeDoctorEnvironment()
        env.traffic.record(.authenticated, from: Self.endpoint("10.77.0.2"))
        var ticks = 0
        let r = Doctor.run(try DoctorRequest(port: 50000, key: Self.key, listenSeconds: 2), environment: env) {
            if case .listening = $0 { ticks += 1 }
        }
        #expect(r.check(named: "listen")?.verdict == .pass && ticks == 1)
    }

    static func nics(_ functions: [PCIFunction], _ windows: String) throws -> NICSurvey {
        NICSurvey(functions: functions, source: "test", windows: try WindowsTarget(parsing: windows), knowledge: NICTableTests.knowledge)
    }

    static func nic(_ vendor: UInt16, _ device: UInt16, bus: Int = 1, virtio: VirtioTransport? = nil) -> PCIFunction {
        PCIFunction(address: PCIAddress(bus: bus, device: 0, function: 0), identity: PCIIdentity(vendorID: vendor, deviceID: device),
                    deviceClass: 0x0200, declaredVirtio: virtio)
    }

    /// The doctor's NIC check judges with `NICVerdict`, as `nics` and the wizard do.
    @Test func nicVerdicts() throws {
        let listed = NICCheck.judge(try Self.nics([Self.nic(0x8086, 0x10d3)], "8.1"))
        #expect(listed.verdict == .pass && listed.cause.contains("Microsoft's list") && listed.fix == nil)
        #expect(listed.details?.last == "on the target: bcdedit /set {dbgsettings} busparams 1.0.0")
        let module = NICCheck.judge(try Self.nics([Self.nic(0x1af4, 0x1041)], "11 22H2"))
        #expect(module.verdict == .pass && module.cause.contains("module Windows ships") && module.cause.contains("Cloud Hypervisor"))
        let unknown = NICCheck.judge(try Self.nics([Self.nic(0x1af4, 0x1000, virtio: .transitional)], "11 24H2"))
        #expect(unknown.verdict == .warn && unknown.cause.contains("not known") && unknown.fix?.contains("virtio-non-transitional") == true)
        let none = NICCheck.judge(try Self.nics([Self.nic(0x15ad, 0x07b0)], "11 23H2"))
        #expect(none.verdict == .fail && none.fix?.contains("Windows 11 24H2") == true)
        #expect(NICCheck.judge(try Self.nics([], "11")).verdict == .fail)
        // Both present: the listed e1000e is the one named, not the virtio-net before it.
        let both = NICCheck.judge(try Self.nics([Self.nic(0x1af4, 0x1041, bus: 0), Self.nic(0x8086, 0x10d3, bus: 2)], "11 24H2"))
        #expect(both.verdict == .pass && both.cause.hasPrefix("02:00.0") && both.cause.contains("(Microsoft's list)"))
    }

    @Test func nicCheckRunsFromTheRequest() throws {
        let request = try DoctorRequest(nics: try Self.nics([Self.nic(0x1af4, 0x1000, virtio: .legacyOnly)], "11 24H2"))
        let r = Doctor.run(request, environment: FakeDoctorEnvironment())
        #expect(r.checks.map(\.name) == ["nic"] && r.failed)
        #expect(throws: DoctorRequestError.windowsNeedsNICs) { try DoctorRequest.parsing(port: 50000, key: nil, hostIP: nil, target: nil, dbgSettings: nil, windows: "11") }
    }
}

extension DoctorCheckTests {
    /// The doctor's listen line says what the listener's diagnosis means and, unless it
    /// knows better (its own flags, the target's settings), the listener's fix.
    @Test func listenWordsTheListenersDiagnosis() {
        let cases: [([(TrafficClass, String)], TrafficDiagnosis)] = [
            ([], .noTraffic), ([(.notKDNet, "10.77.0.2")], .notKDNet), ([(.malformed, "10.77.0.2")], .malformed),
            ([(.wrongKey, "10.77.0.2")], .wrongKey), ([(.unverifiedData, "10.77.0.2")], .otherDebugger),
        ]
        for (kinds, diagnosis) in cases {
            let r = listen(kinds)
            #expect(r.verdict == ListenCheck.verdict(for: diagnosis), "\(diagnosis)")
            #expect(r.cause.contains(diagnosis.meaning!), "\(diagnosis): \(r.cause)")
            // Silence shorter than the DHCP wait also gets "listen longer" (DHCPWaitTests).
            if diagnosis == .noTraffic { #expect(r.fix?.hasPrefix(diagnosis.fix) == true) }
            else if diagnosis != .wrongKey { #expect(r.fix == diagnosis.fix, "\(diagnosis)") }
        }
        #expect(listen([(.authenticated, "10.77.0.2")]).verdict == .pass && listen([(.unexpectedSource, "10.77.0.9")]).verdict == .fail)
        #expect(ListenCheck.verdict(for: .otherDebugger) == .warn && ListenCheck.verdict(for: .incomplete) == .pass)
    }
}

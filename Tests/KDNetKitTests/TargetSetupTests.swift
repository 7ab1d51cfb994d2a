import Foundation
import Testing
@testable import KDNetKit

@Suite struct TargetSetupTests {
    static let key = try! DebugKey(parsing: "3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i")

    func request(host: String? = "192.168.1.10", port: Int = 50000, key: TargetSetupRequest.KeyChoice = .given(key)) throws -> TargetSetupRequest {
        var r = TargetSetupRequest(port: try DebugPort(validating: port), key: key)
        r.hostAddress = try host.map { try HostAddress(parsing: $0) }
        return r
    }

    @Test func enableIsTheManualProcedure() throws {
        let s = try TargetSetup(try request())
        #expect(s.steps.map(\.cmdLine) == [
            "bcdedit /debug on",
            "bcdedit /dbgsettings net hostip:192.168.1.10 port:50000 key:\(Self.key.text)",
        ])
        #expect(s.key == Self.key.text && s.keySource == .given)
        #expect(s.host?.windbg == "windbg -k net:port=50000,key=\(Self.key.text)")
        #expect(s.host?.kd == "kd -k net:port=50000,key=\(Self.key.text)")
        #expect(s.host?.listen == "kdnetctl listen --port 50000 --key \(Self.key.text)")
        #expect(s.warnings.isEmpty)
    }

    @Test func ipv6UsesHostipv6() throws {
        let s = try TargetSetup(try request(host: "fd00::10"))
        #expect(s.steps[1].arguments[2] == "hostipv6:fd00::10")
        #expect(s.family == .ipv6)
    }

    @Test func allOptions() throws {
        var r = try request()
        r.busParams = try BusParams(parsing: "3b:00.0")
        r.noDHCP = true; r.bootDebug = true; r.hypervisor = true
        let s = try TargetSetup(r)
        let lines = s.steps.map(\.cmdLine)
        #expect(lines.contains("bcdedit /dbgsettings net hostip:192.168.1.10 port:50000 key:\(Self.key.text) nodhcp"))
        #expect(lines.contains("bcdedit /set {dbgsettings} busparams 59.0.0"))
        #expect(lines.contains("bcdedit /bootdebug {bootmgr} on"))
        #expect(lines.contains("bcdedit /bootdebug {default} on"))
        #expect(lines.contains("bcdedit /hypervisorsettings net hostip:192.168.1.10 port:50001 key:\(Self.key.text)"))
        #expect(lines.contains("bcdedit /set hypervisordebug on"))
        #expect(s.hypervisorPort?.value == 50001)
        #expect(s.host?.hypervisorWindbg == "windbg -k net:port=50001,key=\(Self.key.text)")
        #expect(s.notes.contains { $0.contains("3b:00.0") && $0.contains("59.0.0") })
        #expect(lines.first == "bcdedit /debug on")
    }

    @Test func newkeyLetsBcdeditChoose() throws {
        let s = try TargetSetup(try request(key: .bcdeditNewKey))
        #expect(s.steps[1].arguments.last == "newkey")
        #expect(s.key == nil && s.keySource == .bcdedit)
        #expect(s.host?.windbg.contains("key=<the key bcdedit printed>") == true)
        var r = try request(key: .bcdeditNewKey)
        r.hypervisor = true
        #expect(throws: TargetSetupError.newKeyWithHypervisor) { try TargetSetup(r) }
    }

    @Test func hypervisorNeedsRoomForPortPlusOne() throws {
        var r = try request(port: 65535)
        r.hypervisor = true
        #expect(throws: TargetSetupError.noRoomForHypervisor(try DebugPort(validating: 65535))) { try TargetSetup(r) }
    }

    @Test func warnings() throws {
        #expect(try TargetSetup(try request(port: 60000)).warnings.contains { $0.contains("60000") })
        #expect(try TargetSetup(try request(host: "169.254.1.1")).warnings.contains { $0.contains("share a switch") })
        #expect(try TargetSetup(try request(key: .given(DebugKey(parsing: "1.2.3.4")))).warnings.contains(KeyReport.weakWarning))
        #expect(try TargetSetup(try request(key: .generated(.generate()))).warnings.isEmpty)
    }

    @Test func refusesWhatCannotWork() throws {
        #expect(throws: TargetSetupError.missingHostAddress) { try TargetSetup(try request(host: nil)) }
        #expect(throws: TargetSetupError.self) { try TargetSetup(try request(host: "127.0.0.1")) }
        // Only kdnetctl's own simulated target, on this machine, may be given loopback.
        var simulated = try request(host: "127.0.0.1")
        simulated.simulatedTargetOnThisHost = true
        let setup = try TargetSetup(simulated)
        #expect(setup.steps.contains { $0.cmdLine.contains("hostip:127.0.0.1") })
        #expect(setup.warnings.contains { $0.contains("simulated target only") })
        simulated.hostAddress = try HostAddress(parsing: "0.0.0.0")
        #expect(throws: TargetSetupError.self) { try TargetSetup(simulated) }
        var r = try request()
        r.targetAddress = "fd00::20"
        #expect(throws: TargetSetupError.targetFamilyMismatch("fd00::20", .ipv4)) { try TargetSetup(r) }
        r.targetAddress = "bad name!"
        #expect(throws: TargetSetupError.badTarget("bad name!")) { try TargetSetup(r) }
    }

    @Test func targetAddressFollowsTheSeedRules() throws {
        var r = try request()
        r.targetAddress = "192.168.1.20"
        #expect(try TargetSetup(r).host?.windbg.hasSuffix(",target=192.168.1.20") == true)
        r.targetAddress = "target.lab"
        #expect(try TargetSetup(r).host?.kd.hasSuffix(",target=target.lab") == true)
        var v6 = try request(host: "fd00::10")
        v6.targetAddress = "::"
        #expect(try TargetSetup(v6).host?.windbg.hasSuffix(",target=::") == true)
    }

    @Test func offAndDelete() throws {
        var r = try request(host: nil)
        r.action = .off; r.bootDebug = true; r.hypervisor = true
        #expect(try TargetSetup(r).steps.map(\.cmdLine) == [
            "bcdedit /debug off", "bcdedit /bootdebug {bootmgr} off", "bcdedit /bootdebug {default} off", "bcdedit /set hypervisordebug off",
        ])
        r.action = .delete([.port, .hostip])
        let d = try TargetSetup(r)
        #expect(d.steps.map(\.cmdLine) == ["bcdedit /deletevalue {dbgsettings} port", "bcdedit /deletevalue {dbgsettings} hostip"])
        #expect(d.notes.contains { $0.contains("5364") })
        #expect(d.notes.contains { $0.contains("target=") })
        #expect(d.host == nil)
        var withHost = try request()
        withHost.action = .off
        #expect(throws: TargetSetupError.conflicting("--host-ip", "--off")) { try TargetSetup(withHost) }
        #expect(throws: TargetSetupError.unknownElement("foo")) { try DbgSettingsElement(parsing: "foo") }
    }

    @Test func firewallRules() throws {
        let p = try DebugPort(validating: 50000), q = try DebugPort(validating: 50001)
        let win = HostSide.firewallRules(ports: [p, q], os: .windows)
        #expect(win[0].hasPrefix("netsh advfirewall firewall add rule") && win[0].contains("protocol=UDP localport=50000,50001 profile=domain,private,public"))
        #expect(win[1].hasPrefix("New-NetFirewallRule") && win[1].contains("-Protocol UDP -LocalPort 50000,50001 -Profile Domain,Private,Public"))
        #expect(HostSide.firewallRules(ports: [p], os: .linux) == ["nft insert rule inet filter input udp dport 50000 accept"])
        #expect(HostSide.firewallRules(ports: [p, q], os: .linux) == ["nft insert rule inet filter input udp dport '{ 50000, 50001 }' accept"])
    }
}

extension TargetSetupTests {
    /// The enums keep the JSON words scripts read.
    @Test func actionAndKeySourceKeepTheirJSONWords() throws {
        func doc(_ s: TargetSetup) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(s)) as? [String: Any])
        }
        let generated = try doc(try TargetSetup(try request(key: .generated(Self.key))))
        #expect(generated["action"] as? String == "enable" && generated["key_source"] as? String == "generated")
        #expect(try doc(try TargetSetup(try request(key: .bcdeditNewKey)))["key_source"] as? String == "bcdedit")
        var off = try request(host: nil)
        off.action = .off
        let offDoc = try doc(try TargetSetup(off))
        #expect(offDoc["action"] as? String == "off" && offDoc["key_source"] is NSNull)
        let back = try JSONOutput.decoder().decode(TargetSetup.self, from: JSONOutput.data(try TargetSetup(try request())))
        #expect(back.action == .enable && back.keySource == .given)
    }
}

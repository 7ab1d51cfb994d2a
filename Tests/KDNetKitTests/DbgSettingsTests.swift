import Foundation
import Testing
@testable import KDNetKit

@Suite struct DbgSettingsTests {
    @Test func parsesTheSeedsIPv4Sample() throws {
        let s = DbgSettings(parsing: try FixtureFiles.text("dbgsettings/seed-ipv4.txt"))
        #expect(s.key == "XXXXXX.XXXXX.XXXXX.XXXXX")
        #expect(s.debugtype == "NET" && s.hostip == "169.168.1.1" && s.port == "50085" && s.dhcp == "Yes")
        #expect(s.busparams == nil && s.hostipv6 == nil)
        #expect(s.completed && s.messages.isEmpty)
    }

    @Test func parsesTheSeedsIPv6SampleWithOddSpacingAndCRLF() throws {
        let text = try FixtureFiles.text("dbgsettings/seed-ipv6.txt").replacingOccurrences(of: "\n", with: "\r\n")
        let s = DbgSettings(parsing: text)
        #expect(s.hostipv6 == "2001:db8:0:0:ff00:0:42:8329")
        #expect(s.busparams == "0.25.0" && s.port == "50010" && s.completed)
        #expect(s.key == "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p")
    }

    @Test func keepsOtherFieldsAndMessages() {
        let s = DbgSettings(parsing: "\tdebugtype\tSerial\n  baudrate   115200\ndebugport 1\nAn error occurred while attempting to reference the entry.\n")
        #expect(s.debugtype == "Serial")
        #expect(s.other == ["baudrate": "115200", "debugport": "1"])
        #expect(s.messages == ["An error occurred while attempting to reference the entry."])
        #expect(!s.completed)
    }

    @Test func redactsTheKey() {
        let s = DbgSettings(parsing: "key 2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p\n")
        #expect(s.redacted.key?.contains("2steg4fzbj2sz.23418") == false)
    }
}

@Suite struct DbgSettingsLintTests {
    static let good = """
        busparams               0.25.0
        key                     3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i
        debugtype               NET
        hostip                  192.168.1.10
        port                    50000
        dhcp                    Yes
        The operation completed successfully.
        """

    func lint(_ text: String, _ options: DbgSettingsLint.Options = .init()) -> DbgSettingsLint {
        DbgSettingsLint(DbgSettings(parsing: text), options: options)
    }

    func replacing(_ line: String, with new: String) -> String {
        Self.good.split(separator: "\n").map { $0.hasPrefix(line) ? new : String($0) }.joined(separator: "\n")
    }

    func codes(_ r: DbgSettingsLint) -> [String] { r.findings.map(\.code) }

    @Test func goodSettingsHaveNoFindings() {
        let r = lint(Self.good)
        #expect(r.findings.isEmpty && r.ok)
    }

    @Test func theSeedsIPv4SampleIsWrongInFourWays() throws {
        let r = lint(try FixtureFiles.text("dbgsettings/seed-ipv4.txt"))
        #expect(!r.ok)
        #expect(Set(codes(r)) == ["key-placeholder", "port-not-recommended", "hostip-suspicious", "busparams-missing"])
        #expect(r.findings.first { $0.code == "key-placeholder" }?.severity == .error)
        #expect(r.findings.first { $0.code == "hostip-suspicious" }?.message.contains("169.168.1.1") == true)
    }

    @Test func theSeedsIPv6SampleUsesPublishedValues() throws {
        let r = lint(try FixtureFiles.text("dbgsettings/seed-ipv6.txt"))
        #expect(r.ok)
        #expect(Set(codes(r)) == ["key-published", "hostipv6-documentation"])
    }

    @Test func debugtypeMustBeNet() {
        #expect(codes(lint(replacing("debugtype", with: "debugtype SERIAL"))) == ["debugtype-not-net"])
        #expect(!lint(replacing("debugtype", with: "")).ok)
    }

    @Test func portRules() {
        let bad = lint(replacing("port", with: "port 80"))
        #expect(!bad.ok && codes(bad) == ["port-invalid"])
        #expect(bad.findings[0].message == "port 80 is outside 49152-65535; pick one from 50000-50039")
        let odd = lint(replacing("port", with: "port 50085"))
        #expect(odd.ok && codes(odd) == ["port-not-recommended"])
        let missing = lint(replacing("port", with: ""))
        #expect(codes(missing) == ["port-missing"] && missing.findings[0].message.contains("5364"))
    }

    @Test func keyRules() {
        #expect(codes(lint(replacing("key", with: "key 1.2.3"))) == ["key-invalid"])
        #expect(codes(lint(replacing("key", with: "key 1.2.3.4"))) == ["key-weak"])
        #expect(codes(lint(replacing("key", with: ""))) == ["key-missing"])
        #expect(!lint(replacing("key", with: "key XXXXXX.XXXXX.XXXXX.XXXXX")).ok)
    }

    @Test func keyComparison() throws {
        let same = try DebugKey(parsing: "3AZ3B6WYGIJ1V.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i")
        let r = lint(Self.good, .init(expectedKey: same))
        #expect(r.keyMatches == true && r.ok)
        let other = lint(Self.good, .init(expectedKey: .generate()))
        #expect(other.keyMatches == false && !other.ok && codes(other) == ["key-mismatch"])
    }

    @Test func hostAddressRules() {
        #expect(codes(lint(replacing("hostip", with: "hostip 169.254.10.1"))) == ["hostip-link-local"])
        #expect(codes(lint(replacing("hostip", with: "hostip 300.1.1.1"))) == ["hostip-invalid"])
        #expect(codes(lint(replacing("hostip", with: "hostip 127.0.0.1"))) == ["hostip-unusable"])
        #expect(codes(lint(replacing("hostip", with: "hostip 8.8.4.4"))) == ["hostip-public"])
        #expect(codes(lint(replacing("hostip", with: ""))) == ["hostip-missing"])
        #expect(codes(lint(replacing("hostip", with: "hostipv6 fe80::1"))) == ["hostipv6-link-local"])
    }

    struct FakeLookup: HostAddressLookup {
        let mine: Set<String>
        func ownership(of address: HostAddress) -> HostAddressOwnership {
            mine.contains(address.text) ? .local(interface: "eth0") : .notLocal
        }
    }

    @Test func hostLookupHook() {
        let mine = lint(Self.good, .init(hostLookup: FakeLookup(mine: ["192.168.1.10"])))
        #expect(codes(mine) == ["hostip-this-host"] && mine.ok)
        #expect(mine.findings.first?.message.contains("on eth0") == true)
        let r = lint(Self.good, .init(hostLookup: FakeLookup(mine: ["10.0.0.1"])))
        #expect(codes(r) == ["hostip-not-this-host"] && !r.ok)
    }

    @Test func busparamsRules() {
        let none = replacing("busparams", with: "")
        #expect(codes(lint(none)) == ["busparams-missing"])
        #expect(lint(none, .init(virtualMachine: true)).findings.isEmpty)
        #expect(codes(lint(replacing("busparams", with: "busparams 3b:00.0"))) == ["busparams-hex"])
        #expect(codes(lint(replacing("busparams", with: "busparams 0.99.0"))) == ["busparams-invalid"])
    }

    /// Two pastes run together: the later output is the newer state, so its value is linted.
    @Test func aSettingGivenTwiceIsReportedWithTheValueThatWins() {
        let twice = lint(Self.good + "\nport 50085\nkey 1.2.3.4\n")
        #expect(twice.settings.port == "50085")
        #expect(twice.settings.repeated.map(\.name) == ["key", "port"])
        #expect(Set(codes(twice)) == ["repeated-port", "repeated-key", "port-not-recommended", "key-weak"])
        let port = twice.findings.first { $0.code == "repeated-port" }
        #expect(port?.severity == .warning)
        #expect(port?.message.hasPrefix("port is given 2 times (50000, then 50085); bcdedit prints each setting once") == true)
        #expect(port?.message.contains("The last, 50085, is the one checked here") == true)
        let key = twice.findings.first { $0.code == "repeated-key" }?.message ?? ""
        #expect(!key.contains("3az3b6wygij1v.vvf1e2p0f14w") && !key.contains("1.2.3.4"), "keys stay redacted: \(key)")
        let same = lint(Self.good + "\ndhcp Yes\n")
        #expect(codes(same) == ["repeated-dhcp"] && same.findings[0].message.contains("(Yes each time)"))
        #expect(lint(Self.good).settings.repeated.isEmpty)
    }

    @Test func emptyOrIncompleteOutput() {
        #expect(codes(lint("")) == ["no-settings"])
        #expect(codes(lint(replacing("The operation", with: ""))) == ["incomplete"])
        #expect(codes(lint(replacing("dhcp", with: "dhcp No"))) == ["nodhcp"])
    }
}

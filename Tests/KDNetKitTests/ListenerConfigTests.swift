import Foundation
import Testing
@testable import KDNetKit

@Suite struct ListenerConfigTests {
    static let key = "3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i"
    static let other = "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p"

    func message(_ json: String) -> String? {
        do { _ = try ListenerConfig.parse(Data(json.utf8), source: "listener.json"); return nil } catch {
            return (error as? LocalizedError)?.errorDescription
        }
    }

    func one(_ target: String, hostIp: String = "") -> String {
        "{\"version\": 1, \(hostIp)\"targets\": [\(target)]}"
    }

    @Test(arguments: [
        (#"{"name": "lab-07", "port": 80, "key": "\#(key)"}"#,
         #"listener.json: target 'lab-07': port 80 is outside 49152-65535; pick one from 50000-50039"#),
        (#"{"name": "a", "port": 0, "key": "\#(key)"}"#, #"listener.json: target 'a': port 0 is outside 49152-65535"#),
        (#"{"name": "a", "port": 65536, "key": "\#(key)"}"#, #"listener.json: target 'a': port 65536 is outside 49152-65535"#),
        (#"{"name": "a", "port": "50000", "key": "\#(key)"}"#, #"listener.json: target 'a': port '50000' is not a whole number"#),
        (#"{"name": "a", "port": 50000.5, "key": "\#(key)"}"#, #"listener.json: target 'a': port 50000.5 is not a whole number"#),
        (#"{"name": "a", "key": "\#(key)"}"#, #"listener.json: target 'a': port is missing"#),
        (#"{"port": 50000, "key": "\#(key)"}"#, "listener.json: targets[0]: name is missing"),
        (#"{"name": "", "port": 50000, "key": "\#(key)"}"#, #"listener.json: targets[0]: name '' is not usable as a file name"#),
        (#"{"name": "a\u001b[2J", "port": 50000, "key": "\#(key)"}"#, #"listener.json: targets[0]: name 'a\x1b[2J' is not usable as a file name"#),
        (#"{"name": "a", "port": 50000}"#, #"listener.json: target 'a': key is missing"#),
        (#"{"name": "a", "port": 50000, "key": "1.2"}"#, #"listener.json: target 'a': the key is invalid: the key has 2 parts"#),
        (#"{"name": "a", "port": 50000, "key": "\#(key)", "adress": "10.0.0.2"}"#, #"listener.json: target 'a': it has an unknown field 'adress'"#),
        (#"{"name": "a", "port": 50000, "key": "\#(key)", "address": "10.0.0"}"#, #"listener.json: target 'a': address '10.0.0' is not an IPv4 or IPv6 address"#),
        ("7", "listener.json: targets[0]: is not an object"),
        (#"{"name": "a", "port": 50000, "key": "\#(key)"}, {"name": "A", "port": 50001, "key": "\#(other)"}"#,
         #"listener.json: targets[1]: its name 'A' is also used by targets[0]"#),
        (#"{"name": "a", "port": 50000, "key": "\#(key)"}, {"name": "b", "port": 50000, "key": "\#(other)"}"#,
         #"listener.json: target 'b': port 50000 is also used by target 'a'; each target needs its own port"#),
    ])
    func eachTargetErrorNamesTheEntryAndTheField(target: String, expected: String) {
        let got = message(one(target)) ?? "accepted"
        #expect(got.hasPrefix(expected), "\(got)")
    }

    @Test func topLevelErrors() {
        let t = #"{"name": "a", "port": 50000, "key": "\#(Self.key)"}"#
        #expect(message(one(t, hostIp: #""host_ip": "999.1.1.1", "#))?
            .hasPrefix(#"listener.json: host_ip '999.1.1.1' is not an IPv4 or IPv6 address"#) == true)
        #expect(message(#"{"version": 2, "targets": [\#(t)]}"#)?.hasPrefix("listener.json: version 2 is not supported") == true)
        #expect(message(#"{"targets": [\#(t)]}"#)?.hasPrefix("listener.json: version is missing") == true)
        #expect(message(#"{"version": 1}"#)?.hasPrefix("listener.json: targets is missing") == true)
        #expect(message(#"{"version": 1, "targets": []}"#)?.hasPrefix("listener.json: targets is empty") == true)
        #expect(message(#"{"version": 1, "hosts": [], "targets": [\#(t)]}"#)?.hasPrefix(#"listener.json: the top level has an unknown field 'hosts'"#) == true)
        #expect(message("[1, 2]")?.hasPrefix("listener.json: the top level is not a JSON object") == true)
    }

    @Test func aDamagedFileSaysWhereAndHowToWriteItAgain() {
        let whole = one(#"{"name": "a", "port": 50000, "key": "\#(Self.key)"}"#)
        let cut = message(String(whole.prefix(40))) ?? ""
        #expect(cut.hasPrefix("listener.json is damaged (it ends early, as if cut off); to write it again, move it aside and re-run `kdnetctl plan` with the same inventory and --out"), "\(cut)")
        let garbled = message("{\"version\": 1,\n  \"targets\": [x]}") ?? ""
        #expect(garbled.hasPrefix("listener.json is damaged (it is not valid JSON at line 2, column 15)"), "\(garbled)")
        #expect(message(whole) == nil)
    }

    /// What `plan`, the wizard and the benchmark write must load: all go through `write`.
    @Test func writtenConfigsLoadBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-lc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for hostIp in ["192.168.1.10", "fd00::10", "127.0.0.1", nil] {
            let config = ListenerConfig(hostIp: hostIp, targets: [.init(name: "target", port: 50000, key: Self.key),
                                                                 .init(name: "t.1", port: 65535, key: Self.other, address: "fd00::2")])
            let url = dir.appendingPathComponent("listener.json")
            try config.write(to: url)
            #expect(try ListenerConfig.load(from: url) == config)
        }
        try Data().write(to: dir.appendingPathComponent("empty.json"))
        #expect(throws: ListenerConfigError.damaged(dir.appendingPathComponent("empty.json").path, "it is empty")) {
            try ListenerConfig.load(from: dir.appendingPathComponent("empty.json"))
        }
    }
}

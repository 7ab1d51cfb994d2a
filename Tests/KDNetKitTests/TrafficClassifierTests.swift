import Foundation
import Testing
@testable import KDNetKit
import KDNetTestSupport

@Suite struct TrafficClassifierTests {
    let source = Endpoint("192.168.0.13", port: 50000)!

    func vectorPacket(_ name: String) throws -> [UInt8] {
        try #require(try Vectors.libkdnet().first { $0.name == name }).bytes
    }

    @Test func realPokeAuthenticatesOnlyWithItsKey() throws {
        let poke = try vectorPacket("poke")
        #expect(TrafficClassifier(key: try DebugKey(parsing: "1.1.1.1")).classify(poke, from: source) == .authenticated)
        #expect(TrafficClassifier(key: try DebugKey(parsing: "1.1.1.2")).classify(poke, from: source) == .wrongKey)
    }

    @Test func expectedAddressIsEnforcedOnlyForAuthenticTraffic() throws {
        let poke = try vectorPacket("poke")
        let elsewhere = TrafficClassifier(key: try DebugKey(parsing: "1.1.1.1"), expectedAddress: "192.168.0.99")
        #expect(elsewhere.classify(poke, from: source) == .unexpectedSource)
        let here = TrafficClassifier(key: try DebugKey(parsing: "1.1.1.1"), expectedAddress: "192.168.0.13")
        #expect(here.classify(poke, from: source) == .authenticated)
        // A wrong key stays a wrong key wherever it comes from.
        let wrong = TrafficClassifier(key: try DebugKey(parsing: "1.1.1.2"), expectedAddress: "192.168.0.99")
        #expect(wrong.classify(poke, from: source) == .wrongKey)
    }

    @Test func otherTrafficIsNotKDNet() throws {
        let c = TrafficClassifier(key: try DebugKey(parsing: "1.1.1.1"))
        #expect(c.classify(Array("GET / HTTP/1.1\r\n".utf8), from: source) == .notKDNet)
        #expect(c.classify([], from: source) == .notKDNet)
    }

    /// Hostile-input trial #4: MDBG of version 6 was "another program", and malformed
    /// MDBG counted as not KDNET, so the malformed counter stayed at 0.
    @Test func anUnknownVersionIsNamedAndMalformedMDBGIsCounted() throws {
        let c = TrafficClassifier(key: try DebugKey(parsing: "1.1.1.1"))
        let v6 = Array("MDBG".utf8) + [6, 1] + [UInt8](repeating: 0, count: 32)
        #expect(c.classify(v6, from: source) == .unsupportedVersion)
        // Its length means nothing in a layout we do not know: still the version.
        #expect(c.classify(Array("MDBG".utf8) + [6, 1, 2, 3], from: source) == .unsupportedVersion)
        #expect(c.classify(Array("MDBG".utf8) + [2, 1] + [UInt8](repeating: 0, count: 20), from: source) == .malformed)
        #expect(c.classify(Array("MDBG".utf8) + [2, 7] + [UInt8](repeating: 0, count: 32), from: source) == .malformed)

        var host = HostSession(configuration: .init(keys: c.keys))
        for i in 0..<30 {
            let bytes = i.isMultiple(of: 2) ? v6 : Array("MDBG".utf8) + [2, 1] + [UInt8](repeating: 0, count: 20)
            let out = host.receive(bytes, from: source, at: Double(i))
            #expect(out.datagrams.isEmpty && out.events.count == 1)
        }
        #expect(host.tally.unsupportedVersion == 15 && host.tally.malformed == 15 && host.tally.notKdnet == 0)
        #expect(host.tally.unsupportedVersions == [6] && host.tally.diagnosis == .unsupportedVersion)
        #expect(host.tally.explanation.hasPrefix("unknown version 6: a wrong key or a new layout"))
        let result = ListenResult(name: nil, port: 50000, session: host, mac: nil, follow: false, debugOutput: [])
        let doc = try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(result)) as? [String: Any])
        #expect(doc["diagnosis"] as? String == "unsupported-version")
        #expect((doc["explanation"] as? String)?.contains("unknown version 6: a wrong key or a new layout") == true)
        let seen = try #require(doc["seen"] as? [String: Any])
        #expect(seen["unsupported_version"] as? Int == 15 && seen["malformed"] as? Int == 15 && seen["unsupported_versions"] as? [Int] == [6])

        var onlyMalformed = TrafficTally()
        onlyMalformed.record(.malformed, from: source)
        onlyMalformed.record(.notKDNet, from: source)
        #expect(onlyMalformed.diagnosis == .malformed)
    }

    /// The listener's class names as inspect spells its statuses.
    static let statusName: [TrafficClass: String] = [
        .notKDNet: "not_kdnet", .unsupportedVersion: "unsupported_version", .malformed: "malformed",
        .wrongKey: "failed_authentication", .authenticated: "authenticated",
    ]

    /// inspect sorts the same bytes into the same classes as listen and the doctor.
    @Test func inspectAgreesWithTheListener() throws {
        let key = try DebugKey(parsing: "1.1.1.1")
        let c = TrafficClassifier(key: key)
        var observer = SessionObserver(keys: [ObserverKey(key: key, label: "key 1")])
        let cases: [([UInt8], ObservedDatagram.Status)] = [
            (Array("hello".utf8), .notKDNet),
            (Array("MDBG".utf8) + [6, 1] + [UInt8](repeating: 0, count: 32), .unsupportedVersion),
            (Array("MDBG".utf8) + [2, 1] + [UInt8](repeating: 0, count: 20), .malformed),
            (try vectorPacket("poke"), .authenticated),
        ]
        for (bytes, status) in cases {
            let record = observer.observe(bytes, from: nil, to: nil, at: nil)
            #expect(record.status == status)
            #expect(record.status.rawValue == Self.statusName[c.classify(bytes, from: source)])
        }
        let v6 = observer.observe(cases[1].0, from: nil, to: nil, at: nil)
        #expect(v6.protocolVersion == 6 && v6.problem == "unknown version 6: a wrong key or a new layout")
        #expect(v6.protocolVersionSeenBefore == false)
    }

    @Test func dataDatagramsNeedTheSessionKey() throws {
        let keys = KDNetKeys(key: try DebugKey(parsing: "1.1.1.1"))
        let c = TrafficClassifier(keys: keys)
        let check = try vectorPacket("conncheck")
        #expect(c.classify(check, from: source) == .unverifiedData)
        let response = try keys.controlCipher.open(try vectorPacket("poke_resp"))
        let data = keys.dataCipher(dataKey: keys.dataKey(responseBody: response.payload))
        #expect(c.classify(check, from: source, dataCipher: data) == .authenticated)
    }

    /// A session's data datagrams that no key here opens mean another debugger has the
    /// target; listen and the doctor say so alike (they once disagreed: "another program").
    @Test func dataOfAnotherSessionMeansAnotherDebugger() throws {
        var t = TrafficTally()
        t.record(.unverifiedData, from: source)
        #expect(t.diagnosis == .otherDebugger)
        var seen = ObservedTraffic()
        seen.record(.unverifiedData, from: source)
        let doctor = ListenCheck.judge(seen, port: 50000, seconds: 5, target: nil, hint: SettingsHint(hostIP: "10.77.0.1", port: 50000))
        #expect(doctor.cause.hasPrefix(TrafficDiagnosis.otherDebugger.explanation) && doctor.fix == TrafficDiagnosis.otherDebugger.fix)
        t.record(.notKDNet, from: source)
        #expect(t.diagnosis == .notKDNet, "foreign traffic is the more telling evidence")
    }

    @Test func diagnosisPrefersTheMostTellingEvidence() {
        var t = TrafficTally()
        #expect(t.diagnosis == .noTraffic)
        t.record(.notKDNet, from: source)
        #expect(t.diagnosis == .notKDNet)
        t.record(.wrongKey, from: source)
        #expect(t.diagnosis == .wrongKey)
        t.record(.unexpectedSource, from: Endpoint("10.0.0.9", port: 50000)!)
        #expect(t.diagnosis == .unexpectedSource)
        #expect(t.total == 3 && t.sources == ["192.168.0.13:50000", "10.0.0.9:50000"])
        t.record(.authenticated, from: source)
        #expect(t.diagnosis == .incomplete)
    }

    @Test func everyDiagnosisExplainsAndFixes() {
        let all: [TrafficDiagnosis] = [.noTraffic, .notKDNet, .unsupportedVersion, .malformed, .wrongKey, .unexpectedSource, .otherDebugger, .incomplete]
        for d in all {
            #expect(!d.explanation.isEmpty && !d.fix.isEmpty && !d.fix.contains("\n"))
        }
        #expect(Set(all.map(\.fix)).count == all.count && Set(all.map(\.explanation)).count == all.count)
    }
}

@Suite struct ListenerPiecesTests {
    @Test func neighbourLookupAnswersNothingItCannotKnow() {
        // Real entries are checked end to end in Checks/check-listener.sh (IPv4 and IPv6 veths).
        #expect(HostNetwork.neighbourMAC(for: IPAddress("203.0.113.254")!) == nil)
        #expect(HostNetwork.neighbourMAC(for: IPAddress("2001:db8::dead")!) == nil)
    }

    @Test func connectedResultHasTheDocumentedShape() throws {
        var c = SessionPump(build: 9600)
        c.run(until: 30) { $0.host.isConfirmed }
        let r = ListenResult(name: nil, port: 50000, session: c.host, mac: "5a:11:22:33:44:55", follow: false, debugOutput: [])
        let doc = try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(r)) as? [String: Any])
        #expect(Set(doc.keys) == ["connected", "target", "protocol_version", "protocol_version_seen_before", "build", "machine", "kernel_base", "confirm_ms", "seen",
                                  "name", "port", "diagnosis", "explanation", "fix", "sessions", "debug_output"])
        // Every key is always there; what does not apply is null.
        for key in ["name", "port", "diagnosis", "explanation", "fix", "sessions", "debug_output"] { #expect(doc[key] is NSNull, "\(key)") }
        // What was rejected on the way is reported even when the target connected.
        let seen = try #require(doc["seen"] as? [String: Any])
        #expect(seen["authenticated"] as? Int == c.host.tally.authenticated && (seen["authenticated"] as? Int ?? 0) > 0)
        #expect(doc["kernel_base"] as? String == "0xfffff8026bc18000" && doc["build"] as? Int == 9600)
        let target = try #require(doc["target"] as? [String: Any])
        #expect(target["address"] as? String == "192.168.0.13" && target["port"] as? Int == 50000 && target["mac"] as? String == "5a:11:22:33:44:55")
    }

    @Test func failedResultCarriesDiagnosisAndCounts() throws {
        var c = SessionPump(hostKey: "1.2.3.4", targetKey: "9.9.9.9")
        c.run(until: 10)
        let r = ListenResult(name: "lab-1", port: 50001, session: c.host, mac: nil, follow: false, debugOutput: [])
        let doc = try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(r)) as? [String: Any])
        #expect(doc["connected"] as? Bool == false && doc["diagnosis"] as? String == "wrong-key")
        #expect(doc["name"] as? String == "lab-1" && doc["target"] is NSNull)
        let seen = try #require(doc["seen"] as? [String: Any])
        #expect((seen["wrong_key"] as? Int ?? 0) >= 3 && seen["sources"] as? [String] == ["192.168.0.13:50000"])
    }

    @Test func seededRandomIsDeterministic() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let x = a.bytes(37)
        #expect(x == b.bytes(37) && x != c.bytes(37) && x.count == 37)
    }
}

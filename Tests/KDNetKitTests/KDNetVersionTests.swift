import Foundation
import Testing
@testable import KDNetKit
import KDNetTestSupport

/// Versions not seen before: an authentic one is answered in its own version, as WinDbg,
/// ntoseye and rizin do; one that does not authenticate is refused as "a wrong key or a
/// new layout". The list of versions seen lives in `KDNetVersion`, with its captures.
@Suite struct KDNetVersionTests {
    /// Every datagram the host sent, as the wire carried it.
    func hostDatagrams(_ c: SessionPump) -> [[UInt8]] { c.wire.filter { !$0.toHost }.map(\.bytes) }

    func newVersionEvents(_ c: SessionPump) -> [UInt8] {
        c.hostEvents.compactMap { if case .newVersion(_, let v) = $0 { return v } else { return nil } }
    }

    @Test(arguments: [UInt8(6), 1])
    func anAuthenticPokeOfAVersionNotSeenBeforeIsAnsweredInThatVersion(version: UInt8) throws {
        var c = SessionPump(build: 26100, protocolVersion: version)
        c.run(until: 30) { $0.host.isConfirmed }
        #expect(c.host.isConfirmed && c.reportedVersion?.build == 26100)
        #expect(c.host.protocolVersion == version)
        let sent = hostDatagrams(c)
        #expect(!sent.isEmpty && sent.allSatisfy { $0[4] == version })
        // Said once for the session, not at every datagram.
        #expect(newVersionEvents(c) == [version])
        #expect(SessionEventText.host(.newVersion(peer: SessionPump.targetAddress, version: version))
                == "KDNET version \(version), not seen before: answered as the target speaks it")
        #expect(c.host.tally.unsupportedVersion == 0 && c.host.tally.newVersions == [version])
        let r = ListenResult(name: nil, port: 50000, session: c.host, mac: nil, follow: false, debugOutput: [])
        let doc = try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(r)) as? [String: Any])
        #expect(doc["protocol_version"] as? Int == Int(version) && doc["protocol_version_seen_before"] as? Bool == false)
    }

    @Test func aKnownVersionIsNotCalledNew() throws {
        var c = SessionPump(protocolVersion: 4)
        c.run(until: 30) { $0.host.isConfirmed }
        #expect(c.host.isConfirmed && newVersionEvents(c).isEmpty && c.host.tally.newVersions.isEmpty)
        let r = ListenResult(name: nil, port: 50000, session: c.host, mac: nil, follow: false, debugOutput: [])
        #expect(r.protocolVersionSeenBefore == true)
    }

    /// Each reboot starts a session, and each session says it once.
    @Test func eachSessionSaysItOnce() {
        var c = SessionPump(mode: .follow, protocolVersion: 6)
        c.run(until: 10) { $0.host.isConnected }
        c.reboot()
        c.run(until: 20) { $0.host.sessions == 2 && $0.host.isConnected }
        #expect(c.host.sessions == 2 && newVersionEvents(c) == [6, 6])
    }

    @Test(arguments: [UInt8(6), 1])
    func aPokeThatDoesNotAuthenticateIsRefusedAsAWrongKeyOrANewLayout(version: UInt8) throws {
        var c = SessionPump(hostKey: "1.2.3.4", targetKey: "9.9.9.9", protocolVersion: version)
        c.run(until: 10)
        #expect(hostDatagrams(c).isEmpty && c.host.sessions == 0)
        #expect(c.hostEvents.contains(.unsupportedVersion(from: SessionPump.targetAddress, version: version)))
        #expect(!c.hostEvents.contains(.failedAuthentication(from: SessionPump.targetAddress)))
        let t = c.host.tally
        #expect(t.unsupportedVersion > 0 && t.wrongKey == 0 && t.unsupportedVersions == [version] && t.newVersions.isEmpty)
        #expect(t.diagnosis == .unsupportedVersion)
        #expect(t.explanation.hasPrefix("unknown version \(version): a wrong key or a new layout"))
        #expect(DatagramError.unsupportedVersion(version).description == "unknown version \(version): a wrong key or a new layout")
    }

    /// A session of a new version that stops before its version was read points at the
    /// datagrams named as not parsing.
    @Test func anIncompleteExchangeInANewVersionSaysWhereToLook() {
        var t = TrafficTally()
        t.record(.authenticated, from: SessionPump.targetAddress, protocolVersion: 6)
        #expect(t.diagnosis == .incomplete && t.newVersions == [6])
        #expect(t.explanation.hasSuffix("; it speaks KDNET version 6, not seen before: a datagram named as not parsing shows where its layout differs"))
        var known = TrafficTally()
        known.record(.authenticated, from: SessionPump.targetAddress, protocolVersion: 4)
        #expect(known.newVersions.isEmpty && known.explanation == TrafficDiagnosis.incomplete.explanation)
    }

    /// A known version with the wrong key is a plain wrong key, as before.
    @Test func aKnownVersionWithAnotherKeyIsAWrongKey() {
        var c = SessionPump(hostKey: "1.2.3.4", targetKey: "9.9.9.9", protocolVersion: 5)
        c.run(until: 10)
        #expect(c.host.tally.wrongKey > 0 && c.host.tally.unsupportedVersion == 0 && c.host.tally.diagnosis == .wrongKey)
    }

    /// The evidence a new version needs: which datagram of the session and which byte.
    @Test func aLaterDatagramThatDoesNotParseIsNamedWithItsOffset() throws {
        var c = SessionPump(mode: .follow, protocolVersion: 6)
        c.run(until: 10) { $0.host.isConnected }
        #expect(c.host.isConnected)
        let keys = KDNetKeys(key: try DebugKey(parsing: "1.2.3.4"))
        let response = try #require(c.wire.first { !$0.toHost })
        let data = keys.dataCipher(dataKey: keys.dataKey(responseBody: try keys.controlCipher.open(response.bytes).payload))
        var packet = KDPacket(leader: .data, type: .debugIO, id: 0x10, data: [1, 2, 3]).encoded()
        packet[12] ^= 0xFF  // the checksum, at byte 12 of the KD packet
        let sealed = data.seal(KDNetDatagram(version: 6, channel: .data, sequence: 1000, direction: .targetToHost, payload: packet))
        let before = c.hostEvents.count
        c.inject(sealed, to: .host)
        let number = c.wire.filter(\.toHost).count
        let said = c.hostEvents[before...].compactMap { if case .malformed(_, let reason) = $0 { return reason } else { return nil } }
        // 6 clear bytes and the 8-byte header word come before the payload: byte 26.
        #expect(said == ["data datagram \(number) of the session (KDNET version 6, sequence 1000) does not parse at byte 26: KD packet checksum does not match its data"])
    }

    /// The list, its sources, and the real captures agreeing with it.
    @Test func theKnownVersionsAreTheCapturedOnesWithTheirSources() throws {
        #expect(KDNetVersion.known.map(\.number) == [2, 4, 5])
        #expect(KDNetVersion.knownText == "2, 4 and 5")
        #expect(KDNetVersion.known.allSatisfy { !$0.source.isEmpty })
        // Each version with a capture here names its fixture, and the fixture is there.
        for (version, fixture) in [(UInt8(2), "libkdnet-1.1.1.1-v2.txt"), (4, "windbg-8.8.8.8-v4.pcapng")] {
            let entry = try #require(KDNetVersion.known.first { $0.number == version })
            #expect(entry.source.contains(fixture))
            #expect(FileManager.default.fileExists(atPath: Vectors.folder.appendingPathComponent(fixture).path))
        }
        let capture = try CaptureInspector.inspect(file: Vectors.windbgCapture.path, keys: [ObserverKey(key: try DebugKey(parsing: "8.8.8.8"), label: "k")])
        #expect(capture.sessions.map(\.protocolVersion) == [4] && capture.sessions.allSatisfy(\.protocolVersionSeenBefore) && capture.newVersions.isEmpty)
        #expect(try Vectors.libkdnet().allSatisfy { KDNetVersion.isKnown($0.bytes[4]) })
        #expect(!KDNetVersion.isKnown(3) && !KDNetVersion.isKnown(6) && !KDNetVersion.isKnown(1))
    }

    /// inspect decodes an authentic conversation of a version not seen before and marks
    /// its records; it is not a failure. One that no key opens still is.
    @Test func inspectDecodesAVersionNotSeenBeforeAndMarksIt() throws {
        var c = SessionPump(build: 26100, protocolVersion: 6)
        c.run(until: 30) { $0.host.isConfirmed }
        var observer = SessionObserver(keys: [ObserverKey(key: try DebugKey(parsing: "1.2.3.4"), label: "key 1")])
        var summary = InspectSummary(source: "test", linkType: nil)
        var records: [ObservedDatagram] = []
        let target = UDPEndpoint(SessionPump.targetAddress), host = UDPEndpoint(SessionPump.hostAddress)
        for d in c.wire {
            let r = observer.observe(d.bytes, from: d.toHost ? target : host,
                                     to: d.toHost ? host : target, at: nil)
            summary.count(r)
            records.append(r)
        }
        #expect(!records.isEmpty && records.allSatisfy { $0.status == .authenticated && $0.protocolVersionSeenBefore == false })
        #expect(records.contains { $0.kernelVersion?.build == 26100 })
        #expect(observer.sessions.first?.protocolVersion == 6)
        summary.sessions = observer.sessions.map { InspectSummary.Session($0, showDataKey: false) }
        summary.conclude(keyCount: 1)
        #expect(summary.newVersions == [6] && summary.sessions.first?.protocolVersionSeenBefore == false)
        #expect(!summary.problemFound)
        #expect(summary.diagnosis.contains { $0.hasPrefix("KDNET version 6, not seen before: answered as the target speaks it") })
        var json: [UInt8] = []
        RecordJSONWriter().append(records[0], to: &json)
        #expect(String(decoding: json, as: UTF8.self).contains("\"protocol_version\":6,\"protocol_version_seen_before\":false,"))

        var other = SessionObserver(keys: [ObserverKey(key: try DebugKey(parsing: "9.9.9.9"), label: "key 1")])
        var refused = InspectSummary(source: "test", linkType: nil)
        let poke = other.observe(c.wire[0].bytes, from: target, to: host, at: nil)
        refused.count(poke)
        #expect(poke.status == .unsupportedVersion && poke.problem == "unknown version 6: a wrong key or a new layout")
        #expect(refused.problemFound && refused.unsupportedVersions == [6])
        // A known version keeps its old mark.
        var known = SessionPump(protocolVersion: 2)
        known.run(until: 5) { $0.host.sessions == 1 }
        var o2 = SessionObserver(keys: [ObserverKey(key: try DebugKey(parsing: "1.2.3.4"), label: "key 1")])
        #expect(o2.observe(known.wire[0].bytes, from: nil, to: nil, at: nil).protocolVersionSeenBefore == true)
    }

    /// doctor --listen: authentic KDNET of a version not seen before is a warning, not a failure.
    @Test func doctorListenWarnsOnAVersionNotSeenBefore() throws {
        var c = SessionPump(protocolVersion: 6)
        c.run(until: 1) { $0.host.sessions == 1 }
        let poke = try #require(c.wire.first { $0.toHost }).bytes
        let classifier = TrafficClassifier(key: try DebugKey(parsing: "1.2.3.4"))
        var seen = ObservedTraffic()
        seen.record(poke, from: SessionPump.targetAddress, by: classifier)
        let r = ListenCheck.judge(seen, port: 50000, seconds: 5, target: nil, hint: SettingsHint(hostIP: "10.77.0.1", port: 50000))
        #expect(r.verdict == .warn)
        #expect(r.cause.contains("authenticates") && r.cause.contains("KDNET version 6, not seen before: answered as the target speaks it"))
        var known = ObservedTraffic()
        var k = SessionPump(protocolVersion: 4)
        k.run(until: 1) { $0.host.sessions == 1 }
        known.record(try #require(k.wire.first { $0.toHost }).bytes, from: SessionPump.targetAddress, by: classifier)
        #expect(ListenCheck.judge(known, port: 50000, seconds: 5, target: nil, hint: SettingsHint(hostIP: "10.77.0.1", port: 50000)).verdict == .pass)
    }
}

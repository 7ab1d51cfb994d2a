import Testing
@testable import KDNetKit
import KDNetTestSupport

/// Whole host-versus-target conversations in memory, deterministic (seeded random, fake clock).
@Suite struct SessionConversationTests {
    @Test func rightKeyConnectsReadsTheVersionAndLeavesTheTargetRunning() {
        var c = SessionPump(build: 19041)
        c.run(until: 30) { $0.host.isConfirmed }
        #expect(c.host.isConfirmed)
        let v = c.reportedVersion
        #expect(v?.build == 19041 && v?.machineName == "x64" && v?.kernelBase == 0xFFFF_F802_6BC1_8000)
        #expect(c.target.record.continues == 1 && !c.target.isHalted && c.target.hasBeenContinued)
        #expect(c.target.boundDebugger == SessionPump.hostAddress)
        // The order seen against Windows 8.1: handshake, connection check, break-in, version, continue.
        let order = c.hostEvents.compactMap { e -> String? in
            switch e {
            case .handshake: return "handshake"
            case .connected: return "connected"
            case .breakIn: return "break-in"
            case .version: return "version"
            case .continued: return "continued"
            default: return nil
            }
        }
        #expect(order == ["handshake", "connected", "break-in", "version", "continued"])
        #expect(c.host.protocolVersion == 2)
    }

    /// The WinDbg capture of a booting Windows 10: ids from 0, acknowledged without any RESET.
    @Test func aTargetFreshFromBootIsAcknowledgedWithoutReset() throws {
        var c = SessionPump(mode: .follow)
        c.run(until: 10)
        let packets = try c.kdPackets(key: "1.2.3.4")
        #expect(!packets.contains { $0.packet.type == .reset })
        let firstAck = try #require(packets.first { !$0.toHost && $0.packet.type == .acknowledge })
        #expect(firstAck.packet.id == 0)
        #expect(packets.filter { $0.toHost && $0.packet.leader == .data }.map(\.packet.id).prefix(3) == [0, 2, 4])
        #expect(c.hostPrints == TargetSession.defaultBootMessages)
    }

    @Test func aTargetThatRanAWhileIsResetFirst() throws {
        var c = SessionPump(mode: .follow)
        var cfg = c.target.configuration
        cfg.firstPacketID = 0x926
        cfg.loadSymbolsAtBoot = false
        c.target = TargetSession(configuration: cfg, random: SeededRandom(seed: 5))
        c.run(until: 10)
        #expect(c.hostPrints == TargetSession.defaultBootMessages)
        let packets = try c.kdPackets(key: "1.2.3.4")
        let firstFromHost = try #require(packets.first { !$0.toHost && $0.packet.type != .resend })
        #expect(firstFromHost.packet.type == .reset && firstFromHost.packet.id == KDPacket.initialHostPacketID)
        #expect(packets.contains { $0.toHost && $0.packet.type == .reset && $0.packet.id == 0x926 })
    }

    /// A running kernel's DbgPrint after the confirmation: one packet in flight, the rest
    /// queued, every one reaching the host in order once acknowledged.
    @Test func printsOfTheRunningTargetReachTheHostInOrder() {
        var c = SessionPump(build: 19041)
        c.run(until: 30) { $0.host.isConfirmed }
        #expect(c.host.isConfirmed && c.target.unacknowledgedPackets == 0)
        let lines = ["first line\n", "second line\n", "third line\n"]
        for line in lines { c.targetPrints(line) }
        #expect(c.target.unacknowledgedPackets == 3)
        c.run(until: c.now + 5) { $0.target.unacknowledgedPackets == 0 }
        #expect(c.target.unacknowledgedPackets == 0)
        #expect(Array(c.hostPrints.suffix(3)) == lines)
        #expect(c.hostPrints.count == TargetSession.defaultBootMessages.count + 3)
        #expect(!c.target.isHalted)
    }

    @Test func keepalivesAfterTheSessionAreNotAnswered() {
        var c = SessionPump()
        c.run(until: 30) { $0.host.isConfirmed }
        let handshakes = c.target.record.handshakes
        c.run(until: c.now + 10)
        #expect(c.count(c.hostEvents) { if case .keepalive = $0 { return true } else { return false } } >= 3)
        #expect(c.target.record.handshakes == handshakes)
    }

    @Test func aNewListenerTakesOverATargetBoundToAnEarlierOne() {
        var c = SessionPump()
        c.run(until: 30) { $0.host.isConfirmed }
        // The first listener exits; a second one starts and sees only keepalives.
        c.host = HostSession(configuration: c.host.configuration, random: SeededRandom(seed: 99))
        let start = c.now
        c.run(until: start + 30) { $0.host.isConfirmed }
        #expect(c.host.isConfirmed && c.reportedVersion?.build == 9600)
        #expect(c.hostEvents.contains(.handshake(peer: SessionPump.targetAddress, rekey: true)))
        #expect(c.target.record.handshakes == 2 && c.target.record.continues == 2 && !c.target.isHalted)
    }

    @Test func wrongKeyFailsAuthenticationAndNeverConnects() {
        var c = SessionPump(hostKey: "1.2.3.4", targetKey: "1.2.3.5")
        c.run(until: 20)
        #expect(!c.host.isConnected && !c.host.isConfirmed && c.host.sessions == 0)
        #expect(c.count(c.hostEvents) { if case .failedAuthentication = $0 { return true } else { return false } } >= 6)
        #expect(c.target.record.handshakes == 0)
        #expect(c.host.tally.diagnosis == .wrongKey)
    }

    @Test func aRebootStartsANewSessionWithANewDataKey() throws {
        var c = SessionPump(mode: .follow)
        c.run(until: 10)
        #expect(c.host.isConnected && c.host.sessions == 1)
        c.reboot()
        c.run(until: c.now + 10)
        #expect(c.count(c.hostEvents) { if case .rebooted = $0 { return true } else { return false } } == 1)
        #expect(c.host.sessions == 2 && c.host.isConnected)
        let keys = KDNetKeys(key: try DebugKey(parsing: "1.2.3.4"))
        let responses = c.wire.filter { !$0.toHost && (try? DatagramEnvelope.peek($0.bytes))?.channel == .control }
        #expect(responses.count == 2)
        let dataKeys = try responses.map { keys.dataKey(responseBody: try keys.controlCipher.open($0.bytes).payload) }
        #expect(dataKeys[0] != dataKeys[1])
        // Boot messages were printed once per boot.
        #expect(c.hostPrints.count == 2 * TargetSession.defaultBootMessages.count)
    }

    @Test func replayedDatagramsAreDroppedAsOutOfSequence() {
        var c = SessionPump()
        // Every host-to-target data datagram arrives twice: the copy must be dropped.
        c.interfere = { toHost, bytes, _ in
            !toHost && (try? DatagramEnvelope.peek(bytes))?.channel == .data ? [bytes, bytes] : [bytes]
        }
        c.run(until: 30) { $0.host.isConfirmed }
        #expect(c.host.isConfirmed)
        #expect(c.target.record.outOfSequenceDropped > 3)
        #expect(c.target.record.versionRequests == 1 && c.target.record.continues == 1)
    }

    @Test func garbageMixedInIsReportedAndIgnored() {
        var c = SessionPump()
        c.interfere = { toHost, bytes, index in
            guard toHost, index % 3 == 0 else { return [bytes] }
            return [Array("hello, not kdnet".utf8), Array("MDBG".utf8) + [2, 1, 0, 0], bytes]
        }
        c.run(until: 30) { $0.host.isConfirmed }
        #expect(c.host.isConfirmed)
        #expect(c.count(c.hostEvents) { if case .notKDNet = $0 { return true } else { return false } } >= 2)
        #expect(c.host.tally.notKdnet >= 2 && c.host.tally.authenticated > 0)
    }

    @Test func lostDatagramsAreRecoveredByBoundedRetransmission() {
        var c = SessionPump()
        c.interfere = { _, bytes, index in index % 4 == 2 ? [] : [bytes] }
        c.run(until: 60) { $0.host.isConfirmed }
        #expect(c.host.isConfirmed)
        #expect(c.reportedVersion?.build == 9600)
    }

    @Test func followModePrintsDebugOutputWithoutBreakingIn() {
        var c = SessionPump(mode: .follow)
        c.run(until: 15)
        #expect(c.host.isConnected)
        #expect(c.hostPrints == TargetSession.defaultBootMessages)
        #expect(c.target.record.breakIns == 0 && !c.target.isHalted)
        // The boot's load-symbols stop was continued, as --follow does with every stop.
        #expect(c.target.record.continues == 1)
        #expect(c.reportedVersion == nil)
    }

    @Test(arguments: [UInt8(2), 3, 4, 5])
    func theHostEchoesTheTargetsProtocolVersion(version: UInt8) {
        var c = SessionPump(protocolVersion: version)
        c.run(until: 30) { $0.host.isConfirmed }
        #expect(c.host.isConfirmed && c.host.protocolVersion == version)
        #expect(c.wire.allSatisfy { $0.bytes[4] == version })
    }

    @Test func aSilentTargetMakesTheHostGiveUpAfterBoundedTries() {
        var c = SessionPump()
        var handshakeSeen = false
        // After the connection check, nothing more from the target reaches the host.
        c.interfere = { toHost, bytes, _ in
            if toHost, (try? DatagramEnvelope.peek(bytes))?.channel == .data {
                defer { handshakeSeen = true }
                return handshakeSeen ? [] : [bytes]
            }
            return [bytes]
        }
        c.run(until: 20)
        #expect(!c.host.isConfirmed)
        #expect(c.count(c.hostEvents) { if case .gaveUp = $0 { return true } else { return false } } >= 1)
    }
}

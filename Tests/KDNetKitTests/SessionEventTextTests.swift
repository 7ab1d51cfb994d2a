import Testing
@testable import KDNetKit

/// One table says every session event, for listen, the wizard and simulate-target alike.
@Suite struct SessionEventTextTests {
    static let from = Endpoint("10.77.0.2", port: 50000)!
    static let peer = Endpoint("10.77.0.3", port: 50000)!

    @Test func theHostSaysWhatListenSaid() {
        #expect(SessionEventText.host(.notKDNet(from: Self.from)) == "10.77.0.2:50000 sends datagrams that are not KDNET (another program on this port?)")
        #expect(SessionEventText.host(.failedAuthentication(from: Self.from)) == "10.77.0.2:50000 sends KDNET pokes that fail authentication: its key is not the one given here")
        #expect(SessionEventText.host(.handshake(peer: Self.from, rekey: true)) == "poke from 10.77.0.2:50000 authenticates; answering (it was bound to another debugger session: re-keying it)")
        #expect(SessionEventText.host(.connected(peer: Self.from)) == "connected to 10.77.0.2:50000; breaking in to read its version")
        #expect(SessionEventText.host(.connected(peer: Self.from), following: true) == "connected to 10.77.0.2:50000; following its debug output")
        #expect(SessionEventText.host(.stateChange(kind: "breakpoint")) == nil)
        #expect(SessionEventText.host(.stateChange(kind: "breakpoint"), following: true) == "target stopped (breakpoint); continuing it")
        #expect(SessionEventText.host(.keepalive(from: Self.from)) == nil && SessionEventText.host(.debugPrint("x")) == nil)
    }

    /// The wizard once said nothing of these; the simulated target neither.
    @Test func unknownVersionsAndMalformedDatagramsAreSaidOnBothSides() {
        let version = SessionEvent.unsupportedVersion(from: Self.from, version: 6)
        let malformed = SessionEvent.malformed(from: Self.from, reason: "not a KD packet")
        #expect(SessionEventText.host(version) == "10.77.0.2:50000 sends KDNET that does not authenticate, unknown version 6: a wrong key or a new layout (not another program)")
        #expect(SessionEventText.host(malformed) == "10.77.0.2:50000 sends MDBG datagrams that are not well-formed KDNET (not a KD packet)")
        #expect(SessionEventText.target(version) == "a datagram from 10.77.0.2:50000 does not authenticate, unknown version 6: a wrong key or a new layout")
        #expect(SessionEventText.target(malformed) == "a datagram from 10.77.0.2:50000 is not well-formed KDNET (not a KD packet)")
    }

    @Test func theTargetSaysWhatSimulateTargetSaid() {
        #expect(SessionEventText.target(.handshake(peer: Self.from, rekey: false)) == "host 10.77.0.2:50000 answered a poke: data key derived")
        #expect(SessionEventText.target(.connected(peer: Self.from)) == "connection check answered: connected")
        #expect(SessionEventText.target(.stateChange(kind: "breakpoint")) == "halted (breakpoint)")
        #expect(SessionEventText.target(.failedAuthentication(from: Self.from)) == "a datagram from 10.77.0.2:50000 fails authentication (different key?)")
        #expect(SessionEventText.target(.gaveUp(reason: "the host stopped acknowledging")) == "the host stopped acknowledging")
        #expect(SessionEventText.target(.keepalive(from: Self.from)) == nil)
    }

    /// A reason comes from the network: it must not reach the terminal raw.
    @Test func aMalformedReasonIsEscaped() throws {
        let line = try #require(SessionEventText.host(.malformed(from: Self.from, reason: "x\u{1B}[2Jy")))
        #expect(!line.contains("\u{1B}"))
        #expect(!(SessionEventText.target(.malformed(from: Self.from, reason: "\u{1B}]0;t\u{07}")) ?? "\u{1B}").contains("\u{1B}"))
    }

    /// Listen says a warning about a sender once per sender and kind.
    @Test func warningsAboutASenderHaveOneKeyPerSenderAndKind() {
        let warnings: [SessionEvent] = [.notKDNet(from: Self.from), .unsupportedVersion(from: Self.from, version: 6),
                                        .malformed(from: Self.from, reason: "a"), .failedAuthentication(from: Self.from),
                                        .unexpectedSource(from: Self.from), .refusedTakeover(from: Self.from, peer: Self.peer)]
        let keys = warnings.compactMap(SessionEventText.onceKey)
        #expect(keys.count == warnings.count && Set(keys).count == keys.count)
        #expect(SessionEventText.onceKey(.malformed(from: Self.from, reason: "b")) == SessionEventText.onceKey(.malformed(from: Self.from, reason: "a")))
        #expect(SessionEventText.onceKey(.notKDNet(from: Self.peer)) != SessionEventText.onceKey(.notKDNet(from: Self.from)))
        #expect(SessionEventText.onceKey(.connected(peer: Self.from)) == nil)
    }
}

import Foundation
import Testing
@testable import KDNetKit
import KDNetTestSupport

/// A host session and a simulated target in memory (SessionPump), with the lab
/// service's tracker fed every step the session takes, as the watcher feeds it.
struct TrackedPump {
    var pump: SessionPump
    var tracker: LabTargetTracker
    var events: [LabEvent] = []
    var lines: [String] = []
    private var consumed = 0
    private var seen = TrafficTally()

    init(_ pump: SessionPump, silence: SessionTime = 30, lost: SessionTime = 600) {
        self.pump = pump
        tracker = LabTargetTracker(name: "lab-01", port: 50000, thresholds: .init(silence: silence, lost: lost),
                                   origin: Date(timeIntervalSince1970: 1_000_000), at: 0)
    }

    /// Runs the conversation in half-second steps, feeding the tracker after each.
    mutating func run(until end: SessionTime) {
        var t = pump.now
        while t < end {
            t = min(end, t + 0.5)
            pump.run(until: t)
            feed()
            tick(at: t)
        }
    }

    /// Time passes with nothing on the wire (the target is gone or stopped sending).
    mutating func quiet(until end: SessionTime) {
        var t = pump.now
        while t < end { t = min(end, t + 1); pump.now = t; tick(at: t) }
    }

    mutating func inject(_ bytes: [UInt8]) {
        pump.inject(bytes, to: .host)
        feed()
    }

    mutating func feed() {
        let new = Array(pump.hostEvents[consumed...])
        consumed = pump.hostEvents.count
        let received = pump.host.tally.total != seen.total
        seen = pump.host.tally
        guard received || !new.isEmpty else { return }
        let o = tracker.observe(SessionOutput(events: new), of: pump.host, received: received, at: pump.now)
        events += o.events
        lines += o.lines
    }

    mutating func tick(at t: SessionTime) {
        if let due = tracker.nextDeadline, t >= due {
            let o = tracker.tick(at: t)
            events += o.events
        }
    }

    var state: LabTargetStatus.State { tracker.state }
    var stateChanges: [String] { events.filter { $0.kind == "state" }.compactMap { $0.fields["state"]?.text } }
}

@Suite struct LabTargetTrackerTests {
    @Test func waitingThenConnectedWithItsVersionThenSilentThenConnectedAgain() {
        var t = TrackedPump(SessionPump(build: 22621), silence: 10)
        #expect(t.state == .waiting)
        t.run(until: 8)
        #expect(t.state == .connected)
        #expect(t.pump.host.isConfirmed && !t.pump.target.isHalted)
        #expect(t.tracker.status.build == 22621 && t.tracker.status.machine == "x64")
        #expect(t.tracker.status.kernelBase == "0xfffff8026bc18000")
        #expect(t.tracker.status.address == SessionPump.targetAddress.address.description)
        // Its boot messages are DbgPrint lines, for the log file and the board.
        #expect(!t.lines.isEmpty && t.tracker.recentLines == t.lines)
        #expect(t.tracker.status.recentOutput == Array(t.lines.suffix(LabTargetTracker.tableLineLimit)))
        let connectedAt = t.pump.now
        // Nothing for longer than --silence: silent, and `since` moves.
        t.quiet(until: connectedAt + 11)
        #expect(t.state == .silent)
        #expect(t.tracker.status.since == t.tracker.origin.addingTimeInterval(connectedAt + 10.0))
        // Its keepalives arrive again: connected.
        t.run(until: t.pump.now + 5)
        #expect(t.state == .connected)
        #expect(t.stateChanges == ["connected", "silent", "connected"])
        // Never broken in twice in one boot: the version was read once.
        #expect(t.pump.count(t.pump.hostEvents) { if case .breakIn = $0 { return true } else { return false } } == 1)
    }

    @Test func aRebootIsCountedAndTheTargetIsConfirmedAgain() {
        var t = TrackedPump(SessionPump())
        t.run(until: 8)
        #expect(t.state == .connected && t.tracker.status.reboots == 0)
        t.pump.reboot()
        t.run(until: t.pump.now + 10)
        #expect(t.tracker.status.reboots == 1)
        #expect(t.state == .connected)
        #expect(t.events.contains { $0.kind == "reboot" && $0.fields["reboots"] == 1 })
        #expect(t.events.filter { $0.kind == "version" }.count == 2)
        #expect(!t.pump.target.isHalted && t.pump.target.hasBeenContinued)
    }

    /// serve answers a version not seen before, says so once per session, and logs a
    /// datagram of that session that does not parse with its number and byte (bounded).
    @Test func aVersionNotSeenBeforeIsLoggedOnceAndItsUnparsedDatagramsNamed() throws {
        var t = TrackedPump(SessionPump(build: 26100, protocolVersion: 6))
        t.run(until: 20)
        #expect(t.tracker.state == .connected && t.tracker.status.build == 26100)
        let said = t.events.filter { $0.kind == "new-version" }
        #expect(said.map(\.message) == ["KDNET version 6, not seen before: answered as the target speaks it"])
        #expect(said.first?.fields["protocol_version"] == .integer(6))
        let keys = KDNetKeys(key: try DebugKey(parsing: "1.2.3.4"))
        let response = try #require(t.pump.wire.first { !$0.toHost })
        let data = keys.dataCipher(dataKey: keys.dataKey(responseBody: try keys.controlCipher.open(response.bytes).payload))
        for sequence in UInt64(1000)..<1020 {
            let bad = data.seal(KDNetDatagram(version: 6, channel: .data, sequence: sequence, direction: .targetToHost, payload: [0x30, 0x30]))
            t.inject(bad)
        }
        let unparsed = t.events.filter { $0.kind == "unparsed" }
        #expect(unparsed.count == LabTargetTracker.unparsedLimit)
        #expect(unparsed.first?.message.contains("of the session (KDNET version 6, sequence 1000) does not parse at byte 16: KD packet truncated to 2 bytes") == true)
        // A session of a known version logs neither.
        var known = TrackedPump(SessionPump(protocolVersion: 4))
        known.run(until: 20)
        #expect(known.tracker.state == .connected && !known.events.contains { $0.kind == "new-version" || $0.kind == "unparsed" })
    }

    @Test func anotherKeyIsWrongKeyAndNeverConnects() {
        var t = TrackedPump(SessionPump(hostKey: "1.2.3.4", targetKey: "5.6.7.8"))
        t.run(until: 10)
        #expect(t.state == .wrongKey)
        #expect(t.tracker.status.traffic.wrongKey >= 3)
        #expect(t.stateChanges == ["wrong_key"])
    }

    @Test func silentFarLongerIsLost() {
        var t = TrackedPump(SessionPump(), silence: 5, lost: 20)
        t.run(until: 8)
        let last = t.pump.now
        t.quiet(until: last + 30)
        #expect(t.state == .lost)
        #expect(t.stateChanges == ["connected", "silent", "lost"])
        #expect(t.tracker.nextDeadline == nil)  // lost: no deadline keeps poll waking
    }

    @Test func dataOfAnotherDebuggersSessionIsLost() {
        // Another host (WinDbg) answered the same target: its session's data datagrams
        // carry a data key this host never derived.
        var other = SessionPump(mode: .follow, seed: 99)
        other.run(until: 6)
        let foreign = other.wire.filter { $0.toHost && (try? DatagramEnvelope.peek($0.bytes))?.channel == .data }.map(\.bytes)
        #expect(foreign.count >= 3)

        var t = TrackedPump(SessionPump())
        t.run(until: 8)
        #expect(t.state == .connected)
        t.quiet(until: t.pump.now + 4)
        for bytes in foreign.prefix(3) { t.inject(bytes) }
        #expect(t.state == .lost)
        #expect(t.tracker.status.traffic.kdnetData == 3)
    }

    @Test func foreignDataRightAfterAuthenticTrafficIsNotLost() {
        var other = SessionPump(mode: .follow, seed: 99)
        other.run(until: 6)
        let foreign = other.wire.filter { $0.toHost && (try? DatagramEnvelope.peek($0.bytes))?.channel == .data }.map(\.bytes)
        var t = TrackedPump(SessionPump())
        t.run(until: 8)
        t.inject(foreign[0])
        #expect(t.state == .connected)
    }

    @Test func dbgPrintIsSplitIntoLinesAndControlsAreEscaped() {
        var tracker = LabTargetTracker(name: "a", port: 50000, thresholds: .init(), origin: Date(), at: 0)
        let session = HostSession(configuration: .init(keys: KDNetKeys(key: try! DebugKey(parsing: "1.2.3.4"))))
        var o = tracker.observe(SessionOutput(events: [.debugPrint("half "), .debugPrint("line\r\nnext\u{1b}[2J\n")]), of: session, received: true, at: 1)
        #expect(o.lines == ["half line", "next\\x1b[2J"])
        for i in 0..<(LabTargetTracker.recentLineLimit + 5) {
            o = tracker.observe(SessionOutput(events: [.debugPrint("l\(i)\n")]), of: session, received: true, at: 2)
        }
        #expect(tracker.recentLines.count == LabTargetTracker.recentLineLimit)
        #expect(tracker.recentLines.last == "l\(LabTargetTracker.recentLineLimit + 4)")
        #expect(tracker.recentLog.hasSuffix("l\(LabTargetTracker.recentLineLimit + 4)\n"))
    }
}

@Suite struct HostSessionReleaseTests {
    /// SIGTERM while the target is stopped for GetVersion: it is continued, not left halted.
    @Test func releasingInTheMiddleOfAConfirmationContinuesTheTarget() {
        var c = SessionPump()
        c.run(until: 30) { $0.host.holdsTarget && $0.target.isHalted }
        #expect(c.target.isHalted && c.host.holdsTarget)
        c.host.release()
        c.run(until: c.now + 10) { !$0.host.holdsTarget }
        #expect(!c.host.holdsTarget)
        #expect(!c.target.isHalted && c.target.hasBeenContinued)
    }

    /// Released right after the connection check (the break-in on its way): the state
    /// change it causes is continued at once, without GetVersion.
    @Test func releasingBeforeTheBreakInLandsContinuesWithoutReadingTheVersion() {
        var c = SessionPump()
        c.run(until: 30) { $0.host.holdsTarget }
        #expect(!c.target.isHalted)
        c.host.release()
        c.run(until: c.now + 10) { !$0.host.holdsTarget }
        #expect(!c.host.holdsTarget && !c.target.isHalted)
        #expect(c.reportedVersion == nil)
    }

    @Test func aReleasedSessionNeverBreaksInAgain() {
        var c = SessionPump()
        c.run(until: 30) { $0.host.isConfirmed }
        c.host.release()
        c.reboot()
        c.run(until: c.now + 10)
        #expect(c.host.sessions == 2 && c.host.isConnected)
        #expect(c.count(c.hostEvents) { if case .breakIn = $0 { return true } else { return false } } == 1)
        #expect(!c.target.isHalted && !c.host.holdsTarget)
    }
}

@Suite struct LabUnexpectedSourceTests {
    /// The config names the address the target must send from; a right-key poke from
    /// elsewhere is counted and said once, never answered.
    @Test func trafficFromAnotherAddressIsCountedAndSaidOnce() {
        let base = SessionPump()
        var config = base.host.configuration
        config = HostSession.Configuration(keys: config.keys, mode: .confirm, expectedAddress: IPAddress("192.0.2.99"))
        var t = TrackedPump(SessionPump(host: HostSession(configuration: config, random: SeededRandom(seed: 7)), target: base.target))
        t.run(until: 10)
        #expect(t.state == .waiting)
        #expect(t.tracker.status.traffic.unexpectedSource >= 3)
        #expect(t.events.filter { $0.kind == "unexpected-source" }.map { $0.fields["from"]?.text } == [SessionPump.targetAddress.address.description])
    }
}

import Foundation

/// The lab service's view of one target, judged from what its `HostSession` reports: the
/// state the status page shows and when it changed, the version read, the reboots, the
/// recent DbgPrint lines. Like the session it reads no clock and no socket: times come in.
///
/// - `waiting` until a session connects;
/// - `connected` while authentic datagrams arrive;
/// - `silent` once connected and nothing authentic came for `silence` seconds;
/// - `wrong_key` when a datagram sealed with another key arrives and no session is live
///   (the target was re-keyed or re-imaged);
/// - `lost` when, after a session, data of a session this host did not start arrives
///   with nothing authentic for `foreignQuiet` seconds (another debugger answered the
///   target's poke), or when it stayed silent for `lost` seconds.
public struct LabTargetTracker: Sendable {
    public struct Thresholds: Sendable, Equatable {
        public var silence: SessionTime
        public var lost: SessionTime
        public var foreignQuiet: SessionTime = 3

        public init(silence: SessionTime = 30, lost: SessionTime = 600) {
            self.silence = silence; self.lost = lost
        }
    }

    /// Lines kept for the board's `logs` (what `/api/targets/NAME/log` serves).
    public static let recentLineLimit = 200
    /// Lines shown in the status table.
    public static let tableLineLimit = 5
    /// A DbgPrint without a newline this long is taken as a line, so a target printing
    /// without newlines cannot grow the buffer.
    static let partialLimit = 4096

    public private(set) var status: LabTargetStatus
    public let thresholds: Thresholds
    /// The wall-clock date of `SessionTime` 0, for `since` and `last_seen`.
    public let origin: Date
    /// The DbgPrint lines kept, oldest first, at most `recentLineLimit`.
    public private(set) var recentLines: [String] = []
    private var partial = ""
    private var lastAuthentic: SessionTime?
    private var everConnected = false
    private var seenTally = TrafficTally()
    private var unexpectedSourcesSaid: Set<String> = []
    /// The current session speaks a version not seen before, and how many of its
    /// datagrams that do not parse were logged (bounded: the log is not a capture).
    private var inNewVersion = false
    private var unparsedSaid = 0
    static let unparsedLimit = 8

    public init(name: String, port: UInt16, thresholds: Thresholds, origin: Date, at now: SessionTime) {
        self.thresholds = thresholds
        self.origin = origin
        status = LabTargetStatus(name: name, port: port, since: origin.addingTimeInterval(now))
    }

    public var state: LabTargetStatus.State { status.state }

    /// What one step of the session produced, for the log and the target's log file.
    public struct Observation: Sendable, Equatable {
        public var events: [LabEvent] = []
        /// Complete DbgPrint lines, control characters escaped.
        public var lines: [String] = []
        /// Whether anything the board shows changed.
        public var changed = false
    }

    /// Feeds one step of `session` (a datagram received when `received`, or a tick).
    public mutating func observe(_ out: SessionOutput, of session: HostSession, received: Bool, at now: SessionTime) -> Observation {
        var o = Observation()
        let before = seenTally
        seenTally = session.tally
        if seenTally != before { status.traffic = seenTally; o.changed = true }
        if received { status.lastSeen = date(now); o.changed = true }
        for e in out.events { note(e, at: now, into: &o) }
        if seenTally.authenticated > before.authenticated, session.isConnected {
            lastAuthentic = now
            if status.state != .connected, everConnected {
                enter(.connected, "authentic datagrams again", at: now, into: &o)
            }
        }
        if seenTally.wrongKey > before.wrongKey, status.state != .connected {
            enter(.wrongKey, "datagrams sealed with another key arrive (the target was re-keyed or re-imaged?)", at: now, into: &o)
        }
        if seenTally.kdnetData > before.kdnetData, status.state != .lost, lastAuthentic.map({ now - $0 >= thresholds.foreignQuiet }) ?? true {
            if everConnected {
                enter(.lost, "data of a session this host did not start arrives: \(TrafficDiagnosis.otherDebugger.meaning!)", at: now, into: &o)
            } else if before.kdnetData == 0 {
                o.events.append(LabEvent(.warning, "other-debugger", target: status.name, TrafficDiagnosis.otherDebugger.explanation))
            }
        }
        return o
    }

    /// The silence thresholds: call at or after `nextDeadline`.
    public mutating func tick(at now: SessionTime) -> Observation {
        var o = Observation()
        guard let last = lastAuthentic else { return o }
        if status.state == .connected, now >= last + thresholds.silence {
            enter(.silent, "no authentic datagram for \(Self.seconds(thresholds.silence))", at: now, into: &o)
        }
        if status.state == .silent, now >= last + thresholds.lost {
            enter(.lost, "silent for \(Self.seconds(thresholds.lost))", at: now, into: &o)
        }
        return o
    }

    public var nextDeadline: SessionTime? {
        guard let last = lastAuthentic else { return nil }
        switch status.state {
        case .connected: return last + thresholds.silence
        case .silent: return last + thresholds.lost
        default: return nil
        }
    }

    /// The MAC found for the current address (the neighbour table is the caller's I/O).
    public mutating func setMAC(_ mac: String?) -> Bool {
        guard let mac, mac != status.mac else { return false }
        status.mac = mac
        return true
    }

    /// The recent DbgPrint text, one line each, as the board's `logs` holds it.
    public var recentLog: String { recentLines.isEmpty ? "" : recentLines.joined(separator: "\n") + "\n" }

    private mutating func note(_ e: SessionEvent, at now: SessionTime, into o: inout Observation) {
        let name = status.name
        switch e {
        case .handshake(let peer, _):
            status.address = peer.address.description
            o.changed = true
            inNewVersion = false
        case .newVersion(let peer, let version):
            inNewVersion = true
            unparsedSaid = 0
            o.events.append(LabEvent(.notice, "new-version", target: name, KDNetVersion.notSeenBefore(version),
                                     fields: ["address": .text(peer.address.description), "protocol_version": .number(Int(version))]))
        case .malformed(_, let reason) where inNewVersion && unparsedSaid < Self.unparsedLimit:
            // The packet and the offset: the evidence needed to support the new version.
            unparsedSaid += 1
            o.events.append(LabEvent(.warning, "unparsed", target: name, reason))
        case .connected(let peer):
            everConnected = true
            lastAuthentic = now
            status.address = peer.address.description
            enter(.connected, "connected from \(peer.address)", at: now, into: &o)
        case .rebooted(let peer):
            status.reboots += 1
            o.changed = true
            o.events.append(LabEvent(.notice, "reboot", target: name, "rebooted (a fresh poke from \(peer.address)); confirming it again",
                                     fields: ["address": .text(peer.address.description), "reboots": .number(status.reboots)]))
        case .version(let v):
            status.build = UInt32(v.build)
            status.machine = v.machineName
            status.kernelBase = "0x" + String(v.kernelBase, radix: 16)
            o.changed = true
            o.events.append(LabEvent(.info, "version", target: name,
                                     "Windows build \(v.build), \(v.machineName), kernel base \(status.kernelBase!); continuing it",
                                     fields: ["build": .number(v.build), "machine": .text(v.machineName), "kernel_base": .text(status.kernelBase!)]))
        case .debugPrint(let text):
            appendOutput(text, into: &o)
        case .gaveUp(let reason):
            o.events.append(LabEvent(.warning, "gave-up", target: name, reason + "; waiting for its next poke"))
        case .unexpectedSource(let from):
            let address = from.address.description
            if unexpectedSourcesSaid.count < 16, unexpectedSourcesSaid.insert(address).inserted {
                o.events.append(LabEvent(.warning, "unexpected-source", target: name,
                                         "a datagram with the right key from \(address), not the config's address; not answered",
                                         fields: ["from": .text(address)]))
            }
        default: break
        }
    }

    private mutating func enter(_ state: LabTargetStatus.State, _ reason: String, at now: SessionTime, into o: inout Observation) {
        o.changed = true
        guard state != status.state else { return }
        let from = status.state
        status.state = state
        status.since = date(now)
        let level: LabEvent.Level = state == .connected ? .info : (state == .silent ? .notice : .warning)
        var fields: [String: LabEvent.Value] = ["state": .text(state.rawValue), "from": .text(from.rawValue)]
        if let a = status.address { fields["address"] = .text(a) }
        o.events.append(LabEvent(level, "state", target: status.name, "\(from.rawValue) -> \(state.rawValue): \(reason)", fields: fields))
    }

    private mutating func appendOutput(_ text: String, into o: inout Observation) {
        partial += text
        // By scalar: "\r\n" is one Character, so a split by Character would not see its newline.
        // Each piece as a Substring, copied at once: rebuilt scalar by scalar, the split
        // cost more than the rest of a streaming target's datagram.
        var pieces = partial.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(Substring($0)) }
        partial = pieces.removeLast()
        if partial.utf8.count > Self.partialLimit { pieces.append(partial); partial = "" }
        let lines = pieces.map { TerminalText.escaped($0.hasSuffix("\r") ? String($0.dropLast()) : $0) }
        guard !lines.isEmpty else { return }
        o.lines += lines
        o.changed = true
        recentLines += lines
        if recentLines.count > Self.recentLineLimit { recentLines.removeFirst(recentLines.count - Self.recentLineLimit) }
        status.recentOutput = Array(recentLines.suffix(Self.tableLineLimit))
    }

    private func date(_ t: SessionTime) -> Date { origin.addingTimeInterval(t) }

    static func seconds(_ s: SessionTime) -> String { String(format: "%g s", s) }
}

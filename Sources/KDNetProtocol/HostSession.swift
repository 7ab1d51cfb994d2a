/// The debugger side of KDNET as a state machine: datagrams and times in, datagrams to
/// send and events out. No sockets, no clock.
///
/// Confirm mode follows the order seen against a running Windows 8.1: answer the poke,
/// answer the connection check with RESEND, break in, RESET both ways, read the version
/// (GetVersion, ACK, reply, ACK), then Continue2 so the target keeps running. After
/// that it goes on as follow mode does (acknowledges, reports DbgPrint, continues every
/// state change) and confirms again when the target reboots: `serve` keeps one such
/// session per target for days.
/// Follow mode never breaks in: it acknowledges every packet, reports DbgPrint text and
/// continues every state change.
public struct HostSession: Sendable {
    public enum Mode: Sendable { case confirm, follow }

    public struct Configuration: Sendable {
        public var keys: KDNetKeys
        public var mode: Mode
        /// The address pokes must come from, when known.
        public var expectedAddress: IPAddress?
        public var retransmitInterval: SessionTime = 1
        public var maxTries = 5
        /// How long the current peer must have been silent before a poke from another
        /// address may take the session over: a replayed or foreign poke must not cut a
        /// live session off, but a target that moved (DHCP) gets in after this long.
        public var takeoverQuiet: SessionTime = 3

        public init(keys: KDNetKeys, mode: Mode = .confirm, expectedAddress: IPAddress? = nil) {
            self.keys = keys; self.mode = mode; self.expectedAddress = expectedAddress
        }
    }

    enum Phase: Sendable, Equatable { case idle, awaitingConnectionCheck, connected }
    enum Request: String, Sendable, Equatable {
        case breakIn = "the break-in", reset = "RESET", getVersion = "GetVersion", resume = "Continue2"
    }

    public let configuration: Configuration
    public let classifier: TrafficClassifier
    private var random: any RandomSource

    public private(set) var peer: Endpoint?
    public private(set) var sessions = 0
    /// Sessions whose connection check was answered.
    public private(set) var connections = 0
    public private(set) var version: KernelVersion?
    /// When the poke that started the current session arrived.
    public private(set) var sessionStartedAt: SessionTime?
    /// When the target acknowledged the Continue2 after its version was read.
    public private(set) var confirmedAt: SessionTime?
    public private(set) var tally = TrafficTally()
    /// The KDNET protocol version the target speaks (the host echoes it).
    public private(set) var protocolVersion: UInt8?

    private var phase = Phase.idle
    private var channel: DataChannel?
    private var pending: (request: Request, packet: PendingPacket)?
    private var synced = false
    private var nextHostID = KDPacket.initialHostPacketID
    private var lastTargetID: UInt32?
    private var breakInRequested = false
    /// Set by `release()`: the host is going away, so nothing stops the target any more.
    private var releasing = false
    /// The last poke answered, to recognise duplicates and replays of it.
    private var answeredPoke: (source: Endpoint, clientKey: [UInt8], sequence: UInt64)?
    /// When the peer last sent something that was accepted.
    private var peerHeardAt: SessionTime?
    /// Authentic datagrams of the peer in this session (its poke is the first) and the
    /// sequence of the last: what names a datagram that does not parse.
    private var peerDatagrams = 0
    private var peerSequence: UInt64 = 0

    public init(configuration: Configuration, random: any RandomSource = SystemRandom()) {
        self.configuration = configuration
        self.classifier = TrafficClassifier(keys: configuration.keys, expectedAddress: configuration.expectedAddress)
        self.random = random
    }

    /// True once the version was read and the target runs again (confirm mode).
    public var isConfirmed: Bool { confirmedAt != nil }
    public var isConnected: Bool { phase == .connected }

    /// True while the target is stopped waiting for this host, or about to be: a break-in
    /// was sent and not answered yet, or a state change's GetVersion or Continue2 is not
    /// finished. A host that goes away now would leave the target halted.
    public var holdsTarget: Bool {
        if breakInRequested { return true }
        guard let p = pending else { return false }
        return p.request == .getVersion || p.request == .resume
    }

    /// The host is about to go away: from now on the session never breaks in and
    /// continues every state change (a GetVersion already asked finishes, then the
    /// target is continued). The caller keeps delivering datagrams and ticks until
    /// `holdsTarget` is false (bounded by its own deadline).
    public mutating func release() {
        releasing = true
    }

    public mutating func receive(_ bytes: [UInt8], from source: Endpoint, at now: SessionTime) -> SessionOutput {
        var out = SessionOutput()
        let (kind, problem) = tally.record(bytes, from: source, by: classifier, dataCipher: channel?.cipher)
        switch kind {
        case .notKDNet: out.events.append(.notKDNet(from: source))
        case .unsupportedVersion: out.events.append(.unsupportedVersion(from: source, version: bytes[4]))
        case .malformed: out.events.append(.malformed(from: source, reason: problem?.description ?? "not well-formed KDNET"))
        case .wrongKey: out.events.append(.failedAuthentication(from: source))
        case .unexpectedSource: out.events.append(.unexpectedSource(from: source))
        case .unverifiedData: break
        case .authenticated:
            if (try? DatagramEnvelope.peek(bytes))?.channel == .control {
                handleControl(bytes, from: source, at: now, into: &out)
            } else {
                handleData(bytes, from: source, at: now, into: &out)
            }
            tally.record(out.events)
        }
        out.nextDeadline = nextDeadline
        return out
    }

    /// Retransmits the request the target has not answered, a bounded number of times.
    public mutating func tick(at now: SessionTime) -> SessionOutput {
        var out = SessionOutput()
        if var p = pending, now >= p.packet.sentAt + configuration.retransmitInterval {
            if p.packet.tries >= configuration.maxTries {
                pending = nil
                // The target stopped answering: this host no longer waits on a break-in.
                breakInRequested = false
                out.events.append(.gaveUp(reason: "the target did not answer \(p.request.rawValue) after \(p.packet.tries) tries"))
            } else if p.packet.acknowledged {
                // Acknowledged but no reply yet: ask the target to send it again.
                p.packet.tries += 1; p.packet.sentAt = now
                pending = p
                send(KDPacket.control(.resend, id: 0).encoded(), into: &out)
            } else {
                p.packet.tries += 1; p.packet.sentAt = now
                pending = p
                send(p.packet.payload, into: &out)
            }
        }
        out.nextDeadline = nextDeadline
        return out
    }

    /// A datagram for `--target`: a host-to-target poke sealed with the control key.
    /// No public capture shows such a packet, so a real target is not known to answer;
    /// the simulated target answers with an immediate poke.
    public func connectRequest(to target: Endpoint, version: UInt8 = 2) -> OutgoingDatagram {
        let poke = Poke(clientKey: [UInt8](repeating: 0, count: 32), target: KDNetEndpoint(target), host: .zero)
        let d = KDNetDatagram(version: version, channel: .control, sequence: 0, direction: .hostToTarget, payload: poke.encoded())
        return OutgoingDatagram(bytes: configuration.keys.controlCipher.seal(d), destination: target)
    }

    public var nextDeadline: SessionTime? {
        guard let p = pending else { return nil }
        return p.packet.sentAt + configuration.retransmitInterval
    }

    // MARK: control channel

    private mutating func handleControl(_ bytes: [UInt8], from source: Endpoint, at now: SessionTime, into out: inout SessionOutput) {
        guard let d = try? configuration.keys.controlCipher.open(bytes), d.direction == .targetToHost else { return }
        if source == peer { peerDatagrams += 1; peerSequence = d.sequence }
        let message: ControlMessage
        do { message = try ControlMessage(payload: d.payload) } catch {
            out.events.append(.malformed(from: source, reason: unparsed(.control, d.sequence, from: source, at: error.offset, error.description)))
            return
        }
        guard case .poke(let poke) = message else {
            out.events.append(.malformed(from: source, reason: "control packet is not a poke"))
            return
        }
        // A target numbers its pokes upwards; the same client key at or below the last
        // answered sequence is a duplicate or a replay, and answering it would restart the session.
        if let last = answeredPoke, last.source == source, last.clientKey == poke.clientKey, d.sequence <= last.sequence {
            out.events.append(.outOfSequence(from: source, sequence: d.sequence))
            return
        }
        if let peer, source != peer, phase != .idle, let heard = peerHeardAt, now - heard < configuration.takeoverQuiet {
            out.events.append(.refusedTakeover(from: source, peer: peer))
            return
        }
        if poke.isKeepalive, phase != .idle, source == peer {
            peerHeardAt = now
            out.events.append(.keepalive(from: source))
            return
        }
        // A fresh poke after a working session: the target rebooted (or lost it).
        if !poke.isKeepalive, phase == .connected { out.events.append(.rebooted(peer: source)) }
        startSession(answering: d, poke: poke, from: source, at: now, into: &out)
    }

    private mutating func startSession(answering d: KDNetDatagram, poke: Poke, from source: Endpoint,
                                       at now: SessionTime, into out: inout SessionOutput) {
        let response = ControlResponse(clientKey: poke.clientKey, hostRandom: random.bytes(32)).encoded()
        let sealed = configuration.keys.controlCipher.seal(
            KDNetDatagram(version: d.version, channel: .control, sequence: d.sequence, direction: .hostToTarget, payload: response))
        out.datagrams.append(OutgoingDatagram(bytes: sealed, destination: source))
        let dataKey = configuration.keys.dataKey(responseBody: response)
        channel = DataChannel(cipher: configuration.keys.dataCipher(dataKey: dataKey), version: d.version, outgoing: .hostToTarget)
        peer = source
        peerHeardAt = now
        answeredPoke = (source, poke.clientKey, d.sequence)
        protocolVersion = d.version
        phase = .awaitingConnectionCheck
        pending = nil
        synced = false
        nextHostID = KDPacket.initialHostPacketID
        lastTargetID = nil
        breakInRequested = false
        version = nil
        confirmedAt = nil
        sessionStartedAt = now
        sessions += 1
        peerDatagrams = 1
        peerSequence = d.sequence
        out.events.append(.handshake(peer: source, rekey: poke.isKeepalive))
        // Answered all the same, as WinDbg does: the tag covers the version byte.
        if !KDNetVersion.isKnown(d.version) { out.events.append(.newVersion(peer: source, version: d.version)) }
    }

    // MARK: data channel

    private mutating func handleData(_ bytes: [UInt8], from source: Endpoint, at now: SessionTime, into out: inout SessionOutput) {
        guard source == peer, var ch = channel else { return }
        let received = ch.open(bytes)
        channel = ch
        switch received {
        case .failedAuthentication, .ownDirection: return
        case .outOfSequence(let seq): out.events.append(.outOfSequence(from: source, sequence: seq))
        case .payload(let payload, let sequence):
            peerHeardAt = now
            peerDatagrams += 1
            peerSequence = sequence
            if phase == .awaitingConnectionCheck, ConnectionCheck(payload: payload) != nil {
                phase = .connected
                connections += 1
                send(KDPacket.control(.resend, id: 0).encoded(), into: &out)
                out.events.append(.connected(peer: source))
                if configuration.mode == .confirm, !releasing {
                    breakInRequested = true
                    request(.breakIn, payload: [KDPacket.breakInByte], at: now, into: &out)
                }
                return
            }
            guard phase == .connected else { return }
            do {
                handle(try KDPacket(bytes: payload), at: now, into: &out)
            } catch {
                out.events.append(.malformed(from: source, reason: unparsed(.data, sequence, from: source,
                                                                            at: error.offset(inPayloadOf: payload.count), error.description)))
            }
        }
    }

    private mutating func handle(_ packet: KDPacket, at now: SessionTime, into out: inout SessionOutput) {
        switch (packet.leader, packet.type) {
        case (.control, .acknowledge): acknowledged(packet.id, at: now, into: &out)
        case (.control, .reset):
            // Our RESET answered, or the target resets on its own: either way ids restart.
            if pending?.request != .reset { send(KDPacket.control(.reset, id: KDPacket.initialHostPacketID).encoded(), into: &out) }
            if pending?.request == .reset || pending?.request == .breakIn { pending = nil }
            synced = true
            lastTargetID = nil
            nextHostID = KDPacket.initialHostPacketID
        case (.control, .resend):
            if let p = pending { send(p.packet.payload, into: &out) }
        case (.data, _):
            // A target fresh from boot numbers its packets from 0 and WinDbg acknowledges
            // them as they come (the Windows 10 capture); any other first id needs a RESET
            // (the 8.1 vector).
            if !synced, packet.id == 0, pending?.request != .reset { synced = true }
            guard synced else {
                // The first packet of a session: synchronise packet ids as WinDbg does.
                if pending?.request != .reset {
                    let reset = KDPacket.control(.reset, id: KDPacket.initialHostPacketID).encoded()
                    pending = (.reset, PendingPacket(payload: reset, id: KDPacket.initialHostPacketID, sentAt: now))
                    send(reset, into: &out)
                }
                return
            }
            send(KDPacket.control(.acknowledge, id: packet.id).encoded(), into: &out)
            // A target busy printing is alive: give the break-in time rather than tries.
            if var p = pending, p.request == .breakIn { p.packet.tries = 1; p.packet.sentAt = now; pending = p }
            guard packet.id != lastTargetID else { return }  // a retransmission we already handled
            lastTargetID = packet.id
            handleData(packet, at: now, into: &out)
        default: break
        }
    }

    private mutating func handleData(_ packet: KDPacket, at now: SessionTime, into out: inout SessionOutput) {
        switch packet.type {
        case .debugIO:
            if let io = parsedInNewVersion(packet, into: &out, { () throws(KDPacketError) in try DebugIO(data: packet.data) }), io.api == DebugIO.printStringAPI {
                out.events.append(.debugPrint(io.text))
            }
        case .stateChange64, .stateChange32:
            let kind = parsedInNewVersion(packet, into: &out, { () throws(KDPacketError) in try StateChange(data: packet.data) })?.kindName ?? "state change"
            out.events.append(.stateChange(kind: kind))
            if breakInRequested { breakInRequested = false; out.events.append(.breakIn) }
            if configuration.mode == .confirm, version == nil, !releasing {
                request(.getVersion, payload: manipulate(.getVersionRequest()), at: now, into: &out)
            } else {
                request(.resume, payload: manipulate(.continueRequest()), at: now, into: &out)
            }
        case .stateManipulate:
            guard let state = parsedInNewVersion(packet, into: &out, { () throws(KDPacketError) in try ManipulateState(data: packet.data) }),
                  pending?.request == .getVersion, state.api == ManipulateAPI.getVersion.rawValue else { return }
            pending = nil
            if let v = parsedInNewVersion(packet, into: &out, { () throws(KDPacketError) in try KernelVersion(union: state.union) }) {
                version = v
                out.events.append(.version(v))
            }
            request(.resume, payload: manipulate(.continueRequest()), at: now, into: &out)
        default: break
        }
    }

    /// Parses a KD structure. In a session of a version not seen before, a failure is
    /// the evidence a new layout needs, so it is said (the packet and the offset); in a
    /// known version a short structure is passed over as before.
    private func parsedInNewVersion<T>(_ packet: KDPacket, into out: inout SessionOutput, _ parse: () throws(KDPacketError) -> T) -> T? {
        do { return try parse() } catch {
            if let version = protocolVersion, !KDNetVersion.isKnown(version), let peer {
                let at = KDPacket.headerLength + error.offset(inPayloadOf: packet.data.count)
                out.events.append(.malformed(from: peer, reason: unparsed(.data, peerSequence, from: peer, at: at, "\(packet.type.name): \(error)")))
            }
            return nil
        }
    }

    /// Names a datagram that does not parse and where: in a session, its number and
    /// the session's version; the byte counts from the start of the datagram.
    private func unparsed(_ channel: KDNetDatagram.Channel, _ sequence: UInt64, from source: Endpoint, at payloadOffset: Int, _ why: String) -> String {
        let which = source == peer && phase != .idle
            ? "\(channel.name) datagram \(peerDatagrams) of the session (KDNET version \(protocolVersion.map(String.init) ?? "?"), sequence \(sequence))"
            : "\(channel.name) datagram (sequence \(sequence))"
        return "\(which) does not parse at byte \(KDNetDatagram.payloadOffset + payloadOffset): \(why)"
    }

    private mutating func acknowledged(_ id: UInt32, at now: SessionTime, into out: inout SessionOutput) {
        guard var p = pending, p.packet.id == id, !p.packet.acknowledged, p.request == .getVersion || p.request == .resume else { return }
        nextHostID &+= 2
        switch p.request {
        case .getVersion:
            p.packet.acknowledged = true
            p.packet.tries = 1
            pending = p
        case .resume:
            pending = nil
            out.events.append(.continued)
            if version != nil, confirmedAt == nil { confirmedAt = now }
        default: break
        }
    }

    private func manipulate(_ state: ManipulateState) -> KDPacket {
        KDPacket(leader: .data, type: .stateManipulate, id: nextHostID, data: state.encoded())
    }

    private mutating func request(_ kind: Request, payload packet: KDPacket, at now: SessionTime, into out: inout SessionOutput) {
        request(kind, payload: packet.encoded(), id: packet.id, at: now, into: &out)
    }

    private mutating func request(_ kind: Request, payload: [UInt8], id: UInt32 = 0, at now: SessionTime, into out: inout SessionOutput) {
        pending = (kind, PendingPacket(payload: payload, id: id, sentAt: now))
        send(payload, into: &out)
    }

    private mutating func send(_ payload: [UInt8], into out: inout SessionOutput) {
        guard var ch = channel, let peer else { return }
        out.datagrams.append(OutgoingDatagram(bytes: ch.seal(payload), destination: peer))
        channel = ch
    }
}

/// The Windows side of KDNET as a state machine, for `simulate-target` and tests: it
/// pokes, takes the host's response, sends the connection check, prints a few boot
/// messages, answers a break-in with a breakpoint state change, RESET, GetVersion and
/// Continue2 as a real kernel does, and drops data datagrams that are out of sequence.
public struct TargetSession: Sendable {
    public struct Configuration: Sendable {
        public var keys: KDNetKeys
        /// This target's own address and port, as written into its pokes.
        public var target: Endpoint
        /// `hostip` and `port` from `bcdedit /dbgsettings`: where pokes go.
        public var host: Endpoint
        /// The KDNET datagram version: any byte (`KDNetVersion.known` lists those seen).
        public var protocolVersion: UInt8 = 2
        public var pokeInterval: SessionTime = 3
        public var retransmitInterval: SessionTime = 1
        public var maxTries = 8
        public var kernel: KernelVersion
        public var bootMessages: [String]
        /// The first KD packet id after boot. A booting Windows 10 starts at 0 (the WinDbg
        /// capture); a target that has run a while is further on (0x926 in the 8.1 vector),
        /// which makes the host RESET first.
        public var firstPacketID: UInt32 = 0
        /// A booting kernel stops once after its boot messages to report the image it
        /// loaded (the WinDbg capture shows it, before any break-in) and waits to be
        /// continued; a target that has run a while (the 8.1 vector) does not.
        public var loadSymbolsAtBoot = true

        public init(keys: KDNetKeys, target: Endpoint, host: Endpoint, kernel: KernelVersion,
                    bootMessages: [String] = TargetSession.defaultBootMessages) {
            self.keys = keys; self.target = target; self.host = host; self.kernel = kernel; self.bootMessages = bootMessages
        }
    }

    /// A few lines of the kind a kernel prints with DbgPrint early in boot.
    /// The 8.1 vector's breakpoint STATE_CHANGE64 carries 240 data bytes.
    static let stateChangeLength = 240

    public static let defaultBootMessages = [
        "KDTARGET: Refreshing KD connection\n",
        "CmInitSystem1: registry hives loaded\n",
        "PnP: boot-start drivers initialised\n",
        "Session Manager: smss.exe started (simulated target)\n",
    ]

    /// What the simulated target went through, for `simulate-target --json`.
    public struct Record: Sendable, Codable, Equatable {
        public var pokes = 0
        /// Host-to-target pokes (`listen --target`) answered with a poke at once.
        public var connectRequests = 0
        public var handshakes = 0
        public var reboots = 0
        public var breakIns = 0
        public var versionRequests = 0
        public var continues = 0
        public var debugPrints = 0
        public var retransmits = 0
        public var outOfSequenceDropped = 0
        public var failedAuthentication = 0
        public var notKdnet = 0
        public init() {}
    }

    public let configuration: Configuration
    private var random: any RandomSource
    public private(set) var record = Record()

    private var clientKey: [UInt8] = []
    private var pokeSequence: UInt64 = 0
    public private(set) var nextPokeAt: SessionTime?
    /// The debugger this target is bound to once a host answered: carried in keepalives.
    public private(set) var boundDebugger: Endpoint?
    private var channel: DataChannel?
    private var connectionCheck: PendingPacket?
    private var queue: [KDPacket] = []
    private var inFlight: PendingPacket?
    private var nextID: UInt32 = 0
    private var lastHostID: UInt32?
    /// Halted in the debugger (after a state change was acknowledged) until continued.
    public private(set) var isHalted = false
    public private(set) var hasBeenContinued = false

    public init(configuration: Configuration, random: any RandomSource = SystemRandom()) {
        self.configuration = configuration
        self.random = random
        boot()
    }

    public var isConnected: Bool { channel != nil && connectionCheck == nil }

    /// The machine restarts: a new client key, no bound debugger, pokes from sequence 1.
    public mutating func reboot(at now: SessionTime) -> SessionOutput {
        record.reboots += 1
        boot()
        return tick(at: now)
    }

    private mutating func boot() {
        clientKey = random.bytes(32)
        pokeSequence = 0
        nextPokeAt = nil
        boundDebugger = nil
        channel = nil
        connectionCheck = nil
        inFlight = nil
        lastHostID = nil
        isHalted = false
        hasBeenContinued = false
        nextID = configuration.firstPacketID
        queue = configuration.bootMessages.map { debugPrint($0) }
        if configuration.loadSymbolsAtBoot {
            let k = configuration.kernel
            let stop = StateChange.loadSymbols(image: "\\SystemRoot\\system32\\ntoskrnl.exe", base: k.kernelBase, size: 0x104_5000,
                                               thread: 0xFFFF_F803_0A4F_5A00 &+ UInt64(k.build), programCounter: k.kernelBase &+ 0x41_2F10,
                                               fixedLength: Self.stateChangeLength)
            queue.append(KDPacket(leader: .data, type: .stateChange64, id: 0, data: stop))
        }
    }

    public mutating func tick(at now: SessionTime) -> SessionOutput {
        var out = SessionOutput()
        if now >= (nextPokeAt ?? now) {
            sendPoke(into: &out)
            nextPokeAt = now + configuration.pokeInterval
        }
        if var check = connectionCheck, now >= check.sentAt + configuration.retransmitInterval {
            if check.tries >= configuration.maxTries {
                dropSession(reason: "the host never answered the connection check", into: &out)
            } else {
                check.tries += 1; check.sentAt = now
                connectionCheck = check
                record.retransmits += 1
                send(check.payload, into: &out)
            }
        }
        if var p = inFlight, now >= p.sentAt + configuration.retransmitInterval {
            if p.tries >= configuration.maxTries {
                // As a kernel does when its debugger goes away: give up on this packet and
                // carry on (still bound, still sending keepalives).
                inFlight = nil
                out.events.append(.gaveUp(reason: "the host stopped acknowledging"))
            } else {
                p.tries += 1; p.sentAt = now
                inFlight = p
                record.retransmits += 1
                send(p.payload, into: &out)
            }
        }
        out.nextDeadline = nextDeadline
        return out
    }

    public var nextDeadline: SessionTime? {
        [nextPokeAt,
         connectionCheck.map { $0.sentAt + configuration.retransmitInterval },
         inFlight.map { $0.sentAt + configuration.retransmitInterval }].earliest
    }

    public mutating func receive(_ bytes: [UInt8], from source: Endpoint, at now: SessionTime) -> SessionOutput {
        var out = SessionOutput()
        switch (try? DatagramEnvelope.peek(bytes))?.channel {
        case nil:
            record.notKdnet += 1
            out.events.append(.notKDNet(from: source))
        case .control?:
            receiveControl(bytes, from: source, at: now, into: &out)
        case .data?:
            receiveData(bytes, from: source, at: now, into: &out)
        }
        out.nextDeadline = nextDeadline
        return out
    }

    // MARK: control channel

    private mutating func receiveControl(_ bytes: [UInt8], from source: Endpoint, at now: SessionTime, into out: inout SessionOutput) {
        guard let d = try? configuration.keys.controlCipher.open(bytes) else {
            record.failedAuthentication += 1
            out.events.append(.failedAuthentication(from: source))
            return
        }
        guard d.direction == .hostToTarget else { return }
        switch try? ControlMessage(payload: d.payload) {
        case .poke?:
            // A host's connect request (`listen --target`): poke at once instead of waiting.
            record.connectRequests += 1
            sendPoke(into: &out)
            nextPokeAt = now + configuration.pokeInterval
        case .response(let response)?:
            guard response.clientKey == clientKey, d.sequence <= pokeSequence else { return }
            let dataKey = configuration.keys.dataKey(responseBody: d.payload)
            channel = DataChannel(cipher: configuration.keys.dataCipher(dataKey: dataKey), version: configuration.protocolVersion, outgoing: .targetToHost)
            boundDebugger = source
            record.handshakes += 1
            out.events.append(.handshake(peer: source, rekey: false))
            // A new session starts the KD exchange over; unprinted boot messages stay queued.
            if let p = inFlight, let packet = try? KDPacket(bytes: p.payload) { queue.insert(packet, at: 0) }
            inFlight = nil
            lastHostID = nil
            let check = ConnectionCheck(hostIPv4: configuration.host.address.isIPv4 ? configuration.host.address.bytes : [0, 0, 0, 0]).encoded()
            connectionCheck = PendingPacket(payload: check, id: 0, sentAt: now)
            send(check, into: &out)
        case nil:
            out.events.append(.malformed(from: source, reason: "unknown control packet"))
        }
    }

    private mutating func sendPoke(into out: inout SessionOutput) {
        pokeSequence += 1
        record.pokes += 1
        let poke = Poke(clientKey: clientKey, target: KDNetEndpoint(configuration.target), host: KDNetEndpoint(configuration.host),
                        boundDebugger: boundDebugger.map(KDNetEndpoint.init) ?? .zero)
        let d = KDNetDatagram(version: configuration.protocolVersion, channel: .control, sequence: pokeSequence,
                              direction: .targetToHost, payload: poke.encoded())
        out.datagrams.append(OutgoingDatagram(bytes: configuration.keys.controlCipher.seal(d), destination: configuration.host))
    }

    // MARK: data channel

    private mutating func receiveData(_ bytes: [UInt8], from source: Endpoint, at now: SessionTime, into out: inout SessionOutput) {
        guard var ch = channel else { return }
        let received = ch.open(bytes)
        channel = ch
        switch received {
        case .ownDirection: return
        case .failedAuthentication:
            record.failedAuthentication += 1
            out.events.append(.failedAuthentication(from: source))
        case .outOfSequence(let seq):
            record.outOfSequenceDropped += 1
            out.events.append(.outOfSequence(from: source, sequence: seq))
        case .payload(let payload, _):
            if connectionCheck != nil {
                // Any answer (WinDbg sends RESEND) proves the data channel works both ways.
                connectionCheck = nil
                out.events.append(.connected(peer: source))
            }
            if payload == [KDPacket.breakInByte] {
                breakIn(at: now, into: &out)
            } else if let packet = try? KDPacket(bytes: payload) {
                handle(packet, at: now, into: &out)
            } else {
                out.events.append(.malformed(from: source, reason: "not a KD packet"))
            }
            sendNext(at: now, into: &out)
        }
    }

    private mutating func breakIn(at now: SessionTime, into out: inout SessionOutput) {
        record.breakIns += 1
        out.events.append(.breakIn)
        let alreadyStopping = isHalted || queue.contains { $0.type == .stateChange64 }
            || (inFlight.flatMap { try? KDPacket(bytes: $0.payload) })?.type == .stateChange64
        guard !alreadyStopping else { return }
        let stop = StateChange.breakpoint(thread: 0xFFFF_F803_0A4F_5A00 &+ UInt64(configuration.kernel.build),
                                          programCounter: configuration.kernel.kernelBase &+ 0x15_0CD0,
                                          extraLength: Self.stateChangeLength - StateChange.headerLength)
        queue.insert(KDPacket(leader: .data, type: .stateChange64, id: 0, data: stop), at: 0)
    }

    private mutating func handle(_ packet: KDPacket, at now: SessionTime, into out: inout SessionOutput) {
        switch (packet.leader, packet.type) {
        case (.control, .acknowledge):
            guard let p = inFlight, p.id == packet.id else { return }
            inFlight = nil
            if let sent = try? KDPacket(bytes: p.payload), sent.type == .stateChange64 {
                isHalted = true
                out.events.append(.stateChange(kind: (try? StateChange(data: sent.data))?.kindName ?? "state change"))
            }
        case (.control, .reset):
            // Answer with our own RESET (carrying our current id, as the 8.1 vector shows),
            // then send the unacknowledged packet again.
            lastHostID = nil
            send(KDPacket.control(.reset, id: inFlight?.id ?? nextID).encoded(), into: &out)
            if var p = inFlight { p.sentAt = now; inFlight = p; send(p.payload, into: &out) }
        case (.control, .resend):
            if var p = inFlight { p.sentAt = now; inFlight = p; send(p.payload, into: &out) }
        case (.data, .stateManipulate):
            send(KDPacket.control(.acknowledge, id: packet.id).encoded(), into: &out)
            guard packet.id != lastHostID, let state = try? ManipulateState(data: packet.data) else { return }
            lastHostID = packet.id
            manipulate(state, into: &out)
        case (.data, _):
            send(KDPacket.control(.acknowledge, id: packet.id).encoded(), into: &out)
        default: break
        }
    }

    private mutating func manipulate(_ state: ManipulateState, into out: inout SessionOutput) {
        switch ManipulateAPI(rawValue: state.api) {
        case .getVersion?:
            record.versionRequests += 1
            let reply = ManipulateState(api: .getVersion, processorLevel: state.processorLevel, processor: state.processor,
                                        union: configuration.kernel.encodedUnion())
            queue.insert(KDPacket(leader: .data, type: .stateManipulate, id: 0, data: reply.encoded()), at: 0)
        case .continue?, .continue2?:
            record.continues += 1
            isHalted = false
            hasBeenContinued = true
            out.events.append(.continued)
        default:
            // STATUS_UNSUCCESSFUL: the simulator implements only what the listener uses.
            var reply = state
            reply.returnStatus = 0xC000_0001
            queue.insert(KDPacket(leader: .data, type: .stateManipulate, id: 0, data: reply.encoded()), at: 0)
        }
    }

    /// Stop-and-wait: one KD data packet in flight. A halted kernel only answers requests.
    private mutating func sendNext(at now: SessionTime, into out: inout SessionOutput) {
        guard inFlight == nil, connectionCheck == nil, channel != nil, let first = queue.first else { return }
        if isHalted, first.type != .stateManipulate { return }
        queue.removeFirst()
        var packet = first
        packet.id = nextID
        nextID &+= 2
        if packet.type == .debugIO { record.debugPrints += 1 }
        let payload = packet.encoded()
        inFlight = PendingPacket(payload: payload, id: packet.id, sentAt: now)
        send(payload, into: &out)
    }

    /// A DbgPrint of the running kernel: queued behind whatever is still to be sent, and
    /// sent now when nothing is in flight (stop-and-wait, as a real kernel's KD transport;
    /// before a session it waits for one, as the boot messages do).
    public mutating func dbgPrint(_ text: String, at now: SessionTime) -> SessionOutput {
        var out = SessionOutput()
        queue.append(debugPrint(text))
        sendNext(at: now, into: &out)
        out.nextDeadline = nextDeadline
        return out
    }

    /// KD packets not yet acknowledged by the host (queued or in flight): a caller that
    /// prints in a loop waits while this grows instead of queueing without bound.
    public var unacknowledgedPackets: Int { queue.count + (inFlight == nil ? 0 : 1) }

    private mutating func dropSession(reason: String, into out: inout SessionOutput) {
        connectionCheck = nil
        channel = nil
        boundDebugger = nil
        out.events.append(.gaveUp(reason: reason))
    }

    private func debugPrint(_ text: String) -> KDPacket {
        KDPacket(leader: .data, type: .debugIO, id: 0, data: DebugIO.printString(text))
    }

    private mutating func send(_ payload: [UInt8], into out: inout SessionOutput) {
        guard var ch = channel, let to = boundDebugger else { return }
        out.datagrams.append(OutgoingDatagram(bytes: ch.seal(payload), destination: to))
        channel = ch
    }
}

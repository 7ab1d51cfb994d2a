/// A key the observer may try, with a name to report it by (a config's target name,
/// or "key 1" for the first `--key`).
public struct ObserverKey: Sendable {
    public var key: DebugKey
    public var label: String
    public init(key: DebugKey, label: String) { self.key = key; self.label = label }
}

/// One KDNET session as seen from the wire: from a host's response to the next one.
public struct ObservedSession: Sendable, Equatable {
    public var number: Int
    /// The target's address and port in the capture (nil for inputs without addresses).
    public var target: UDPEndpoint?
    public var host: UDPEndpoint?
    /// The target's own idea of its address, from its poke.
    public var announcedTarget: Endpoint?
    public var keyIndex: Int
    public var keyLabel: String
    public var protocolVersion: UInt8
    public var dataKey: SecretBytes
    /// The target had a session before and poked afresh: it rebooted.
    public var startedByReboot: Bool
    public var kernelVersion: KernelVersion?
    public var datagrams = 0
    public var firstTime: Double?
    public var lastTime: Double?
    /// Sequence numbers of the data channel, each direction on its own.
    public var targetToHost = SequenceTracker()
    public var hostToTarget = SequenceTracker()

    public var missingTargetToHost: UInt64 { targetToHost.missing }
    public var missingHostToTarget: UInt64 { hostToTarget.missing }
    public var outOfOrder: Int { targetToHost.late + hostToTarget.late }
    public var replayed: Int { targetToHost.replayed + hostToTarget.replayed }

    public var targetAddressText: String? { target.map { "\($0.address)" } ?? announcedTarget?.address.description }
    public var targetPort: UInt16? { target?.port ?? announcedTarget?.port }
}

/// Follows KDNET conversations passively: fed datagrams in capture order, it finds
/// which key each target uses, derives each session's data key from the host's
/// response, notices reboots, and decodes what it can. Values in, values out: no I/O,
/// no clock, never a crash on hostile input.
public struct SessionObserver: Sendable {
    public let keys: [ObserverKey]
    public private(set) var sessions: [ObservedSession] = []
    private let secrets: [KDNetKeys]
    private let controlCiphers: [DatagramCipher]
    private var sessionCiphers: [DatagramCipher] = []
    /// Each target's state lives in `targetStates`, found by its endpoint's slot, so a
    /// datagram costs one or two hash lookups and the state is changed where it lies
    /// (copying it out would retain its poke every time).
    private var targetSlots = EndpointTable()
    /// The slot of inputs without addresses (`--hex-lines`): one conversation.
    private var addresslessSlot: Int?
    private var targetStates: [TargetState] = []
    /// Conversations whose control traffic no key opened: their data is unreadable
    /// because of the key, which is not the same as a handshake that was never seen.
    private var unauthenticatedPairs: Set<EndpointPair> = []
    private var nextIndex = 0
    /// Said of every datagram no key opens: made once, not per datagram.
    private let noKeyOpensIt: String
    /// Whether records carry DbgPrint text and state-change descriptions. A reader that
    /// only tallies (`inspect`'s summary) shows neither, so no String is made per DbgPrint.
    public let recordsText: Bool

    private struct TargetState: Sendable {
        var keyIndex: Int?
        var session: Int?
        var previousSession: Int?
        var poke: Poke?
        var rebooting = false
    }

    private struct EndpointPair: Hashable, Sendable {
        var a: UDPEndpoint?, b: UDPEndpoint?
        init(_ x: UDPEndpoint?, _ y: UDPEndpoint?) {
            switch (x, y) {
            case let (x?, y?): (a, b) = x < y ? (x, y) : (y, x)
            case (nil, _): (a, b) = (nil, y)
            case (_, nil): (a, b) = (nil, x)
            }
        }
    }

    public init(keys: [ObserverKey], recordsText: Bool = true) {
        self.keys = keys
        self.recordsText = recordsText
        noKeyOpensIt = keys.count == 1 ? "does not open with the key given" : "opens with none of the \(keys.count) keys given"
        secrets = keys.map { KDNetKeys(key: $0.key) }
        controlCiphers = secrets.map(\.controlCipher)
    }

    /// The record for a datagram that does not start with the MDBG magic, without
    /// copying its bytes (most UDP traffic on a busy link is not KDNET).
    public mutating func skip(length: Int, from source: UDPEndpoint?, to destination: UDPEndpoint?, at time: Double?,
                              label: String? = nil) -> ObservedDatagram {
        defer { nextIndex += 1 }
        return ObservedDatagram(index: nextIndex, time: time, source: source, destination: destination, label: label,
                                length: length, status: .notKDNet)
    }

    /// The same, made in `record`.
    public mutating func skip(length: Int, from source: UDPEndpoint?, to destination: UDPEndpoint?, at time: Double?,
                              into record: inout ObservedDatagram) {
        record.reset(index: nextIndex, time: time, source: source, destination: destination, length: length, status: .notKDNet)
        nextIndex += 1
    }

    public mutating func observe(_ bytes: [UInt8], from source: UDPEndpoint?, to destination: UDPEndpoint?,
                                 at time: Double?, label: String? = nil) -> ObservedDatagram {
        bytes.withUnsafeBytes { observe($0, from: source, to: destination, at: time, label: label) }
    }

    /// The same, reading the datagram where it lies (a capture's buffer) without copying it.
    public mutating func observe(_ bytes: UnsafeRawBufferPointer, from source: UDPEndpoint?, to destination: UDPEndpoint?,
                                 at time: Double?, label: String? = nil) -> ObservedDatagram {
        var record = ObservedDatagram(index: 0, time: nil, source: nil, destination: nil, length: 0, status: .authenticated)
        observe(bytes, from: source, to: destination, at: time, label: label, into: &record)
        return record
    }

    /// The same, made in `record` (whatever it held is replaced): a reader of millions of
    /// datagrams reuses one record instead of building, returning and copying one each.
    public mutating func observe(_ bytes: UnsafeRawBufferPointer, from source: UDPEndpoint?, to destination: UDPEndpoint?,
                                 at time: Double?, label: String? = nil, into record: inout ObservedDatagram) {
        record.reset(index: nextIndex, time: time, source: source, destination: destination,
                     label: label, length: bytes.count, status: .authenticated)
        nextIndex += 1
        let envelope: DatagramEnvelope
        do { envelope = try DatagramEnvelope.peek(bytes) } catch {
            record.status = ObservedDatagram.Status(refused: error)
            if case .unsupportedVersion(let v) = error { record.protocolVersion = v }
            if error != .notKDNet { record.problem = error.description }
            return
        }
        record.protocolVersion = envelope.version
        record.channel = envelope.channel
        if envelope.channel == .control {
            observeControl(bytes, envelope, &record)
            if let n = record.session { Self.count(time, in: &sessions[n - 1]) }
        } else {
            // Counts the datagram in its session itself, in the one access it makes to it.
            observeData(bytes, envelope, &record)
        }
    }

    /// One access to the session, not three (each checked the array's uniqueness and bounds).
    private static func count(_ time: Double?, in session: inout ObservedSession) {
        session.datagrams += 1
        if let time {
            if session.firstTime == nil { session.firstTime = time }
            session.lastTime = time
        }
    }

    private func slot(_ endpoint: UDPEndpoint?) -> Int? {
        if let endpoint { return targetSlots[endpoint] }
        return addresslessSlot
    }

    private mutating func slotMade(_ endpoint: UDPEndpoint?) -> Int {
        if let existing = slot(endpoint) { return existing }
        targetStates.append(TargetState())
        if let endpoint { targetSlots.insert(endpoint, targetStates.count - 1) } else { addresslessSlot = targetStates.count - 1 }
        return targetStates.count - 1
    }

    // MARK: control channel

    private mutating func observeControl(_ bytes: UnsafeRawBufferPointer, _ envelope: DatagramEnvelope, _ record: inout ObservedDatagram) {
        // The key this conversation used before is tried first, then the others in order.
        let known = slot(record.source).flatMap { targetStates[$0].keyIndex } ?? slot(record.destination).flatMap { targetStates[$0].keyIndex }
        var opened: (Int, KDNetDatagram)?
        for attempt in keys.indices {
            let i = known.map { attempt == 0 ? $0 : (attempt <= $0 ? attempt - 1 : attempt) } ?? attempt
            do { opened = (i, try controlCiphers[i].open(bytes, envelope: envelope) { $0.datagram }); break } catch {
                if error == .badPadding { record.status = .init(refused: error); record.problem = error.description; return }
            }
        }
        guard let (keyIndex, datagram) = opened else {
            record.status = .failedAuthentication
            record.problem = noKeyOpensIt
            Self.refuseUnknownVersion(envelope, &record)
            unauthenticatedPairs.insert(EndpointPair(record.source, record.destination))
            return
        }
        record.keyIndex = keyIndex
        record.direction = datagram.direction
        record.sequence = datagram.sequence
        let fromTarget = datagram.direction == .targetToHost
        let targetEndpoint = fromTarget ? record.source : record.destination
        let target = slotMade(targetEndpoint)
        targetStates[target].keyIndex = keyIndex

        let message: ControlMessage
        do { message = try ControlMessage(payload: datagram.payload) } catch {
            record.kind = .undecodable
            record.problem = Self.problem(error.description, at: error.offset, version: datagram.version)
            return
        }
        switch message {
        case .poke(let poke):
            targetStates[target].poke = poke
            record.kind = poke.isKeepalive ? .keepalivePoke : .poke
            if poke.isKeepalive {
                record.session = targetStates[target].session
            } else if !targetStates[target].rebooting, targetStates[target].session != nil || hadSessionOnAnotherPort(targetEndpoint) {
                targetStates[target].rebooting = true
                record.events.append(.reboot)
            }
        case .response:
            record.kind = .response
            let dataKey = secrets[keyIndex].dataKey(responseBody: datagram.payload)
            let number = sessions.count + 1
            sessions.append(ObservedSession(
                number: number, target: targetEndpoint, host: fromTarget ? record.destination : record.source,
                announcedTarget: targetStates[target].poke?.target.endpoint, keyIndex: keyIndex, keyLabel: keys[keyIndex].label,
                protocolVersion: datagram.version, dataKey: dataKey, startedByReboot: targetStates[target].rebooting))
            sessionCiphers.append(secrets[keyIndex].dataCipher(dataKey: dataKey))
            targetStates[target].previousSession = targetStates[target].session
            targetStates[target].session = number
            targetStates[target].rebooting = false
            record.session = number
            record.events.append(.sessionStarted)
        }
    }

    /// Public sources disagree on whether a rebooted target keeps its source port, so a
    /// fresh poke from a new port of an address that had a session counts as a reboot.
    private func hadSessionOnAnotherPort(_ endpoint: UDPEndpoint?) -> Bool {
        guard let endpoint else { return false }
        return targetSlots.entries.contains { $0.key != endpoint && $0.key.address == endpoint.address && targetStates[$0.value].session != nil }
    }

    // MARK: data channel

    private mutating func observeData(_ bytes: UnsafeRawBufferPointer, _ envelope: DatagramEnvelope, _ record: inout ObservedDatagram) {
        // The target is the source or, for the host's datagrams, the destination.
        let fromSource = slot(record.source).flatMap { targetStates[$0].session != nil ? $0 : nil }
        guard let target = fromSource ?? slot(record.destination), let current = targetStates[target].session else {
            if unauthenticatedPairs.contains(EndpointPair(record.source, record.destination)) {
                record.status = .failedAuthentication
                record.problem = "its session's handshake did not open with the key given, so there is no data key"
                Self.refuseUnknownVersion(envelope, &record)
            } else {
                record.status = .noHandshake
                record.problem = "no handshake (poke and response) of this session was seen, so there is no data key"
            }
            return
        }
        // The current session's key, then the one before it (datagrams still in flight across a reboot).
        for attempt in 0..<2 {
            guard let number = attempt == 0 ? current : targetStates[target].previousSession else { break }
            // The closure writes only `record`, never `self`, so the cipher is used where it
            // lies in `sessionCiphers` instead of being copied out (a retain and a release).
            // The observer made it and owns it: no lock unless the observer was copied.
            let text = recordsText
            do {
                try sessionCiphers[number - 1].openOwned(bytes, envelope: envelope) { datagram in
                    record.direction = datagram.direction
                    record.sequence = datagram.sequence
                    Self.decodePayload(datagram, recordingText: text, &record)
                }
            } catch {
                if error == .badPadding { record.status = .init(refused: error); record.problem = error.description; return }
                continue
            }
            record.session = number
            Self.opened(&record, in: &sessions[number - 1])
            return
        }
        record.status = .failedAuthentication
        record.problem = "does not open with the data key of session \(current)"
        Self.refuseUnknownVersion(envelope, &record)
    }

    /// A datagram of a version not seen before that does not open may be a wrong key or a
    /// layout this decoder cannot read: it is refused as that, not as a wrong key.
    private static func refuseUnknownVersion(_ envelope: DatagramEnvelope, _ record: inout ObservedDatagram) {
        guard !KDNetVersion.isKnown(envelope.version) else { return }
        record.status = .unsupportedVersion
        record.problem = KDNetVersion.refusal([envelope.version])
    }

    /// What an opened data datagram tells its session, and the session it: in one access
    /// to the session (copying it out would copy its arrays; each access checks the
    /// array's uniqueness and bounds).
    private static func opened(_ record: inout ObservedDatagram, in session: inout ObservedSession) {
        record.keyIndex = session.keyIndex
        if let sequence = record.sequence {
            let event = record.direction == .targetToHost ? session.targetToHost.follow(sequence) : session.hostToTarget.follow(sequence)
            if let event { record.events.append(event) }
        }
        if let version = record.kernelVersion { session.kernelVersion = version }
        count(record.time, in: &session)
    }

    /// A load-symbols state change ends with the image's path, whose length is the
    /// first field after the state change header (zero when unloading).
    static func imageName(_ data: [UInt8]) -> String? {
        guard data.count >= StateChange.headerLength + 4 else { return nil }
        let length = Int(data.le32(StateChange.headerLength))
        guard length > 0, length <= data.count - StateChange.headerLength - 4 else { return nil }
        let name = String(decoding: data.suffix(length).prefix { $0 != 0 }, as: UTF8.self)
        return name.isEmpty ? nil : name
    }

    /// What the payload is, into `record` (a version reply's kernel version included, which
    /// the caller copies to its session).
    private static func decodePayload(_ datagram: OpenedDatagram, recordingText: Bool, _ record: inout ObservedDatagram) {
        let payload = datagram.payload
        if payload.count == 1, payload[0] == KDPacket.breakInByte { record.kind = .breakIn; return }
        if ConnectionCheck(payload: payload) != nil { record.kind = .connectionCheck; return }
        let packet: KDPacketView
        do { packet = try KDPacketView(payload) } catch {
            record.kind = .undecodable
            record.problem = problem(error.description, at: error.offset(inPayloadOf: payload.count), version: datagram.version)
            // The header may still name the type even when the body is damaged.
            if payload.count >= KDPacket.headerLength, let type = KDPacket.PacketType(rawValue: payload.le16(4)) { record.kind = .kd(type) }
            return
        }
        record.kind = .kd(packet.type)
        record.packetID = packet.id
        guard packet.leader == .data else { return }
        do {
            switch packet.type {
            case .stateManipulate:
                let state = try ManipulateState(data: Array(packet.data))
                record.api = state.apiName
                if state.api == ManipulateAPI.getVersion.rawValue, datagram.direction == .targetToHost {
                    record.kernelVersion = try KernelVersion(union: state.union)
                }
            case .debugIO:
                let io = try DebugIO.header(packet.data)
                record.api = io.api == DebugIO.printStringAPI ? "DbgKdPrintStringApi"
                    : io.api == DebugIO.getStringAPI ? "DbgKdGetStringApi" : "API 0x\(String(io.api, radix: 16))"
                if recordingText { record.text = DebugIO.text(io.text) }
            case .stateChange64, .stateChange32:
                let data = Array(packet.data)
                let change = try StateChange(data: data)
                guard recordingText else { break }
                record.text = change.kindName
                if change.newState == StateChange.Kind.loadSymbols.rawValue, let image = Self.imageName(data) {
                    record.text = "load symbols: \(image)"
                }
            default:
                break
            }
        } catch {
            record.problem = problem(error.description, at: KDPacket.headerLength + error.offset(inPayloadOf: packet.data.count),
                                     version: datagram.version)
        }
    }

    /// Why a payload does not parse; in a version not seen before also where (from the
    /// start of the datagram): the evidence a new layout needs.
    private static func problem(_ why: String, at payloadOffset: Int, version: UInt8) -> String {
        KDNetVersion.isKnown(version) ? why : "\(why) (at byte \(KDNetDatagram.payloadOffset + payloadOffset), KDNET version \(version))"
    }
}

/// Gaps in one direction's sequence numbers. A window of the last 64 numbers tells a
/// late datagram (it fills a gap counted earlier) from a replay (seen already).
public struct SequenceTracker: Sendable, Equatable {
    /// Datagrams missing: skipped over and not arrived late since.
    public private(set) var missing: UInt64 = 0
    /// Datagrams that came after a later one of their direction.
    public private(set) var late = 0
    /// Datagrams whose number was seen already (or is too old to tell).
    public private(set) var replayed = 0
    private var last: UInt64?
    private var window: UInt64 = 0

    public init() {}

    public mutating func follow(_ seq: UInt64) -> ObservedDatagram.Event? {
        guard let last else { self.last = seq; window = 1; return nil }
        if seq <= last {
            let age = last - seq
            if age < 64, window & (1 << age) == 0 {
                window |= 1 << age
                missing -= 1
                late += 1
                return .late
            }
            replayed += 1
            return .replayed
        }
        let shift = seq - last
        window = (shift >= 64 ? 0 : window << shift) | 1
        self.last = seq
        if shift > 1 { missing += shift - 1; return .gap(shift - 1) }
        return nil
    }
}

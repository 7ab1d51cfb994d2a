/// Time as the caller's monotonic clock reads it, in seconds. Sessions never read a clock.
public typealias SessionTime = Double

/// A datagram a session wants sent, and where to.
public struct OutgoingDatagram: Sendable, Equatable {
    public var bytes: [UInt8]
    public var destination: Endpoint

    public init(bytes: [UInt8], destination: Endpoint) {
        self.bytes = bytes; self.destination = destination
    }
}

/// What a session noticed while handling one datagram or timer.
public enum SessionEvent: Sendable, Equatable {
    /// Traffic that is not a KDNET datagram at all.
    case notKDNet(from: Endpoint)
    /// An MDBG datagram of a KDNET protocol version not seen before that does not
    /// authenticate: a wrong key or a new layout.
    case unsupportedVersion(from: Endpoint, version: UInt8)
    /// Host: a session started in a version not seen before (`KDNetVersion.known`),
    /// answered in that version; said once per session.
    case newVersion(peer: Endpoint, version: UInt8)
    /// A KDNET datagram whose tag does not verify: the key differs.
    case failedAuthentication(from: Endpoint)
    /// An authenticated poke from an address other than the expected one.
    case unexpectedSource(from: Endpoint)
    /// A data datagram at or below the last sequence number seen: dropped.
    case outOfSequence(from: Endpoint, sequence: UInt64)
    /// An MDBG datagram that is not well-formed KDNET, or one that authenticates but does not parse.
    case malformed(from: Endpoint, reason: String)
    /// Host: a poke was answered (`rekey` when it was a keepalive of a session we do not
    /// hold). Target: the host's response arrived and the data key is derived.
    case handshake(peer: Endpoint, rekey: Bool)
    /// A live session's keepalive poke, left unanswered as WinDbg does.
    case keepalive(from: Endpoint)
    /// An authentic poke from another address while the peer's session is live: not
    /// answered, so a replayed or foreign poke cannot cut the session off.
    case refusedTakeover(from: Endpoint, peer: Endpoint)
    /// A poke with no bound debugger from a target that had a session: it rebooted.
    case rebooted(peer: Endpoint)
    /// The connection check was answered: the data channel works both ways.
    case connected(peer: Endpoint)
    case breakIn
    case stateChange(kind: String)
    case version(KernelVersion)
    case debugPrint(String)
    /// The target acknowledged a continue and runs again.
    case continued
    /// A bounded retransmission ran out; the session waits for the target's next poke.
    case gaveUp(reason: String)
}

/// Everything one step of a session produced.
public struct SessionOutput: Sendable, Equatable {
    public var datagrams: [OutgoingDatagram] = []
    public var events: [SessionEvent] = []
    /// When to call `tick(at:)` next; nil when only a datagram can move things on.
    public var nextDeadline: SessionTime?

    public init(datagrams: [OutgoingDatagram] = [], events: [SessionEvent] = [], nextDeadline: SessionTime? = nil) {
        self.datagrams = datagrams; self.events = events; self.nextDeadline = nextDeadline
    }
}

/// One direction-aware data channel: its cipher, our next sequence number, and the
/// highest sequence number accepted from the peer (the real target drops anything not
/// above it, so both sides do).
struct DataChannel: Sendable {
    let cipher: DatagramCipher
    let version: UInt8
    let outgoing: KDNetDatagram.Direction
    private(set) var nextSequence: UInt64 = 1
    private(set) var lastReceived: UInt64 = 0

    init(cipher: DatagramCipher, version: UInt8, outgoing: KDNetDatagram.Direction) {
        self.cipher = cipher; self.version = version; self.outgoing = outgoing
    }

    mutating func seal(_ payload: [UInt8]) -> [UInt8] {
        defer { nextSequence += 1 }
        return cipher.seal(KDNetDatagram(version: version, channel: .data, sequence: nextSequence, direction: outgoing, payload: payload))
    }

    enum Received { case payload([UInt8], sequence: UInt64), outOfSequence(UInt64), failedAuthentication, ownDirection }

    mutating func open(_ bytes: [UInt8]) -> Received {
        guard let d = try? cipher.open(bytes) else { return .failedAuthentication }
        guard d.direction != outgoing else { return .ownDirection }
        guard d.sequence > lastReceived else { return .outOfSequence(d.sequence) }
        lastReceived = d.sequence
        return .payload(d.payload, sequence: d.sequence)
    }
}

/// A KD packet one side sent and waits on, with its bounded retransmission.
struct PendingPacket: Sendable {
    var payload: [UInt8]
    var id: UInt32
    var sentAt: SessionTime
    var tries: Int = 1
    /// Acknowledged but still waiting for the reply (a manipulate request).
    var acknowledged = false
}

extension Array where Element == SessionTime? {
    /// The earliest of several optional deadlines.
    package var earliest: SessionTime? { compactMap { $0 }.min() }
}

/// What a passive observer learnt from one datagram: one record per datagram, in
/// capture order. Plain values, so a listener, the doctor or `inspect` can render them.
public struct ObservedDatagram: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case authenticated
        /// No key given opens it: a wrong key, or damage on the way.
        case failedAuthentication = "failed_authentication"
        /// A data datagram of a session whose handshake was not seen (the capture
        /// started mid-session): no data key, so it cannot be opened. Not a wrong key.
        case noHandshake = "no_handshake"
        case notKDNet = "not_kdnet"
        /// MDBG magic and a KDNET protocol version not seen before that no key opens: a
        /// wrong key or a new layout. One that opens is `authenticated`.
        case unsupportedVersion = "unsupported_version"
        /// MDBG magic but an impossible length, channel or padding.
        case malformed

        /// The status of a datagram refused for `error`, by the classes `listen` uses.
        init(refused error: DatagramError) {
            switch error.trafficClass {
            case .notKDNet: self = .notKDNet
            case .unsupportedVersion: self = .unsupportedVersion
            case .wrongKey: self = .failedAuthentication
            case .malformed, .unexpectedSource, .authenticated, .unverifiedData: self = .malformed
            }
        }
    }

    public enum Kind: Sendable, Equatable {
        case poke, keepalivePoke, response, connectionCheck, breakIn
        case kd(KDPacket.PacketType)
        /// Authenticated, but the payload is not a KD packet we can read.
        case undecodable

        public var name: String {
            switch self {
            case .poke: return "poke"
            case .keepalivePoke: return "keepalive"
            case .response: return "response"
            case .connectionCheck: return "conncheck"
            case .breakIn: return "break-in"
            case .kd(let type): return type.name
            case .undecodable: return "undecodable"
            }
        }
    }

    /// Something about the conversation this datagram revealed.
    public enum Event: Sendable, Equatable {
        /// A fresh poke (no bound debugger) from a target that already had a session.
        case reboot
        /// A response: the data key changes and a session starts.
        case sessionStarted
        /// Sequence numbers skipped: this many datagrams of this direction are missing.
        case gap(UInt64)
        /// Came after a later datagram of its direction: it fills a gap counted before.
        case late
        /// Its sequence number was seen already in this direction (or is too old to tell).
        case replayed

        public var text: String {
            switch self {
            case .reboot: return "target rebooted"
            case .sessionStarted: return "session started"
            case .gap(let n): return "\(n) missing before this one"
            case .late: return "out of order: arrived late"
            case .replayed: return "replayed: sequence number seen already"
            }
        }
    }

    public var index: Int
    public var time: Double?
    public var source: UDPEndpoint?
    public var destination: UDPEndpoint?
    /// The line name for inputs without addresses (`--hex-lines`).
    public var label: String?
    public var length: Int
    public var status: Status
    public var protocolVersion: UInt8?
    /// False for a version no real target was seen speaking (`KDNetVersion.known`).
    public var protocolVersionSeenBefore: Bool? { protocolVersion.map(KDNetVersion.isKnown) }
    public var channel: KDNetDatagram.Channel?
    public var direction: KDNetDatagram.Direction?
    public var sequence: UInt64?
    /// 1-based number of the session (over all targets) this datagram belongs to.
    public var session: Int?
    /// Which of the configured keys opened it (0-based).
    public var keyIndex: Int?
    public var kind: Kind?
    public var packetID: UInt32?
    public var api: String?
    /// DbgPrint text, or a state change's description.
    public var text: String?
    public var kernelVersion: KernelVersion?
    public var events: [Event] = []
    /// Why it could not be opened or decoded.
    public var problem: String?

    public init(index: Int, time: Double?, source: UDPEndpoint?, destination: UDPEndpoint?, label: String? = nil,
                length: Int, status: Status) {
        self.index = index; self.time = time; self.source = source; self.destination = destination
        self.label = label; self.length = length; self.status = status
    }

    /// The same as a fresh `init`, made in place: a reader of millions of datagrams
    /// reuses one record, and building a new one to assign copied and destroyed a whole
    /// record (every optional String in it) per datagram.
    public mutating func reset(index: Int, time: Double?, source: UDPEndpoint?, destination: UDPEndpoint?, label: String? = nil,
                               length: Int, status: Status) {
        self.index = index; self.time = time; self.source = source; self.destination = destination
        self.label = label; self.length = length; self.status = status
        protocolVersion = nil; channel = nil; direction = nil; sequence = nil; session = nil; keyIndex = nil
        kind = nil; packetID = nil
        // Looked at first: storing nil releases what was there, a call even when nothing was.
        if api != nil { api = nil }
        if text != nil { text = nil }
        if kernelVersion != nil { kernelVersion = nil }
        if problem != nil { problem = nil }
        if !events.isEmpty { events.removeAll(keepingCapacity: true) }
    }
}

extension KDNetDatagram.Channel {
    public var name: String { self == .data ? "data" : "control" }
}

extension KDNetDatagram.Direction {
    public var name: String { self == .hostToTarget ? "host_to_target" : "target_to_host" }
}

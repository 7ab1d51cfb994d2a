import Foundation

/// The target's periodic hello on the control channel.
public struct Poke: Sendable, Equatable {
    public static let bodyLength = 344
    public var clientKey: [UInt8]
    public var target: KDNetEndpoint
    public var host: KDNetEndpoint
    /// The debugger the target is bound to: zero before any session.
    public var boundDebugger: KDNetEndpoint

    public init(clientKey: [UInt8], target: KDNetEndpoint, host: KDNetEndpoint, boundDebugger: KDNetEndpoint = .zero) {
        self.clientKey = clientKey; self.target = target; self.host = host; self.boundDebugger = boundDebugger
    }

    /// A poke with a bound debugger is a keepalive of a live session; WinDbg does not
    /// answer those (answering re-keys the target). Zero means a fresh boot.
    public var isKeepalive: Bool { boundDebugger.port != 0 }

    public init(body: [UInt8]) throws(ControlPacketError) {
        guard body.count >= 88 else { throw .truncated("poke", body.count) }
        guard body[0] == 1, body[1] == 1 else { throw .unexpectedType(body[0], body[1]) }
        clientKey = Array(body[2..<34])
        target = KDNetEndpoint(bytes: body[34..<52])
        host = KDNetEndpoint(bytes: body[52..<70])
        boundDebugger = KDNetEndpoint(bytes: body[70..<88])
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [1, 1] + clientKey + target.encoded() + host.encoded() + boundDebugger.encoded()
        out.append(contentsOf: repeatElement(0, count: Self.bodyLength - out.count))
        return out
    }
}

/// The host's one answer to a poke: it carries the material the data key is derived from.
public struct ControlResponse: Sendable, Equatable {
    public static let bodyLength = 322
    public var clientKey: [UInt8]
    public var hostRandom: [UInt8]

    public init(clientKey: [UInt8], hostRandom: [UInt8]) {
        self.clientKey = clientKey; self.hostRandom = hostRandom
    }

    public init(body: [UInt8]) throws(ControlPacketError) {
        guard body.count >= 66 else { throw .truncated("response", body.count) }
        guard body[0] == 1, body[1] == 2 else { throw .unexpectedType(body[0], body[1]) }
        clientKey = Array(body[2..<34])
        hostRandom = Array(body[34..<66])
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [1, 2] + clientKey + hostRandom
        out.append(contentsOf: repeatElement(0, count: Self.bodyLength - out.count))
        return out
    }
}

/// A control-channel payload, by its type byte.
public enum ControlMessage: Sendable, Equatable {
    case poke(Poke)
    case response(ControlResponse)

    public init(payload: [UInt8]) throws(ControlPacketError) {
        guard payload.count >= 2 else { throw .truncated("control packet", payload.count) }
        switch payload[1] {
        case 1: self = .poke(try Poke(body: payload))
        case 2: self = .response(try ControlResponse(body: payload))
        default: throw .unexpectedType(payload[0], payload[1])
        }
    }
}

public enum ControlPacketError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(String, Int)
    case unexpectedType(UInt8, UInt8)

    /// Where in the payload the packet stops making sense: its type bytes, or the end.
    public var offset: Int {
        switch self {
        case .truncated(_, let n): return n
        case .unexpectedType: return 0
        }
    }

    public var description: String {
        switch self {
        case .truncated(let what, let n): return "\(what) truncated to \(n) bytes"
        case .unexpectedType(let a, let b): return "unknown control packet type \(a).\(b)"
        }
    }
}

/// The target's first data packet after the handshake: 8 zero bytes, then the host's
/// IPv4 address with its bytes reversed. WinDbg answers it with a KD RESEND.
public struct ConnectionCheck: Sendable, Equatable {
    public static let length = 12
    public var hostIPv4: [UInt8]

    public init(hostIPv4: [UInt8]) { self.hostIPv4 = hostIPv4 }

    public init?(payload: some Collection<UInt8>) {
        guard payload.count == Self.length, payload.prefix(8).allSatisfy({ $0 == 0 }) else { return nil }
        hostIPv4 = payload.dropFirst(8).reversed()
    }

    public func encoded() -> [UInt8] { [UInt8](repeating: 0, count: 8) + hostIPv4.reversed() }
}

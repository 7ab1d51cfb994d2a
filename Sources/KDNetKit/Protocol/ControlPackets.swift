import Foundation

/// An address and port as carried inside control packets: a 16-byte IPv6 field
/// (IPv4 travels as `::ffff:a.b.c.d`) and a big-endian port.
public struct KDNetEndpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    public var address: [UInt8]
    public var port: UInt16

    public init(address: [UInt8], port: UInt16) {
        precondition(address.count == 16)
        self.address = address; self.port = port
    }

    /// From text: an IPv4 address is stored IPv4-mapped.
    public init?(_ text: String, port: UInt16) {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let b = withUnsafeBytes(of: v4) { Array($0) }
            self.init(address: [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + b, port: port)
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(address: withUnsafeBytes(of: v6) { Array($0) }, port: port)
        } else {
            return nil
        }
    }

    public static let zero = KDNetEndpoint(address: [UInt8](repeating: 0, count: 16), port: 0)

    public var isZero: Bool { port == 0 && address.allSatisfy { $0 == 0 } }

    public var ipv4: [UInt8]? {
        address.prefix(10).allSatisfy({ $0 == 0 }) && address[10] == 0xFF && address[11] == 0xFF ? Array(address[12...]) : nil
    }

    /// The address alone, IPv4-mapped addresses shown as dotted IPv4.
    public var addressText: String {
        if let v4 = ipv4 { return v4.map(String.init).joined(separator: ".") }
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: address) }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &v6, &buf, socklen_t(buf.count))
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { ipv4 != nil ? "\(addressText):\(port)" : "[\(addressText)]:\(port)" }

    func encoded() -> [UInt8] { address + [UInt8(port >> 8), UInt8(port & 0xFF)] }

    init(bytes: ArraySlice<UInt8>) {
        let s = bytes.startIndex
        self.init(address: Array(bytes[s..<s + 16]), port: UInt16(bytes[s + 16]) << 8 | UInt16(bytes[s + 17]))
    }
}

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

    public init?(payload: [UInt8]) {
        guard payload.count == Self.length, payload[0..<8].allSatisfy({ $0 == 0 }) else { return nil }
        hostIPv4 = payload[8..<12].reversed()
    }

    public func encoded() -> [UInt8] { [UInt8](repeating: 0, count: 8) + hostIPv4.reversed() }
}

import Foundation

extension IPAddress.Family {
    /// The nftables family whose tables see this family's packets (besides `inet`).
    var nftFamily: String { self == .ipv4 ? "ip" : "ip6" }
}

/// The datagram whose fate is asked: a new inbound UDP flow to `port`. Unknown fields
/// (interface, addresses, source port) make the rules that test them branch both ways.
public struct InboundPacket: Sendable, Codable, Equatable {
    public var family: IPAddress.Family
    public var port: Int
    public var interface: InterfaceName?
    public var source: IPAddress?
    public var destination: IPAddress?
    public var sourcePort: Int?

    public init(port: Int, interface: InterfaceName? = nil, source: IPAddress? = nil, destination: IPAddress? = nil,
                sourcePort: Int? = nil, family: IPAddress.Family? = nil) {
        self.port = port
        self.interface = interface
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        let known = (source ?? destination)?.family
        self.family = family ?? known ?? .ipv4
    }
}

/// What the packet shows for one of nftables' left-hand expressions.
enum PacketValue {
    case number(Int)
    case string(String)
    case address(IPAddress)
    case proto(String, Int)
    case flags([String])
    /// No --interface: some interface, but not loopback (the target is another machine).
    case someInterface
    /// The header is not there (`tcp dport` on a UDP packet): the match fails.
    case absent
    /// Not known from the command line; the reason says which flag would tell.
    case unknown(String)
    /// An expression the evaluator does not understand.
    case unsupported(String)
}

extension InboundPacket {
    func value(of left: JSONValue) -> PacketValue {
        guard let (kind, body) = left.tagged else { return .unsupported(left.compact) }
        switch kind {
        case "meta":
            switch body["key"]?.string {
            case "iifname", "iif":
                return interface.map { .string($0.text) } ?? .someInterface
            case "l4proto": return .proto("udp", 17)
            case "nfproto": return .string(family.rawValue)
            case "protocol": return .string(family == .ipv4 ? "ip" : "ip6")
            case "iiftype": return .unknown("the input interface type")
            default: return .unsupported("meta \(body["key"]?.string ?? "?")")
            }
        case "payload":
            return payload(protocol: body["protocol"]?.string, field: body["field"]?.string)
        case "ct":
            switch body["key"]?.string {
            case "state": return .flags(["new"])
            case "direction": return .string("original")
            default: return .unsupported("ct \(body["key"]?.string ?? "?")")
            }
        case "fib":
            // On the input hook the destination is this machine, so its type is local.
            if body["result"]?.string == "type", body["flags"]?.array?.compactMap(\.string) == ["daddr"] { return .string("local") }
            return .unsupported("fib \(RuleText.value(body["flags"] ?? .null)) \(body["result"]?.string ?? "")")
        default:
            return .unsupported(kind)
        }
    }

    private func payload(protocol p: String?, field f: String?) -> PacketValue {
        func addr(_ a: IPAddress?, _ what: String) -> PacketValue {
            a.map { .address($0) } ?? .unknown("the \(what) address (pass --\(what))")
        }
        switch (p, f) {
        case ("ip", _) where family != .ipv4, ("ip6", _) where family != .ipv6: return .absent
        case ("ip", "saddr"), ("ip6", "saddr"): return addr(source, "source")
        case ("ip", "daddr"), ("ip6", "daddr"): return addr(destination, "destination")
        case ("ip", "protocol"), ("ip6", "nexthdr"): return .proto("udp", 17)
        case ("ip", "version"): return .number(4)
        case ("ip6", "version"): return .number(6)
        case ("udp", "dport"), ("th", "dport"): return .number(port)
        case ("udp", "sport"), ("th", "sport"):
            return sourcePort.map { .number($0) } ?? .unknown("the source port (pass --source-port)")
        case ("tcp", _), ("icmp", _), ("icmpv6", _), ("sctp", _), ("dccp", _), ("udplite", _), ("esp", _), ("ah", _):
            return .absent
        default:
            return .unsupported("\(p ?? "raw payload") \(f ?? "")")
        }
    }
}

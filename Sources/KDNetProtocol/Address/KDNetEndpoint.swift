/// An address and port as carried inside control packets: a 16-byte IPv6 field
/// (IPv4 travels as `::ffff:a.b.c.d`) and a big-endian port. Only the wire form:
/// sessions and sockets speak `Endpoint`, and convert at the packet's edge.
public struct KDNetEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var address: [UInt8]
    public var port: UInt16

    public init(address: [UInt8], port: UInt16) {
        precondition(address.count == 16)
        self.address = address; self.port = port
    }

    /// The wire form of `endpoint`: IPv4 mapped, the zone dropped (the field has no room for it).
    public init(_ endpoint: Endpoint) {
        self.init(address: endpoint.address.mappedBytes, port: endpoint.port)
    }

    public static let zero = KDNetEndpoint(address: [UInt8](repeating: 0, count: 16), port: 0)

    public var isZero: Bool { port == 0 && address.allSatisfy { $0 == 0 } }

    /// The endpoint this names; an IPv4-mapped address as the IPv4 address it stands for.
    public var endpoint: Endpoint { Endpoint(address: IPAddress(bytes: address)!.unmapped, port: port) }

    public var description: String { endpoint.description }

    package func encoded() -> [UInt8] { address + [UInt8(port >> 8), UInt8(port & 0xFF)] }

    package init(bytes: ArraySlice<UInt8>) {
        let s = bytes.startIndex
        self.init(address: Array(bytes[s..<s + 16]), port: UInt16(bytes[s + 16]) << 8 | UInt16(bytes[s + 17]))
    }
}

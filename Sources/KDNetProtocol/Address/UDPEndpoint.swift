/// A UDP address and port seen in a capture: `Endpoint`'s fixed-size form, so that
/// following millions of datagrams costs no allocation per packet.
public struct UDPEndpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var address: PacketAddress
    public var port: UInt16

    public init(address: PacketAddress, port: UInt16) { self.address = address; self.port = port }

    public init(_ endpoint: Endpoint) { self.init(address: PacketAddress(endpoint.address), port: endpoint.port) }

    public init?(_ address: String, port: UInt16) {
        guard let a = PacketAddress(address) else { return nil }
        self.init(address: a, port: port)
    }

    public var endpoint: Endpoint { Endpoint(address: address.ipAddress, port: port) }

    public var description: String { Endpoint.text(address: address.description, isIPv4: address.isIPv4, port: port) }

    /// Two words, not four: the table of targets hashes an endpoint for every datagram.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(address.low)
        hasher.combine(address.high ^ UInt64(port) << 1 ^ (address.isIPv4 ? 1 : 0))
    }

    public static func < (a: UDPEndpoint, b: UDPEndpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }
}

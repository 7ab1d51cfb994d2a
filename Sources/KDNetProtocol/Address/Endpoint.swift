/// An address and port: what sockets, sessions and reports speak in. `fe80::1%eth0`
/// keeps its zone, so a reply to a link-local peer leaves by the interface it came in on.
public struct Endpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    public let address: IPAddress
    public let port: UInt16

    public init(address: IPAddress, port: UInt16) { self.address = address; self.port = port }

    /// From an address as `IPAddress` reads it (a zone allowed) and a port.
    public init?(_ address: String, port: UInt16) {
        guard let a = IPAddress(address) else { return nil }
        self.init(address: a, port: port)
    }

    public var family: IPAddress.Family { address.family }

    /// `192.0.2.1:50000`, `[fe80::1%eth0]:50000`: brackets keep an IPv6 address apart from its port.
    public var description: String { Self.text(address: address.description, isIPv4: address.isIPv4, port: port) }

    /// The one way an address and port are written, for the endpoint types that hold their address otherwise.
    static func text(address: String, isIPv4: Bool, port: UInt16) -> String {
        isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }
}

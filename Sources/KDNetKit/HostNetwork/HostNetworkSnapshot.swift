/// This host's interfaces, addresses and routes at one moment, read with libnl.
public struct HostNetworkSnapshot: Sendable, Codable, Hashable {
    public var interfaces: [HostInterface]
    public var routes: [HostRoute]

    public init(interfaces: [HostInterface], routes: [HostRoute]) {
        self.interfaces = interfaces
        self.routes = routes
    }

    /// The interface holding `address` (either family; a zone is ignored), if this host owns it.
    public func interface(owning address: IPAddress) -> HostInterface? {
        let wanted = address.unscoped
        return interfaces.first { $0.addresses.contains { $0.address.unscoped == wanted } }
    }

    public func interface(named name: String) -> HostInterface? {
        interfaces.first { $0.name == name }
    }

    /// How traffic to `destination` leaves this host, by `RouteLookup` over
    /// the main table (a zone, `fe80::1%eth1`, keeps it to that interface's routes).
    public func route(to destination: IPAddress) -> RouteAnswer? {
        if let local = interface(owning: destination) {
            return RouteAnswer(destination: destination, interface: local.name, gateway: nil,
                               directlyConnected: true, isLocal: true, route: nil,
                               sourceAddress: destination)
        }
        guard let index = RouteLookup.bestIndex(for: destination, in: routes.map(RouteEntry.init)) else { return nil }
        let best = routes[index]
        let source = best.preferredSource ?? sourceAddress(on: best.interface, towards: destination)
        return RouteAnswer(destination: destination, interface: best.interface, gateway: best.gateway,
                           directlyConnected: best.gateway == nil, isLocal: false, route: best,
                           sourceAddress: source)
    }

    /// The address Linux would pick on `name` for `destination`: one whose subnet holds it,
    /// else the first non-link-local one, else any.
    func sourceAddress(on name: String, towards destination: IPAddress) -> IPAddress? {
        guard let iface = interface(named: name) else { return nil }
        let same = iface.addresses.filter { $0.family == destination.family }
        if let onLink = same.first(where: { destination.isIn($0.address, prefixLength: $0.prefixLength) }) {
            return onLink.address
        }
        return (same.first { !$0.isLinkLocal } ?? same.first)?.address
    }

    /// Default routes, lowest metric first.
    public var defaultRoutes: [HostRoute] {
        routes.filter(\.isDefault).sorted { ($0.family == .ipv4 ? 0 : 1, $0.metric) < ($1.family == .ipv4 ? 0 : 1, $1.metric) }
    }
}

public struct HostInterface: Sendable, Codable, Hashable {
    public var name: String
    public var index: Int
    public var mac: String?
    public var mtu: Int
    /// The kernel's operstate: up, down, unknown (loopback, dummy), lowerlayerdown, ...
    public var link: String
    public var adminUp: Bool
    public var isLoopback: Bool
    /// libnl's link type (veth, bridge, dummy, ...), nil for plain hardware.
    public var linkType: String?
    public var addresses: [InterfaceAddress]
}

public struct InterfaceAddress: Sendable, Codable, Hashable {
    public let address: IPAddress
    public var prefixLength: Int
    /// The address's, kept for the JSON.
    public let family: IPAddress.Family
    /// host, link, global, ...
    public var scope: String

    public init(address: IPAddress, prefixLength: Int, scope: String) {
        self.address = address; self.prefixLength = prefixLength; self.family = address.family; self.scope = scope
    }

    public var isLinkLocal: Bool { address.isLinkLocal }
    /// The subnet, as `192.0.2.0/24`.
    public var network: String { address.network(prefixLength: prefixLength) }
}

/// One route of the main table: traffic to `network/prefixLength` leaves by `interface`.
public struct HostRoute: Sendable, Codable, Hashable {
    /// The network part only (host bits zero), without a zone.
    public var network: IPAddress
    public var prefixLength: Int
    public var gateway: IPAddress?
    public var interface: String
    public var metric: UInt32
    public var preferredSource: IPAddress?

    public init(network: IPAddress, prefixLength: Int, gateway: IPAddress? = nil, interface: String,
                metric: UInt32 = 0, preferredSource: IPAddress? = nil) {
        self.network = network.masked(prefixLength: prefixLength); self.prefixLength = prefixLength
        self.gateway = gateway; self.interface = interface; self.metric = metric; self.preferredSource = preferredSource
    }

    public var family: IPAddress.Family { network.family }
    public var isDefault: Bool { prefixLength == 0 }
    /// "default" or the network, as 192.0.2.0/24: what `ip route` shows.
    public var destination: String { isDefault ? "default" : network.network(prefixLength: prefixLength) }

    private enum CodingKeys: String, CodingKey {
        case destination, network, prefixLength, family, gateway, interface, metric, preferredSource
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(network: try c.decode(IPAddress.self, forKey: .network),
                  prefixLength: try c.decode(Int.self, forKey: .prefixLength),
                  gateway: try c.decodeIfPresent(IPAddress.self, forKey: .gateway),
                  interface: try c.decode(String.self, forKey: .interface),
                  metric: try c.decode(UInt32.self, forKey: .metric),
                  preferredSource: try c.decodeIfPresent(IPAddress.self, forKey: .preferredSource))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(destination, forKey: .destination)
        try c.encode(network, forKey: .network)
        try c.encode(prefixLength, forKey: .prefixLength)
        try c.encode(family, forKey: .family)
        try c.encode(gateway, forKey: .gateway)
        try c.encode(interface, forKey: .interface)
        try c.encode(metric, forKey: .metric)
        try c.encode(preferredSource, forKey: .preferredSource)
    }
}

/// Which way a destination leaves this host.
public struct RouteAnswer: Sendable, Codable, Hashable {
    public var destination: IPAddress
    public var interface: String
    public var gateway: IPAddress?
    /// On the interface's own subnet: no router between host and destination.
    public var directlyConnected: Bool
    /// The destination is one of this host's own addresses.
    public var isLocal: Bool
    public var route: HostRoute?
    /// The host address the destination would see traffic come from.
    public var sourceAddress: IPAddress?
}

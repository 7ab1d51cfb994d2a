/// This host's interfaces, addresses and routes at one moment, read with libnl.
public struct HostNetworkSnapshot: Sendable, Codable, Hashable {
    public var interfaces: [HostInterface]
    public var routes: [HostRoute]

    public init(interfaces: [HostInterface], routes: [HostRoute]) {
        self.interfaces = interfaces
        self.routes = routes
    }

    /// The interface holding `address` (as text, either family), if this host owns it.
    public func interface(owning address: String) -> HostInterface? {
        guard let ip = IPAddress(address)?.unscoped else { return nil }
        return interfaces.first { $0.addresses.contains { IPAddress($0.address)?.unscoped == ip } }
    }

    public func interface(named name: String) -> HostInterface? {
        interfaces.first { $0.name == name }
    }

    /// How traffic to `destination` leaves this host, by `RouteLookup` over
    /// the main table (a zone, `fe80::1%eth1`, keeps it to that interface's routes).
    public func route(to destination: String) -> RouteAnswer? {
        guard let ip = IPAddress(destination) else { return nil }
        if let local = interface(owning: destination) {
            return RouteAnswer(destination: ip.description, interface: local.name, gateway: nil,
                               directlyConnected: true, isLocal: true, route: nil,
                               sourceAddress: ip.description)
        }
        let table = routes.compactMap { r in RouteEntry(r).map { (entry: $0, route: r) } }
        guard let index = RouteLookup.bestIndex(for: ip, in: table.map(\.entry)) else { return nil }
        let best = table[index].route
        let source = best.preferredSource ?? sourceAddress(on: best.interface, towards: ip)
        return RouteAnswer(destination: ip.description, interface: best.interface, gateway: best.gateway,
                           directlyConnected: best.gateway == nil, isLocal: false, route: best,
                           sourceAddress: source)
    }

    /// The address Linux would pick on `name` for `destination`: one whose subnet holds it,
    /// else the first non-link-local one, else any.
    func sourceAddress(on name: String, towards destination: IPAddress) -> String? {
        guard let iface = interface(named: name) else { return nil }
        let same = iface.addresses.filter { $0.family == destination.family }
        if let onLink = same.first(where: { a in
            IPAddress(a.address).map { destination.isIn($0, prefixLength: a.prefixLength) } ?? false
        }) { return onLink.address }
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
    public var address: String
    public var prefixLength: Int
    public var family: IPAddress.Family
    /// host, link, global, ...
    public var scope: String

    public var isLinkLocal: Bool { IPAddress(address)?.isLinkLocal ?? false }
    public var network: String { IPAddress(address)?.network(prefixLength: prefixLength) ?? address }
}

public struct HostRoute: Sendable, Codable, Hashable {
    /// "default" or the network, as 192.0.2.0/24.
    public var destination: String
    public var network: String
    public var prefixLength: Int
    public var family: IPAddress.Family
    public var gateway: String?
    public var interface: String
    public var metric: UInt32
    public var preferredSource: String?

    public var isDefault: Bool { prefixLength == 0 }

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
    public var destination: String
    public var interface: String
    public var gateway: String?
    /// On the interface's own subnet: no router between host and destination.
    public var directlyConnected: Bool
    /// The destination is one of this host's own addresses.
    public var isLocal: Bool
    public var route: HostRoute?
    /// The host address the destination would see traffic come from.
    public var sourceAddress: String?
}

import Foundation

/// One route: traffic to `prefix/length` leaves by `interface`, through `gateway` when
/// there is one (none means the destination is on that link).
public struct RouteEntry: Sendable, Equatable, Codable {
    public var prefix: IPAddress
    public var length: Int
    public var interface: String
    public var gateway: IPAddress?
    public var metric: Int

    public init(prefix: IPAddress, length: Int, interface: String, gateway: IPAddress? = nil, metric: Int = 0) {
        self.prefix = prefix; self.length = length; self.interface = interface
        self.gateway = gateway; self.metric = metric
    }
}

/// Where routes come from: `NetlinkRouteSource` (libnl) on a live host, fixed lists in tests.
public protocol RouteSource: Sendable {
    func routes() throws -> [RouteEntry]
}

/// The route lookup every command shares (the probes, the doctor, `kdnetctl host`).
public enum RouteLookup {
    /// The routes that cover `target`: same family, prefix matching, and for a scoped
    /// IPv6 address (`%if`) only routes of that interface.
    public static func candidates(for target: IPAddress, in routes: [RouteEntry]) -> [RouteEntry] {
        routes.filter {
            $0.prefix.family == target.family && target.isIn(prefix: $0.prefix, length: $0.length)
                && (target.scope == nil || $0.interface == target.scope)
        }
    }

    /// Where the route lookup lands in `routes`: longest prefix wins, then the lowest
    /// metric, as the kernel's main table does (policy rules are not followed).
    public static func bestIndex(for target: IPAddress, in routes: [RouteEntry]) -> Int? {
        let covering = candidates(for: target, in: routes)
        guard let best = covering.min(by: { a, b in a.length != b.length ? a.length > b.length : a.metric < b.metric }) else { return nil }
        return routes.firstIndex(of: best)
    }
}

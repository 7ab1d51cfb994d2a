/// Routes for the probes and the doctor, read with libnl like `kdnetctl host` does, so
/// every command sees the same table. The host's own addresses come first as host
/// routes (the kernel's local table, which /proc/net/route does not show), so a target
/// address that is this host's own is not mistaken for one behind a router.
public struct NetlinkRouteSource: RouteSource {
    public init() {}

    public func routes() throws -> [RouteEntry] {
        Self.entries(from: try HostNetwork.snapshot())
    }

    public static func entries(from snapshot: HostNetworkSnapshot) -> [RouteEntry] {
        let local = snapshot.interfaces.flatMap { interface in
            interface.addresses.map { a in
                RouteEntry(prefix: a.address.unscoped, length: a.address.bitCount, interface: interface.name)
            }
        }
        return local + snapshot.routes.map(RouteEntry.init(_:))
    }
}

extension RouteEntry {
    /// A route of the main table as the route lookup takes it.
    init(_ route: HostRoute) {
        self.init(prefix: route.network, length: route.prefixLength, interface: route.interface,
                  gateway: route.gateway, metric: Int(route.metric))
    }
}

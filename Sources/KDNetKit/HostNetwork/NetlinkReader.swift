import CNetlink
import Foundation

/// Reads links, addresses and routes from the kernel through libnl's caches. Every libnl
/// pointer stays in this file.
enum NetlinkReader {
    static func snapshot() throws -> HostNetworkSnapshot {
        guard let sock = nl_socket_alloc() else { throw HostNetworkError.netlink("cannot allocate a netlink socket") }
        defer { nl_socket_free(sock) }
        try check(nl_connect(sock, NETLINK_ROUTE), "connect")

        var linkCache: OpaquePointer?
        try check(rtnl_link_alloc_cache(sock, AF_UNSPEC, &linkCache), "read links")
        defer { nl_cache_free(linkCache) }
        var addrCache: OpaquePointer?
        try check(rtnl_addr_alloc_cache(sock, &addrCache), "read addresses")
        defer { nl_cache_free(addrCache) }
        var routeCache: OpaquePointer?
        try check(rtnl_route_alloc_cache(sock, AF_UNSPEC, 0, &routeCache), "read routes")
        defer { nl_cache_free(routeCache) }

        var addresses: [Int: [InterfaceAddress]] = [:]
        forEach(addrCache) { a in
            guard let local = rtnl_addr_get_local(a), let ip = ipAddress(local) else { return }
            var scope = [CChar](repeating: 0, count: 32)
            rtnl_scope2str(rtnl_addr_get_scope(a), &scope, scope.count)
            addresses[Int(rtnl_addr_get_ifindex(a)), default: []].append(
                InterfaceAddress(address: ip, prefixLength: Int(rtnl_addr_get_prefixlen(a)), scope: string(scope)))
        }

        var interfaces: [HostInterface] = []
        var names: [Int: String] = [:]
        forEach(linkCache) { l in
            let index = Int(rtnl_link_get_ifindex(l))
            let name = rtnl_link_get_name(l).map { String(cString: $0) } ?? "if\(index)"
            names[index] = name
            let flags = rtnl_link_get_flags(l)
            var state = [CChar](repeating: 0, count: 32)
            rtnl_link_operstate2str(rtnl_link_get_operstate(l), &state, state.count)
            interfaces.append(HostInterface(
                name: name, index: index, mac: rtnl_link_get_addr(l).flatMap(mac),
                mtu: Int(rtnl_link_get_mtu(l)), link: string(state),
                adminUp: flags & UInt32(IFF_UP) != 0,
                isLoopback: flags & UInt32(IFF_LOOPBACK) != 0,
                linkType: rtnl_link_get_type(l).map { String(cString: $0) },
                addresses: addresses[index] ?? []))
        }

        var routes: [HostRoute] = []
        forEach(routeCache) { r in
            // Only the main table's unicast routes: the local table holds the host's own
            // addresses, which `interface(owning:)` answers.
            guard rtnl_route_get_table(r) == UInt32(RT_TABLE_MAIN.rawValue),
                  rtnl_route_get_type(r) == UInt8(RTN_UNICAST), rtnl_route_get_nnexthops(r) > 0,
                  let dst = rtnl_route_get_dst(r) else { return }
            guard let family = IPAddress.Family(socketFamily: Int32(rtnl_route_get_family(r))) else { return }
            let hop = rtnl_route_nexthop_n(r, 0)
            let ifindex = Int(rtnl_route_nh_get_ifindex(hop))
            routes.append(HostRoute(
                network: ipAddress(dst) ?? .unspecified(family), prefixLength: Int(nl_addr_get_prefixlen(dst)),
                gateway: rtnl_route_nh_get_gateway(hop).flatMap(ipAddress),
                interface: names[ifindex] ?? "if\(ifindex)", metric: rtnl_route_get_priority(r),
                preferredSource: rtnl_route_get_pref_src(r).flatMap(ipAddress)))
        }
        return HostNetworkSnapshot(interfaces: interfaces.sorted { $0.index < $1.index }, routes: routes)
    }

    /// The kernel's neighbour table (ARP for IPv4, NDP for IPv6): the link-layer address
    /// of `address`, when the kernel has a usable entry for it.
    static func neighbourMAC(for address: IPAddress) throws -> String? {
        guard let sock = nl_socket_alloc() else { throw HostNetworkError.netlink("cannot allocate a netlink socket") }
        defer { nl_socket_free(sock) }
        try check(nl_connect(sock, NETLINK_ROUTE), "connect")
        var cache: OpaquePointer?
        try check(rtnl_neigh_alloc_cache(sock, &cache), "read neighbours")
        defer { nl_cache_free(cache) }
        let wanted = address.unscoped
        // An incomplete or failed entry holds no address worth reporting.
        let unusable = Int32(NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP)
        var found: String?
        forEach(cache) { n in
            guard found == nil, let dst = rtnl_neigh_get_dst(n), ipAddress(dst) == wanted,
                  rtnl_neigh_get_state(n) & unusable == 0, let ll = rtnl_neigh_get_lladdr(n) else { return }
            found = mac(ll)
        }
        return found
    }

    private static func check(_ rc: Int32, _ what: String) throws {
        if rc < 0 { throw HostNetworkError.netlink("\(what): \(String(cString: nl_geterror(rc)))") }
    }

    /// Walks a cache without a capturing C callback: libnl objects are plain pointers here.
    private static func forEach(_ cache: OpaquePointer?, _ body: (OpaquePointer) -> Void) {
        var object = nl_cache_get_first(cache)
        while let o = object {
            body(o)
            object = nl_cache_get_next(o)
        }
    }

    private static func ipAddress(_ addr: OpaquePointer) -> IPAddress? {
        let len = Int(nl_addr_get_len(addr))
        guard len == 4 || len == 16, let raw = nl_addr_get_binary_addr(addr) else { return nil }
        return IPAddress(bytes: Array(UnsafeRawBufferPointer(start: raw, count: len)))
    }

    private static func mac(_ addr: OpaquePointer) -> String? {
        let len = Int(nl_addr_get_len(addr))
        guard len == 6, let raw = nl_addr_get_binary_addr(addr) else { return nil }
        return UnsafeRawBufferPointer(start: raw, count: len).map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: ":")
    }

    private static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

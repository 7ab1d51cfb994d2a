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

/// Where routes come from. /proc for now; the libnl host discovery can stand in later.
public protocol RouteSource: Sendable {
    func routes() throws -> [RouteEntry]
}

/// Reads the main table from /proc/net/route and /proc/net/ipv6_route.
public struct ProcRouteSource: RouteSource {
    public var procRoot: String
    public init(procRoot: String = "/proc") { self.procRoot = procRoot }

    public func routes() throws -> [RouteEntry] {
        var out: [RouteEntry] = []
        if let v4 = try? String(contentsOfFile: "\(procRoot)/net/route", encoding: .utf8) { out += Self.parseIPv4(v4) }
        if let v6 = try? String(contentsOfFile: "\(procRoot)/net/ipv6_route", encoding: .utf8) { out += Self.parseIPv6(v6) }
        return out
    }

    static let rtfUp = 0x0001, rtfReject = 0x0200

    /// `Iface Destination Gateway Flags RefCnt Use Metric Mask ...`, addresses as
    /// little-endian hex words; rejected and down routes are left out.
    public static func parseIPv4(_ text: String) -> [RouteEntry] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard f.count >= 8, let flags = Int(f[3], radix: 16), flags & rtfUp != 0, flags & rtfReject == 0,
                  let dest = PortOwnership.procAddress(f[1]), let gw = PortOwnership.procAddress(f[2]),
                  let mask = PortOwnership.procAddress(f[7]), let metric = Int(f[6]) else { return nil }
            let length = mask.bytes.reduce(0) { $0 + $1.nonzeroBitCount }
            return RouteEntry(prefix: dest, length: length, interface: String(f[0]),
                              gateway: gw.isUnspecified ? nil : gw, metric: metric)
        }
    }

    /// `dest plen src splen nexthop metric refcnt use flags iface`, addresses as plain hex;
    /// the local table's own-address and multicast routes are left out.
    public static func parseIPv6(_ text: String) -> [RouteEntry] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 10, let d = [UInt8](hex: f[0]), let dest = IPAddress(bytes: d),
                  let length = Int(f[1], radix: 16), let n = [UInt8](hex: f[4]), let hop = IPAddress(bytes: n),
                  let metric = UInt32(f[5], radix: 16), let flags = Int(f[8], radix: 16),
                  flags & rtfUp != 0, flags & rtfReject == 0, f[9] != "lo" else { return nil }
            if dest.bytes[0] == 0xff { return nil }
            return RouteEntry(prefix: dest, length: length, interface: String(f[9]),
                              gateway: hop.isUnspecified ? nil : hop, metric: Int(metric))
        }
    }
}

/// Whether a target is on a directly connected subnet or behind a router.
public struct RouteReport: Codable, Sendable {
    public var target: IPAddress
    public var route: RouteEntry?
    public var directlyConnected: Bool
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?
}

public enum RouteDecision {
    /// Longest prefix wins, then the lowest metric; a scoped IPv6 address (`%if`) only
    /// takes routes of that interface. `hostAddress`, when known, is checked for being
    /// link-local too: either end on 169.254/16 or fe80::/10 cannot cross a router.
    public static func decide(target: IPAddress, routes: [RouteEntry], hostAddress: IPAddress? = nil) -> RouteReport {
        let candidates = routes.filter {
            $0.prefix.isIPv4 == target.isIPv4 && target.isIn(prefix: $0.prefix, length: $0.length)
                && (target.scope == nil || $0.interface == target.scope)
        }
        let best = candidates.min { a, b in a.length != b.length ? a.length > b.length : a.metric < b.metric }
        guard let best else {
            return RouteReport(target: target, route: nil, directlyConnected: false, verdict: .fail,
                               cause: "no route to \(target): this machine has no interface or gateway for it",
                               fix: "connect this machine to the target's network, or give the target an address in one of this machine's subnets")
        }
        let direct = best.gateway == nil
        let links = Set(candidates.filter { $0.length == best.length }.map(\.interface))
        if !target.isIPv4, target.isLinkLocal, target.scope == nil, links.count > 1 {
            return RouteReport(target: target, route: best, directlyConnected: true, verdict: .warn,
                               cause: "\(target) is link-local and could be on any of \(links.sorted().joined(separator: ", "))",
                               fix: "name the interface: \(target)%\(links.sorted()[0])")
        }
        let linkLocal = [target, hostAddress].compactMap { $0 }.filter(\.isLinkLocal)
        if !direct, !linkLocal.isEmpty {
            return RouteReport(target: target, route: best, directlyConnected: false, verdict: .fail,
                               cause: "\(linkLocal.map(\.description).joined(separator: " and ")) \(linkLocal.count == 1 ? "is" : "are") link-local (APIPA) but \(target) is reached through the router \(best.gateway!); link-local addresses never cross a router",
                               fix: "plug host and target into the same switch, or give the target a DHCP address (KDNET falls back to APIPA when DHCP fails)")
        }
        if direct {
            return RouteReport(target: target, route: best, directlyConnected: true, verdict: .pass,
                               cause: "\(target) is on a directly connected subnet (\(best.prefix)/\(best.length) on \(best.interface))", fix: nil)
        }
        return RouteReport(target: target, route: best, directlyConnected: false, verdict: .warn,
                           cause: "\(target) is behind the router \(best.gateway!) (via \(best.interface)): KDNET works across routers only with routable (DHCP or static) addresses and UDP allowed all the way",
                           fix: "if the target falls back to a link-local (169.254.x.x) address it will not be reachable; prefer putting both on one subnet")
    }
}

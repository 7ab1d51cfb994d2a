import Foundation

/// Whether a target is on a directly connected subnet or behind a router.
public struct RouteReport: Codable, Sendable {
    public var target: IPAddress
    public var route: RouteEntry?
    public var directlyConnected: Bool
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?
}

/// The probe's verdict on the route to a target.
public enum RouteDecision {
    /// Finds the route as `RouteLookup` does. `hostAddress`, when known, is checked for
    /// being link-local too: either end on 169.254/16 or fe80::/10 cannot cross a router.
    public static func decide(target: IPAddress, routes: [RouteEntry], hostAddress: IPAddress? = nil) -> RouteReport {
        let candidates = RouteLookup.candidates(for: target, in: routes)
        guard let best = RouteLookup.bestIndex(for: target, in: candidates).map({ candidates[$0] }) else {
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

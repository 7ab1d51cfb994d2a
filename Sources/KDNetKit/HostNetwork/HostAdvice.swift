/// The answer of `kdnetctl host`: every interface, the routes, and which address to give
/// the target as `hostip`, with the reasons.
public struct HostAdvice: Sendable, Codable {
    public struct Interface: Sendable, Codable, Hashable {
        public var name: String
        public var index: Int
        public var mac: String?
        public var mtu: Int
        public var link: String
        public var adminUp: Bool
        public var loopback: Bool
        public var linkType: String?
        public var addresses: [InterfaceAddress]
        /// Whether its addresses may be recommended.
        public var candidate: Bool
        /// Why it is or is not a candidate.
        public var note: String
    }

    public struct Recommendation: Sendable, Codable, Hashable {
        public var address: IPAddress
        public var interface: String
        public var reason: String
    }

    public var interfaces: [Interface]
    public var routes: [HostRoute]
    public var target: IPAddress?
    public var routeToTarget: RouteAnswer?
    public var recommended: Recommendation?
    public var warnings: [String]


    /// Reads the host and advises; `target` is the target's address when known.
    public static func advise(target: IPAddress? = nil, includeVirtual: Bool = false) throws -> HostAdvice {
        HostAdvice(snapshot: try HostNetwork.snapshot(), target: target, includeVirtual: includeVirtual)
    }

    public init(snapshot: HostNetworkSnapshot, target: IPAddress?, includeVirtual: Bool) {
        self.routes = snapshot.routes
        self.target = target
        self.interfaces = snapshot.interfaces.map { Self.judge($0, includeVirtual: includeVirtual) }
        var warnings: [String] = []
        let candidates = Set(interfaces.filter(\.candidate).map(\.name))
        var pick: Recommendation?

        if let t = self.target {
            let answer = snapshot.route(to: t)
            routeToTarget = answer
            if let a = answer, a.isLocal {
                warnings.append("\(t) is an address of this host (\(a.interface)), not of a separate target; give the target machine's address to --target")
            } else if let a = answer, !candidates.contains(a.interface) {
                let why = interfaces.first { $0.name == a.interface }?.note ?? "not usable"
                warnings.append("the route to \(t) leaves through \(a.interface), which was skipped (\(why))"
                    + (HostNetwork.virtualKind(of: a.interface) != nil ? "; pass --include-virtual if the target is a VM behind it" : ""))
            } else if let a = answer, let source = a.sourceAddress {
                let path = a.directlyConnected
                    ? "on its subnet, directly connected"
                    : "via gateway \(a.gateway.map(\.description) ?? "?"): the target needs a routable (DHCP) address, since link-local ones do not cross routers"
                pick = Recommendation(address: source, interface: a.interface,
                                      reason: "the route to the target \(t) leaves through \(a.interface) (\(path)); \(source) is that interface's address the target will reach")
            } else if answer == nil {
                warnings.append("no route to \(t) on this host; the recommendation below ignores the target")
            }
        } else {
            routeToTarget = nil
        }

        // With no usable route to the target, the default route is still the best guess.
        if pick == nil {
            let defaults = snapshot.defaultRoutes
            if let d = defaults.first(where: { candidates.contains($0.interface) }),
               let gw = d.gateway,
               let source = d.preferredSource ?? snapshot.sourceAddress(on: d.interface, towards: gw) {
                pick = Recommendation(address: source, interface: d.interface,
                                      reason: (self.target == nil ? "" : "no usable route to \(self.target!); ") + "the default route leaves through \(d.interface) via \(gw); \(source) is that interface's address, the one a target on the same network reaches")
            } else if let d = defaults.first, !warnings.contains(where: { $0.contains("leaves through \(d.interface)") }) {
                warnings.append("the default route leaves through \(d.interface), which was skipped (\(interfaces.first { $0.name == d.interface }?.note ?? "not usable"))")
            }
        }

        let usable = interfaces.filter(\.candidate).flatMap { i in i.addresses.map { (i.name, $0) } }
        let ipv4 = usable.filter { $0.1.family == .ipv4 }
        if pick == nil {
            // Without a route to go by, any physical interface's address will do; routable
            // IPv4 first, since hostip is IPv4 and hostipv6 needs Windows 10 1809 or later.
            let ordered = ipv4.filter { !$0.1.isLinkLocal } + ipv4.filter { $0.1.isLinkLocal }
                + usable.filter { $0.1.family == .ipv6 && !$0.1.isLinkLocal }
            if let (name, a) = ordered.first {
                pick = Recommendation(address: a.address, interface: name,
                                      reason: (self.target == nil ? "no usable default route" : "no usable route to \(self.target!)")
                                        + "; \(a.address) on \(name) is the first address of an interface that is up and not virtual")
            }
        }

        if let p = pick, p.address.isLinkLocal {
            warnings.append("\(p.address) is link-local (\(p.address.family == .ipv4 ? "169.254.0.0/16" : "fe80::/10")), the only kind of address \(p.interface) has: link-local addresses are never routed, so host and target must be plugged into the same switch or hub (the target falls back to one when it gets no DHCP address)")
        }
        let subnets = Set(ipv4.filter { !$0.1.isLinkLocal }.map { $0.1.network })
        if subnets.count > 1 {
            warnings.append("this host has addresses on \(subnets.count) subnets (\(subnets.sorted().joined(separator: ", "))): the target must be on the subnet of the recommended address; pass --target ADDR to choose by the route to it")
        }
        if pick == nil {
            warnings.append("no usable address: no interface is up with an address outside loopback and container/VM bridges; connect the host to the target's network (or pass --include-virtual for a VM target)")
        }
        recommended = pick
        self.warnings = warnings
    }

    static func judge(_ i: HostInterface, includeVirtual: Bool) -> Interface {
        var candidate = false
        let note: String
        if i.isLoopback {
            note = "loopback: a target never reaches it"
        } else if let kind = HostNetwork.virtualKind(of: i.name), !includeVirtual {
            note = "\(kind) (by its name); --include-virtual uses it"
        } else if !i.adminUp || i.link == "down" || i.link == "lowerlayerdown" || i.link == "notpresent" {
            note = "link is \(i.adminUp ? i.link : "administratively down")"
        } else if i.addresses.isEmpty {
            note = "no IP address"
        } else {
            candidate = true
            note = HostNetwork.virtualKind(of: i.name) != nil ? "virtual, used because of --include-virtual" : "up with an address"
        }
        return Interface(name: i.name, index: i.index, mac: i.mac, mtu: i.mtu, link: i.link, adminUp: i.adminUp,
                         loopback: i.isLoopback, linkType: i.linkType, addresses: i.addresses,
                         candidate: candidate, note: note)
    }
}

import Foundation
import Testing
@testable import KDNetKit

@Suite struct HostNetworkTests {
    static func iface(_ name: String, _ index: Int, _ addrs: [(String, Int)], link: String = "up", loopback: Bool = false) -> HostInterface {
        HostInterface(name: name, index: index, mac: "02:00:00:00:00:0\(index)", mtu: 1500, link: link, adminUp: true,
                      isLoopback: loopback, linkType: nil,
                      addresses: addrs.map { a in
                          let ip = IPAddress(a.0)!
                          return InterfaceAddress(address: ip, prefixLength: a.1, scope: ip.isLinkLocal ? "link" : "global")
                      })
    }

    static func route(_ dest: String, _ len: Int, via gw: String?, dev: String, metric: UInt32 = 0) -> HostRoute {
        HostRoute(network: IPAddress(dest)!, prefixLength: len, gateway: gw.map { IPAddress($0)! }, interface: dev, metric: metric)
    }

    static let snapshot = HostNetworkSnapshot(
        interfaces: [
            iface("lo", 1, [("127.0.0.1", 8)], link: "unknown", loopback: true),
            iface("enp3s0", 2, [("198.51.100.10", 24), ("fe80::1", 64)]),
            iface("virbr0", 3, [("192.0.2.1", 24)]),
            iface("enp4s0", 4, [("203.0.113.5", 24)]),
        ],
        routes: [
            route("0.0.0.0", 0, via: "198.51.100.1", dev: "enp3s0", metric: 100),
            route("0.0.0.0", 0, via: "203.0.113.1", dev: "enp4s0", metric: 600),
            route("198.51.100.0", 24, via: nil, dev: "enp3s0"),
            route("192.0.2.0", 24, via: nil, dev: "virbr0"),
            route("203.0.113.0", 24, via: nil, dev: "enp4s0"),
            route("203.0.113.128", 25, via: "198.51.100.254", dev: "enp3s0"),
        ])

    /// The snapshot's lookup is `RouteDecision`'s: a zone keeps a link-local
    /// destination to its interface's routes, whatever the metrics say.
    @Test func routeLookupHonoursTheZone() throws {
        let s = HostNetworkSnapshot(
            interfaces: [Self.iface("eth0", 2, [("fe80::1", 64)]), Self.iface("eth1", 3, [("fe80::2", 64)])],
            routes: [Self.route("fe80::", 64, via: nil, dev: "eth0", metric: 100),
                     Self.route("fe80::", 64, via: nil, dev: "eth1", metric: 256)])
        #expect(try #require(s.route(to: IPAddress("fe80::99%eth1")!)).interface == "eth1")
        #expect(try #require(s.route(to: IPAddress("fe80::99%eth1")!)).sourceAddress == IPAddress("fe80::2"))
        #expect(try #require(s.route(to: IPAddress("fe80::99")!)).interface == "eth0")
        #expect(s.route(to: IPAddress("fe80::99%eth7")!) == nil)
    }

    @Test func prefixesCompareBitByBit() {
        let a = IPAddress("203.0.113.200")!
        #expect(a.isIn(IPAddress("203.0.113.128")!, prefixLength: 25))
        #expect(!a.isIn(IPAddress("203.0.113.0")!, prefixLength: 25))
        #expect(IPAddress("169.254.3.4")!.isLinkLocal && IPAddress("fe80::abcd%eth0")!.isLinkLocal)
        #expect(!IPAddress("fec0::1")!.isLinkLocal)
        #expect(IPAddress("2001:db8::1")!.network(prefixLength: 32) == "2001:db8::/32")
        #expect(IPAddress("300.1.1.1") == nil)
    }

    @Test func routeLookupUsesLongestPrefixAndMetric() throws {
        let s = Self.snapshot
        let lan = try #require(s.route(to: IPAddress("198.51.100.77")!))
        #expect(lan.interface == "enp3s0" && lan.directlyConnected && lan.sourceAddress == IPAddress("198.51.100.10"))
        let more = try #require(s.route(to: IPAddress("203.0.113.200")!))
        #expect(more.interface == "enp3s0" && more.gateway == IPAddress("198.51.100.254") && !more.directlyConnected)
        let near = try #require(s.route(to: IPAddress("203.0.113.9")!))
        #expect(near.interface == "enp4s0" && near.directlyConnected && near.sourceAddress == IPAddress("203.0.113.5"))
        let far = try #require(s.route(to: IPAddress("8.8.8.8")!))
        #expect(far.gateway == IPAddress("198.51.100.1")) // metric 100 beats 600
        #expect(s.route(to: IPAddress("2001:db8::1")!) == nil)
        #expect(s.route(to: IPAddress("198.51.100.10")!)?.isLocal == true)
        #expect(s.interface(owning: IPAddress("fe80::1")!)?.name == "enp3s0")
        #expect(s.interface(owning: IPAddress("10.9.9.9")!) == nil)
    }

    /// Routes carry parsed addresses but print as `ip route` does: "default" or the
    /// network as text, addresses as their text, an absent gateway as null.
    @Test func routesKeepTheirJSONText() throws {
        let onLink = Self.route("203.0.113.200", 25, via: nil, dev: "enp3s0")
        #expect(onLink.network == IPAddress("203.0.113.128") && onLink.destination == "203.0.113.128/25")
        let json = try JSONOutput.string([Self.route("0.0.0.0", 0, via: "198.51.100.1", dev: "enp3s0", metric: 100), onLink])
        #expect(json.contains(#""destination" : "default""#))
        #expect(json.contains(#""destination" : "203.0.113.128/25""#) && json.contains(#""network" : "203.0.113.128""#))
        #expect(json.contains(#""gateway" : "198.51.100.1""#) && json.contains(#""gateway" : null"#))
        #expect(json.contains(#""family" : "ipv4""#) && json.contains(#""preferred_source" : null"#))
        let back = try JSONDecoder().decode([HostRoute].self, from: JSONEncoder().encode([onLink]))
        #expect(back == [onLink])
        let address = InterfaceAddress(address: IPAddress("fe80::1")!, prefixLength: 64, scope: "link")
        let text = try JSONOutput.string(address)
        #expect(text.contains(#""address" : "fe80::1""#) && text.contains(#""family" : "ipv6""#))
        #expect(address.network == "fe80::/64" && address.isLinkLocal)
    }

    @Test func adviceFollowsTheDefaultRouteAndExplainsSkips() throws {
        let a = HostAdvice(snapshot: Self.snapshot, target: nil, includeVirtual: false)
        #expect(a.recommended?.address == IPAddress("198.51.100.10") && a.recommended?.interface == "enp3s0")
        #expect(a.recommended!.reason.contains("default route"))
        #expect(a.interfaces.first { $0.name == "virbr0" }?.candidate == false)
        #expect(a.interfaces.first { $0.name == "lo" }?.note.contains("loopback") == true)
        #expect(a.warnings.contains { $0.contains("2 subnets") })
    }

    @Test func adviceForATargetBehindAVMBridge() throws {
        let skipped = HostAdvice(snapshot: Self.snapshot, target: IPAddress("192.0.2.50"), includeVirtual: false)
        #expect(skipped.warnings.contains { $0.contains("--include-virtual") })
        #expect(skipped.recommended?.address != IPAddress("192.0.2.1"))
        let used = HostAdvice(snapshot: Self.snapshot, target: IPAddress("192.0.2.50"), includeVirtual: true)
        #expect(used.recommended?.address == IPAddress("192.0.2.1") && used.routeToTarget?.directlyConnected == true)
    }

    @Test func linkLocalOnlyWarnsAboutTheSwitch() throws {
        let s = HostNetworkSnapshot(interfaces: [Self.iface("eth0", 2, [("169.254.7.7", 16)])], routes: [])
        let a = HostAdvice(snapshot: s, target: nil, includeVirtual: false)
        #expect(a.recommended?.address == IPAddress("169.254.7.7"))
        #expect(a.warnings.contains { $0.contains("same switch") })
    }

    @Test func nothingUsableIsSaid() throws {
        let s = HostNetworkSnapshot(interfaces: [Self.iface("lo", 1, [("127.0.0.1", 8)], loopback: true),
                                                 Self.iface("eth0", 2, [("198.51.100.3", 24)], link: "down")], routes: [])
        let a = HostAdvice(snapshot: s, target: nil, includeVirtual: false)
        #expect(a.recommended == nil)
        #expect(a.warnings.contains { $0.contains("no usable address") })
        #expect(a.interfaces[1].note == "link is down")
    }

    @Test func aTargetIsAnAddressWithAZoneOfThisHost() throws {
        #expect(throws: IPAddressError.malformed("host.example")) { try IPAddress.parse("host.example") }
        #expect(throws: IPAddressError.unknownZone("fe80::1%nonexist0", "nonexist0")) { try IPAddress.parse("fe80::1%nonexist0") }
        #expect(try IPAddress.parse("fe80::1%lo").scopeIndex != 0)
    }

    @Test func liveSnapshotHasLoopback() throws {
        let s = try HostNetwork.snapshot()
        let lo = try #require(s.interfaces.first { $0.isLoopback })
        #expect(lo.addresses.contains { $0.address == IPAddress("127.0.0.1") })
        #expect(s.interface(owning: IPAddress("127.0.0.1")!)?.name == lo.name)
    }
}

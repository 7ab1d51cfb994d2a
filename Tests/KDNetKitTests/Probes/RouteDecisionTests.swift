import Foundation
import Testing
@testable import KDNetKit

@Suite struct RouteDecisionTests {
    func route(_ p: String, _ len: Int, _ dev: String, via: String? = nil, metric: Int = 0) -> RouteEntry {
        RouteEntry(prefix: IPAddress(p)!, length: len, interface: dev, gateway: via.flatMap(IPAddress.init), metric: metric)
    }

    var table: [RouteEntry] {
        [route("0.0.0.0", 0, "eth0", via: "192.168.1.1", metric: 100),
         route("0.0.0.0", 0, "wlan0", via: "10.0.0.1", metric: 600),
         route("192.168.1.0", 24, "eth0"),
         route("169.254.0.0", 16, "eth1"),
         route("fe80::", 64, "eth0"),
         route("fe80::", 64, "eth1"),
         route("::", 0, "eth0", via: "fe80::1")]
    }

    @Test func directlyConnectedSubnetPasses() {
        let r = RouteDecision.decide(target: IPAddress("192.168.1.50")!, routes: table)
        #expect(r.verdict == .pass && r.directlyConnected)
        #expect(r.route?.interface == "eth0")
    }

    @Test func behindARouterWarnsAndLowestMetricWins() {
        let r = RouteDecision.decide(target: IPAddress("172.16.5.5")!, routes: table)
        #expect(r.verdict == .warn && !r.directlyConnected)
        #expect(r.route?.gateway == IPAddress("192.168.1.1"))
    }

    @Test func linkLocalAcrossARouterFails() {
        let noLocalRoute = table.filter { $0.prefix != IPAddress("169.254.0.0")! }
        let r = RouteDecision.decide(target: IPAddress("169.254.3.4")!, routes: noLocalRoute)
        #expect(r.verdict == .fail)
        #expect(r.cause.contains("link-local"))
        let hostSide = RouteDecision.decide(target: IPAddress("172.16.5.5")!, routes: table, hostAddress: IPAddress("169.254.9.9"))
        #expect(hostSide.verdict == .fail)
    }

    @Test func linkLocalOnItsOwnLinkPasses() {
        #expect(RouteDecision.decide(target: IPAddress("169.254.3.4")!, routes: table).verdict == .pass)
        #expect(RouteDecision.decide(target: IPAddress("fe80::5%eth1")!, routes: table).route?.interface == "eth1")
        let ambiguous = RouteDecision.decide(target: IPAddress("fe80::5")!, routes: table)
        #expect(ambiguous.verdict == .warn && ambiguous.fix?.contains("%eth") == true)
    }

    @Test func noRouteFails() {
        let r = RouteDecision.decide(target: IPAddress("8.8.8.8")!, routes: [route("192.168.1.0", 24, "eth0")])
        #expect(r.verdict == .fail && r.route == nil)
    }

    @Test func netlinkRoutesIncludeTheHostsOwnAddresses() {
        let routes = NetlinkRouteSource.entries(from: HostNetworkTests.snapshot)
        let own = RouteDecision.decide(target: IPAddress("127.0.0.1")!, routes: routes)
        #expect(own.directlyConnected && own.verdict == .pass && own.route?.interface == "lo")
        let lan = RouteDecision.decide(target: IPAddress("198.51.100.77")!, routes: routes)
        #expect(lan.directlyConnected && lan.route?.interface == "enp3s0" && lan.route?.length == 24)
        let far = RouteDecision.decide(target: IPAddress("203.0.113.200")!, routes: routes)
        #expect(!far.directlyConnected && far.route?.gateway == IPAddress("198.51.100.254"))
        let internet = RouteDecision.decide(target: IPAddress("8.8.4.4")!, routes: routes)
        #expect(internet.route?.gateway == IPAddress("198.51.100.1") && internet.route?.metric == 100)
    }
}

@Suite struct PortOwnershipTests {
    let udp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
          417: 00000000:C350 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 91234 2 0000000000000000 0
          418: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 555 2 0000000000000000 0
        """
    let udp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
          100: 00000000000000000000000001000000:C351 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 777 2 0000000000000000 0
        """

    @Test func procNetUDPParses() {
        let v4 = PortOwnership.parseProcNetUDP(udp)
        #expect(v4.map(\.local.description) == ["0.0.0.0:50000", "127.0.0.1:53"])
        #expect(v4.map(\.inode) == [91234, 555])
        #expect(v4[1].uid == 101)
        let v6 = PortOwnership.parseProcNetUDP(udp6)
        #expect(v6.map(\.local.description) == ["[::1]:50001"])
    }

    @Test func holdersAreFoundThroughFdLinks() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kdt-proc-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("net"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("4242/fd"), withIntermediateDirectories: true)
        try udp.write(to: root.appendingPathComponent("net/udp"), atomically: true, encoding: .utf8)
        try udp6.write(to: root.appendingPathComponent("net/udp6"), atomically: true, encoding: .utf8)
        try "dnsmasq\n".write(to: root.appendingPathComponent("4242/comm"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("4242/fd/7").path, withDestinationPath: "socket:[91234]")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("4242/fd/8").path, withDestinationPath: "/dev/null")

        let held = try PortOwnership.check(port: 50000, procRoot: root.path)
        #expect(!held.free && held.verdict == .fail)
        #expect(held.holders.first?.pid == 4242 && held.holders.first?.command == "dnsmasq")
        #expect(held.fix?.contains("kill 4242") == true)
        let unowned = try PortOwnership.check(port: 50001, procRoot: root.path)
        #expect(unowned.holders.first?.pid == nil && unowned.holders.first?.uid == 1000)
        let free = try PortOwnership.check(port: 50002, procRoot: root.path)
        #expect(free.free && free.verdict == .pass)
        #expect(throws: ProbeInputError.badPort(70000)) { try PortOwnership.check(port: 70000, procRoot: root.path) }
    }
}

@Suite struct IPAddressTests {
    @Test func parsesAndPrints() {
        #expect(IPAddress("192.168.001.1") == nil)
        #expect(IPAddress("10.0.0.1")?.description == "10.0.0.1")
        #expect(IPAddress("[fe80::1%eth0]")?.scope == "eth0")
        #expect(IPAddress("::ffff:10.1.2.3")?.unmapped.description == "10.1.2.3")
        #expect(IPAddress("169.254.1.1")!.isLinkLocal && IPAddress("fe9f::1")!.isLinkLocal && !IPAddress("fec0::1")!.isLinkLocal)
        #expect(IPAddress("10.1.2.3")!.isIn(prefix: IPAddress("10.0.0.0")!, length: 8))
        #expect(!IPAddress("10.1.2.3")!.isIn(prefix: IPAddress("10.1.2.0")!, length: 31))
        #expect(throws: IPAddressError.malformed("nope")) { try IPAddress.parse("nope") }
    }
}

import Foundation
@testable import KDNetKit

/// Fixed facts for the doctor: each is what the live machine would have answered.
struct FakeDoctorEnvironment: DoctorEnvironment {
    struct Missing: Error, LocalizedError { var errorDescription: String? { "not available in this test" } }

    var snapshot: HostNetworkSnapshot? = FakeDoctorEnvironment.host
    var holders: [PortOwnershipReport.Holder] = []
    var ruleset: Result<NftRuleset, FirewallError> = .success(try! NftRuleset(json: Data(#"{"nftables": []}"#.utf8)))
    var routeTable: [RouteEntry] = [RouteEntry(prefix: IPAddress("10.77.0.0")!, length: 24, interface: "eth1")]
    var answers: Int? = 3
    var traffic = ObservedTraffic()

    func hostNetwork() throws -> HostNetworkSnapshot {
        guard let snapshot else { throw Missing() }
        return snapshot
    }
    func portOwnership(port: Int) throws -> PortOwnershipReport {
        PortOwnership.report(port: port, holders: holders, sawAll: true)
    }
    func firewallRuleset() throws -> NftRuleset { try ruleset.get() }
    func routes() throws -> [RouteEntry] { routeTable }
    func ping(_ target: IPAddress, count: Int, timeout: Double, onEvent: (PingEvent) -> Void) throws -> PingReport {
        guard let answers else { return Pinger.refusedReport(target: target, count: count, range: "1 0") }
        for seq in 0..<count {
            onEvent(.sent(seq: seq))
            if seq < answers { onEvent(.reply(seq: seq, rttMs: 0.5)) }
        }
        return Pinger.report(target: target, method: .pingSocket, sent: count, rtts: Array(repeating: 0.5, count: min(answers, count)))
    }
    func watchTraffic(port: Int, seconds: Double, classifier: TrafficClassifier,
                      onTick: (Double, ObservedTraffic) -> Void) throws -> ObservedTraffic {
        onTick(seconds, ObservedTraffic())
        return traffic
    }

    static func iface(_ name: String, _ index: Int, _ addrs: [(String, Int)], loopback: Bool = false) -> HostInterface {
        HostInterface(name: name, index: index, mac: nil, mtu: 1500, link: "up", adminUp: true, isLoopback: loopback, linkType: nil,
                      addresses: addrs.map { a in
                          let ip = IPAddress(a.0)!
                          return InterfaceAddress(address: ip, prefixLength: a.1, scope: ip.isLinkLocal ? "link" : "global")
                      })
    }

    static let host = HostNetworkSnapshot(
        interfaces: [iface("lo", 1, [("127.0.0.1", 8)], loopback: true),
                     iface("eth1", 2, [("10.77.0.1", 24), ("169.254.7.1", 16)])],
        routes: [])

    static func ruleset(_ nft: String) -> NftRuleset {
        let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("nft")
        return try! NftRuleset(json: Data(contentsOf: dir.appendingPathComponent("\(nft).json")))
    }
}

import Foundation

/// Where the checks get the facts they judge. The live one reads this machine; tests
/// hand in fixed facts to reach every verdict without touching the network.
public protocol DoctorEnvironment: Sendable {
    func hostNetwork() throws -> HostNetworkSnapshot
    func portOwnership(port: Int) throws -> PortOwnershipReport
    func firewallRuleset() throws -> NftRuleset
    func routes() throws -> [RouteEntry]
    func ping(_ target: IPAddress, count: Int, timeout: Double, onEvent: (PingEvent) -> Void) throws -> PingReport
    /// Receives on `port` for `seconds` without ever answering, classifying each datagram.
    func watchTraffic(port: Int, seconds: Double, classifier: TrafficClassifier,
                      onTick: (_ secondsLeft: Double, ObservedTraffic) -> Void) throws -> ObservedTraffic
}

/// This machine, now.
public struct LiveDoctorEnvironment: DoctorEnvironment {
    public init() {}
    public func hostNetwork() throws -> HostNetworkSnapshot { try HostNetwork.snapshot() }
    public func portOwnership(port: Int) throws -> PortOwnershipReport { try PortOwnership.check(port: port) }
    public func firewallRuleset() throws -> NftRuleset { try NftablesReader.liveRuleset() }
    public func routes() throws -> [RouteEntry] { try ProcRouteSource().routes() }
    public func ping(_ target: IPAddress, count: Int, timeout: Double, onEvent: (PingEvent) -> Void) throws -> PingReport {
        try Pinger.ping(target, count: count, timeout: timeout, onEvent: onEvent)
    }
    public func watchTraffic(port: Int, seconds: Double, classifier: TrafficClassifier,
                             onTick: (_ secondsLeft: Double, ObservedTraffic) -> Void) throws -> ObservedTraffic {
        try TrafficWatch.watch(port: UInt16(port), seconds: seconds, classifier: classifier, onTick: onTick)
    }
}

import Foundation
import Testing
@testable import KDNetKit

/// The evaluator against rulesets printed by real nftables (Fixtures/nft, see its README).
@Suite struct FirewallAnalyzerTests {
    static func ruleset(_ name: String) throws -> NftRuleset {
        let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("nft")
        return try NftRuleset(json: Data(contentsOf: dir.appendingPathComponent("\(name).json")))
    }

    static func verdict(_ name: String, port: Int = 50000, interface: String? = "veth0", source: String? = "10.77.0.2",
                        sourcePort: Int? = nil) throws -> FirewallReport {
        FirewallAnalyzer.verdict(ruleset: try ruleset(name),
                                 packet: InboundPacket(port: port, interface: try interface.map { try InterfaceName(parsing: $0) }, source: source.flatMap(IPAddress.init),
                                                       sourcePort: sourcePort))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var fixture: String
        var port: Int
        var outcome: FirewallReport.Outcome
        var handle: Int?
        var testDescription: String { "\(fixture) port \(port) -> \(outcome)" }
    }

    @Test(arguments: [
        Case(fixture: "accept", port: 50000, outcome: .accepted, handle: 4),
        Case(fixture: "accept", port: 50001, outcome: .dropped, handle: nil),
        Case(fixture: "drop-rule", port: 50000, outcome: .dropped, handle: 2),
        Case(fixture: "drop-rule", port: 50001, outcome: .accepted, handle: nil),
        Case(fixture: "reject-rule", port: 50039, outcome: .rejected, handle: 3),
        Case(fixture: "reject-rule", port: 50040, outcome: .accepted, handle: nil),
        Case(fixture: "policy-drop", port: 50000, outcome: .dropped, handle: nil),
        Case(fixture: "jump", port: 50020, outcome: .accepted, handle: 6),
        Case(fixture: "jump", port: 50040, outcome: .dropped, handle: nil),
        Case(fixture: "other-port", port: 50000, outcome: .dropped, handle: nil),
        Case(fixture: "other-port", port: 50001, outcome: .accepted, handle: 3),
        Case(fixture: "unknown-match", port: 50001, outcome: .accepted, handle: 3),
        Case(fixture: "unknown-match", port: 50002, outcome: .dropped, handle: 5),
    ])
    func outcomes(_ c: Case) throws {
        let r = try Self.verdict(c.fixture, port: c.port)
        #expect(r.outcome == c.outcome)
        #expect(r.decidedBy?.handle == c.handle)
        #expect(r.verdict == (c.outcome == .accepted ? .pass : .fail))
        if c.handle == nil { #expect(r.decidedBy?.byPolicy == true) }
    }

    @Test func droppedNamesTheRuleAndHowToOpenIt() throws {
        let r = try Self.verdict("drop-rule")
        #expect(r.decidedBy?.text == "udp dport 50000 counter drop")
        #expect(r.decidedBy?.chain == "input" && r.decidedBy?.table == "filter" && r.decidedBy?.family == "inet")
        #expect(r.openCommands == ["nft insert rule inet filter input iifname \"veth0\" udp dport 50000 accept"])
        #expect(r.cause.contains("handle 2"))
    }

    @Test func acceptInOneBaseChainDoesNotSaveItFromTheNext() throws {
        let r = try Self.verdict("two-tables", interface: "kdt-prb-vh")
        #expect(r.outcome == .dropped)
        #expect(r.decidedBy?.table == "late")
        #expect(r.chains.count == 2 && r.chains[0].hasPrefix("ip early input (priority -10"))
        #expect(try Self.verdict("two-tables", interface: "eth0").outcome == .accepted)
    }

    @Test func anUnknownInterfaceIsNeverLoopbackButOtherwiseUndetermined() throws {
        #expect(try Self.verdict("accept", interface: nil).outcome == .accepted)
        let r = try Self.verdict("two-tables", interface: nil)
        #expect(r.outcome == .undetermined)
        #expect(r.undeterminedBecause.contains { $0.contains("--interface") })
        #expect(r.verdict == .warn)
    }

    @Test func sourceSetsPrefixesAndGoto() throws {
        #expect(try Self.verdict("source-and-goto", source: "10.77.0.9").outcome == .accepted)
        let outsider = try Self.verdict("source-and-goto", source: "10.78.0.9")
        #expect(outsider.outcome == .rejected)
        #expect(outsider.decidedBy?.chain == "blocked")
        // The opening rule goes into the base chain the packet came through, not the goto target.
        #expect(outsider.openCommands.first?.contains("inet filter input") == true)
        #expect(try Self.verdict("source-and-goto", source: "fe80::4").outcome == .dropped)
        #expect(try Self.verdict("source-and-goto", source: "2001:db8::4").outcome == .accepted)
        #expect(try Self.verdict("source-and-goto", source: nil).outcome == .undetermined)
    }

    @Test func complexRulesetWithRangesNamedSetsAndReturns() throws {
        let known = { (port: Int, source: String, iface: String) in
            try Self.verdict("complex", port: port, interface: iface, source: source, sourcePort: 40000).outcome
        }
        #expect(try known(50003, "10.1.1.1", "eth1") == .accepted)   // prefix + range in an anonymous set
        #expect(try known(50001, "192.0.2.1", "eth1") == .accepted)  // named set @allowed
        #expect(try known(50005, "192.0.2.1", "eth1") == .rejected)  // jump kdnet, no return
        #expect(try known(50007, "192.0.2.1", "eth1") == .dropped)   // kdnet returns, then policy
        #expect(try known(40005, "192.0.2.1", "veth3") == .accepted) // iifname wildcard
        #expect(try known(3, "192.168.2.200", "eth1") == .accepted)  // set of address and prefix
        #expect(try known(3, "192.168.3.200", "eth1") == .dropped)
        let goto = try Self.verdict("complex", port: 50003, interface: "eth1", source: "10.1.1.1", sourcePort: 53)
        #expect(goto.outcome == .dropped && goto.decidedBy?.table == "t2")
    }

    @Test func unknownMatchesBranchAndSayWhy() throws {
        let r = try Self.verdict("unknown-match", port: 50000)
        #expect(r.outcome == .undetermined)
        #expect(r.undeterminedBecause.first?.contains("meta mark") == true)
        #expect(r.openCommands.isEmpty)
    }

    @Test func noRulesetMeansNoFirewall() throws {
        let empty = try NftRuleset(json: Data(#"{"nftables": [{"metainfo": {"version": "1.0.6"}}]}"#.utf8))
        let r = FirewallAnalyzer.verdict(ruleset: empty, packet: InboundPacket(port: 50000))
        #expect(r.outcome == .noFirewall && r.verdict == .pass)
        #expect(r.cause.contains("no firewall"))
        #expect(throws: FirewallError.self) { try NftRuleset(json: Data("[]".utf8)) }
    }

    @Test func everyBlockingChainGetsAnOpeningRule() throws {
        let json = """
            {"nftables": [
             {"table": {"family": "ip", "name": "a", "handle": 1}},
             {"chain": {"family": "ip", "table": "a", "name": "in", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
             {"table": {"family": "ip6", "name": "b", "handle": 2}},
             {"chain": {"family": "ip6", "table": "b", "name": "in", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
             {"table": {"family": "inet", "name": "c", "handle": 3}},
             {"chain": {"family": "inet", "table": "c", "name": "in", "type": "filter", "hook": "input", "prio": 5, "policy": "drop"}}
            ]}
            """
        let rs = try NftRuleset(json: Data(json.utf8))
        let v4 = FirewallAnalyzer.verdict(ruleset: rs, packet: InboundPacket(port: 50000, interface: try InterfaceName(parsing: "eth0")))
        #expect(v4.openCommands == ["nft insert rule ip a in iifname \"eth0\" udp dport 50000 accept",
                                    "nft insert rule inet c in iifname \"eth0\" udp dport 50000 accept"])
        let v6 = FirewallAnalyzer.verdict(ruleset: rs, packet: InboundPacket(port: 50000, source: IPAddress("2001:db8::1")))
        #expect(v6.openCommands.first == "nft insert rule ip6 b in udp dport 50000 accept")
    }

    /// iptables-nft leaves matches it cannot translate as `xt` expressions; hand-written here
    /// because iptables is not installed on the build machine.
    @Test func iptablesCompatMatchesAndQueuesAreUndetermined() throws {
        func ruleset(_ expr: String, policy: String) throws -> NftRuleset {
            try NftRuleset(json: Data("""
                {"nftables": [{"table": {"family": "ip", "name": "filter"}},
                 {"chain": {"family": "ip", "table": "filter", "name": "INPUT", "type": "filter", "hook": "input", "prio": 0, "policy": "\(policy)"}},
                 {"rule": {"family": "ip", "table": "filter", "chain": "INPUT", "handle": 3, "expr": [\(expr)]}}]}
                """.utf8))
        }
        let xt = #"{"xt": {"type": "match", "name": "recent"}}, {"drop": null}"#
        let unsure = FirewallAnalyzer.verdict(ruleset: try ruleset(xt, policy: "accept"), packet: InboundPacket(port: 50000))
        #expect(unsure.outcome == .undetermined)
        #expect(unsure.undeterminedBecause.first?.contains("`xt`") == true)
        // Whichever way the xt match goes, a drop policy drops: that is still an answer.
        #expect(FirewallAnalyzer.verdict(ruleset: try ruleset(xt, policy: "drop"), packet: InboundPacket(port: 50000)).outcome == .dropped)
        let queue = FirewallAnalyzer.verdict(ruleset: try ruleset(#"{"queue": {"num": 1}}"#, policy: "accept"), packet: InboundPacket(port: 50000))
        #expect(queue.outcome == .undetermined)
    }

    @Test func windowsAdviceCoversAllThreeProfiles() {
        let a = WindowsFirewallAdvice(port: 50005)
        #expect(a.netsh.contains("localport=50005 profile=domain,private,public"))
        #expect(a.powershell.contains("-LocalPort 50005") && a.powershell.contains("-Profile Domain,Private,Public"))
        #expect(a.controlPanel.joined().contains("Allow an app through Windows Firewall"))
    }
}

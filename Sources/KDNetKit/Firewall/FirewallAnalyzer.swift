import Foundation

/// A rule the verdict points at, as `nft -a list ruleset` would show it.
public struct NftRuleRef: Codable, Sendable, Equatable {
    public var family: String
    public var table: String
    public var chain: String
    public var handle: Int?
    /// The rule's text, or `policy drop` when the chain's policy decided.
    public var text: String
    public var byPolicy: Bool
}

public struct FirewallReport: Codable, Sendable {
    public enum Outcome: String, Codable, Sendable { case accepted, dropped, rejected, undetermined, noFirewall = "no-firewall" }
    public var packet: InboundPacket
    public var outcome: Outcome
    public var decidedBy: NftRuleRef?
    /// Input base chains in the order the kernel runs them.
    public var chains: [String]
    public var undeterminedBecause: [String]
    public var openCommands: [String]
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?
}

/// Follows an inbound UDP datagram through the input hook chains of a parsed ruleset.
///
/// Rules whose match depends on something unknown (no --interface, a match it does not
/// understand) are followed both ways; when every way ends the same, that is the answer,
/// otherwise the answer is undetermined with the reasons.
public enum FirewallAnalyzer {
    public static func verdict(ruleset: NftRuleset, packet: InboundPacket) -> FirewallReport {
        let chains = ruleset.inputChains(for: packet.family)
        let names = chains.map { "\($0.key.family) \($0.key.table) \($0.key.name) (priority \($0.priority), policy \($0.policy ?? "accept"))" }
        guard !ruleset.isEmpty, !chains.isEmpty else {
            let cause = ruleset.isEmpty ? "no nftables ruleset is loaded: there is no firewall to check"
                                        : "no nftables chain filters the input hook: nothing blocks inbound UDP port \(packet.port)"
            return FirewallReport(packet: packet, outcome: .noFirewall, decidedBy: nil, chains: [], undeterminedBecause: [],
                                  openCommands: [], verdict: .pass, cause: cause, fix: nil)
        }
        var report = evaluate(ruleset: ruleset, chains: chains, packet: packet)
        report.chains = names
        if report.outcome == .dropped || report.outcome == .rejected {
            report.openCommands = openCommands(ruleset: ruleset, chains: chains, packet: packet)
        }
        return describe(report)
    }

    /// The `nft insert` lines that would let the packet in: one per base chain that
    /// blocks it, found by adding each line to a copy of the ruleset and evaluating again.
    static func openCommands(ruleset: NftRuleset, chains: [NftRuleset.Chain], packet: InboundPacket) -> [String] {
        var copy = ruleset
        var commands: [String] = []
        for _ in 0..<8 {
            let r = evaluate(ruleset: copy, chains: copy.inputChains(for: packet.family), packet: packet)
            guard r.outcome == .dropped || r.outcome == .rejected, let by = r.decidedBy else { break }
            let key = baseChain(of: by, chains: copy.inputChains(for: packet.family), ruleset: copy, packet: packet)
            commands.append(NftOpenRule.command(family: key.family, table: key.table, chain: key.name,
                                                interface: packet.interface, ports: [packet.port]))
            var opener: [JSONValue] = [.object(["match": .object(["op": .string("=="),
                "left": .object(["payload": .object(["protocol": .string("udp"), "field": .string("dport")])]),
                "right": .number(Double(packet.port))])]), .object(["accept": .null])]
            if let i = packet.interface {
                opener.insert(.object(["match": .object(["op": .string("=="), "left": .object(["meta": .object(["key": .string("iifname")])]),
                                                         "right": .string(i.text)])]), at: 0)
            }
            copy.chains[key]?.rules.insert(.init(handle: nil, expr: opener), at: 0)
        }
        return commands
    }

    /// The base chain whose traversal ended in `ref` (it may have been reached by a jump).
    private static func baseChain(of ref: NftRuleRef, chains: [NftRuleset.Chain], ruleset: NftRuleset,
                                  packet: InboundPacket) -> NftRuleset.ChainKey {
        for chain in chains {
            let r = evaluate(ruleset: ruleset, chains: [chain], packet: packet)
            if r.decidedBy == ref { return chain.key }
        }
        return .init(family: ref.family, table: ref.table, name: ref.chain)
    }

    static func evaluate(ruleset: NftRuleset, chains: [NftRuleset.Chain], packet: InboundPacket) -> FirewallReport {
        var walker = ChainWalker(ruleset: ruleset, packet: packet)
        // Each base chain's accept only ends that chain; the packet goes on to the next.
        var ends: [ChainWalker.End] = [.init(verdict: .accept, rule: nil, assumed: [])]
        for chain in chains {
            var next: [ChainWalker.End] = []
            for end in ends {
                guard end.verdict == .accept else { next.append(end); continue }
                for exit in walker.walk(chain.key, from: 0) {
                    var e = exit
                    if e.verdict == .returned {
                        let policy: ChainWalker.Verdict = chain.policy == "drop" ? .drop : .accept
                        e = .init(verdict: policy, rule: NftRuleRef(family: chain.key.family, table: chain.key.table,
                                                                    chain: chain.key.name, handle: nil,
                                                                    text: "policy \(chain.policy ?? "accept")", byPolicy: true),
                                  assumed: e.assumed)
                    }
                    e.assumed = end.assumed + e.assumed
                    next.append(e)
                }
            }
            ends = next
        }
        let kinds = Set(ends.map(\.verdict))
        let reasons = Array(Set(ends.flatMap(\.assumed))).sorted()
        var report = FirewallReport(packet: packet, outcome: .undetermined, decidedBy: nil, chains: [], undeterminedBecause: [],
                                    openCommands: [], verdict: .warn, cause: "", fix: nil)
        if walker.exhausted {
            report.undeterminedBecause = ["the ruleset branches too much to follow every way (over \(ChainWalker.budget) steps)"]
        } else if kinds.count == 1, let only = kinds.first, only != .undetermined {
            report.outcome = only == .accept ? .accepted : only == .drop ? .dropped : .rejected
            // The rule that decides on the way where nothing had to be assumed, else on the way
            // where every unknown rule failed to match: that rule decides whatever they do.
            report.decidedBy = (ends.first { $0.assumed.isEmpty } ?? ends.last)?.rule
        } else {
            report.undeterminedBecause = reasons.isEmpty ? ends.compactMap { $0.verdict == .undetermined ? $0.rule?.text : nil } : reasons
        }
        return report
    }

    static func describe(_ r: FirewallReport) -> FirewallReport {
        var r = r
        let what = "inbound UDP port \(r.packet.port)\(r.packet.interface.map { " on \($0)" } ?? "")\(r.packet.source.map { " from \($0)" } ?? "")"
        let rule = r.decidedBy.map { ref in
            ref.byPolicy ? "the \(ref.policy) policy of chain \(ref.family) \(ref.table) \(ref.chain)"
                         : "rule `\(ref.text)` (\(ref.family) \(ref.table) \(ref.chain), handle \(ref.handle.map(String.init) ?? "?"))"
        } ?? "the ruleset"
        switch r.outcome {
        case .accepted:
            r.verdict = .pass
            r.cause = "\(what) is accepted (last decided by \(rule))"
        case .dropped, .rejected:
            r.verdict = .fail
            r.cause = "\(what) is \(r.outcome.rawValue) by \(rule)"
            r.fix = r.openCommands.isEmpty ? "allow UDP port \(r.packet.port) in the input chain"
                : "run `\(r.openCommands.joined(separator: "` then `"))` (and add it to /etc/nftables.conf to keep it after a reboot)"
        case .undetermined:
            r.verdict = .warn
            r.cause = "cannot tell whether \(what) is accepted: \(r.undeterminedBecause.joined(separator: "; "))"
            let flags = r.undeterminedBecause.contains { $0.contains("(pass --") }
            r.fix = flags ? "pass the flags named above to settle what depends on them, or test for real with `kdnetctl probe listen`/`probe send`"
                          : "check those rules by hand, or test for real with `kdnetctl probe listen`/`probe send`"
        case .noFirewall:
            break
        }
        return r
    }
}

extension NftRuleRef {
    fileprivate var policy: String { text.replacingOccurrences(of: "policy ", with: "") }
}

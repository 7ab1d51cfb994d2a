import Foundation

/// Walks the rules of one chain and the chains it jumps to, branching on unknown matches.
struct ChainWalker {
    enum Verdict: Hashable { case accept, drop, reject, returned, undetermined }

    struct End {
        var verdict: Verdict
        var rule: NftRuleRef?
        var assumed: [String]
    }

    static let budget = 20_000
    let ruleset: NftRuleset
    let packet: InboundPacket
    private var steps = 0
    private(set) var exhausted = false

    init(ruleset: NftRuleset, packet: InboundPacket) { self.ruleset = ruleset; self.packet = packet }

    /// Every way the chain can end from rule `index` on; `.returned` means it fell off
    /// the end or hit `return`, so the caller (or the base chain's policy) continues.
    mutating func walk(_ key: NftRuleset.ChainKey, from index: Int, depth: Int = 0) -> [End] {
        steps += 1
        guard steps < Self.budget, depth < 64 else {
            exhausted = true
            return [End(verdict: .undetermined, rule: nil, assumed: ["jumps nest too deep or branch too much"])]
        }
        guard let chain = ruleset.chains[key] else {
            return [End(verdict: .undetermined, rule: nil, assumed: ["the chain \(key.name) is missing"])]
        }
        guard index < chain.rules.count else { return [End(verdict: .returned, rule: nil, assumed: [])] }
        let rule = chain.rules[index]
        let ref = NftRuleRef(family: key.family, table: key.table, chain: key.name, handle: rule.handle,
                             text: RuleText.rule(rule.expr), byPolicy: false)
        switch matches(rule, key) {
        case .no:
            return walk(key, from: index + 1, depth: depth)
        case .yes:
            return act(rule, ref, key, index, depth)
        case .unknown(let why):
            let taken = act(rule, ref, key, index, depth).map { assume($0, "\(why) (rule `\(ref.text)`)") }
            let skipped = walk(key, from: index + 1, depth: depth).map { assume($0, "\(why) (rule `\(ref.text)`)") }
            return taken + skipped
        }
    }

    private func assume(_ e: End, _ why: String) -> End {
        var e = e
        e.assumed.insert(why, at: 0)
        return e
    }

    private func matches(_ rule: NftRuleset.Rule, _ key: NftRuleset.ChainKey) -> Tri {
        let matcher = NftMatch(packet: packet, ruleset: ruleset, family: key.family, table: key.table)
        var result = Tri.yes
        for expr in rule.expr {
            guard let (kind, body) = expr.tagged else { continue }
            let t: Tri
            switch kind {
            case "match": t = matcher.evaluate(body)
            case "accept", "drop", "reject", "jump", "goto", "return", "continue", "queue": continue
            // Statements that neither filter nor decide.
            case "counter", "log", "notrack", "mangle", "ct", "meta", "set", "quota", "dup", "nat", "snat", "dnat",
                 "masquerade", "redirect", "synproxy", "flow", "secmark", "tproxy":
                continue
            case "limit": continue
            default: t = .unknown("kdnetctl does not understand the `\(kind)` expression")
            }
            if t == .no { return .no }
            if case .unknown = t, result == .yes { result = t }
        }
        return result
    }

    private mutating func act(_ rule: NftRuleset.Rule, _ ref: NftRuleRef, _ key: NftRuleset.ChainKey,
                              _ index: Int, _ depth: Int) -> [End] {
        for expr in rule.expr {
            guard let (kind, body) = expr.tagged else { continue }
            switch kind {
            case "accept": return [End(verdict: .accept, rule: ref, assumed: [])]
            case "drop": return [End(verdict: .drop, rule: ref, assumed: [])]
            case "reject": return [End(verdict: .reject, rule: ref, assumed: [])]
            case "return": return [End(verdict: .returned, rule: ref, assumed: [])]
            case "continue": return walk(key, from: index + 1, depth: depth)
            case "queue":
                return [End(verdict: .undetermined, rule: ref, assumed: ["rule `\(ref.text)` hands the packet to a user-space program"])]
            case "jump", "goto":
                guard let target = body["target"]?.string else { continue }
                let sub = NftRuleset.ChainKey(family: key.family, table: key.table, name: target)
                var out: [End] = []
                for end in walk(sub, from: 0, depth: depth + 1) {
                    // A jump comes back to the next rule; a goto returns from this chain too.
                    if end.verdict == .returned && kind == "jump" {
                        out += walk(key, from: index + 1, depth: depth).map { var e = $0; e.assumed = end.assumed + e.assumed; return e }
                    } else {
                        out.append(end)
                    }
                }
                return out
            default: continue
            }
        }
        // No verdict statement (a counter, a log): the packet goes on to the next rule.
        return walk(key, from: index + 1, depth: depth)
    }
}

import Foundation

/// The host firewall's answer for one inbound datagram, worded for a check line: the
/// verdict, its cause and fix, the chains and the deciding rule. Doctor's `firewall` check
/// and `vm check`'s firewall lines each put it under their own name, so neither reaches
/// into the other (the doctor already wraps the VM report).
public struct FirewallJudgement: Sendable, Equatable {
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?
    public var details: [String]

    public init(verdict: CheckVerdict, cause: String, fix: String? = nil, details: [String] = []) {
        self.verdict = verdict; self.cause = cause; self.fix = fix; self.details = details
    }

    /// The ruleset's verdict on `packet`, or why the ruleset could not be judged.
    public init(ruleset: Result<NftRuleset, FirewallError>, packet: InboundPacket) {
        switch ruleset {
        case .success(let r): self.init(FirewallAnalyzer.verdict(ruleset: r, packet: packet))
        case .failure(let e): self.init(unreadable: e)
        }
    }

    public init(_ report: FirewallReport) {
        var details = report.chains.map { "input chain: \($0)" }
        if let rule = report.decidedBy, !rule.byPolicy { details.append("deciding rule: \(rule.text)") }
        details += report.openCommands.map { "to open it: \($0)" }
        self.init(verdict: report.verdict, cause: report.cause, fix: report.fix, details: details)
    }

    public init(unreadable error: FirewallError) {
        switch error {
        case .notPermitted:
            self.init(verdict: .warn, cause: "reading the nftables ruleset needs root (CAP_NET_ADMIN), so the firewall was not checked",
                      fix: "run the doctor with sudo")
        case .listFailed(let why):
            // No nf_tables in this kernel: there is no nftables firewall to check.
            self.init(verdict: .pass, cause: "no firewall to check: nftables is not available (\(why))",
                      details: ["rules loaded with iptables-legacy are not seen; check them with `iptables -L INPUT -n -v`"])
        case .unreadableRuleset:
            self.init(verdict: .warn, cause: "could not read the nftables ruleset: \(error.errorDescription ?? String(describing: error))",
                      fix: "fix the problem named above and run the doctor again")
        }
    }
}

import Foundation

/// Whether the host's firewall lets the target's datagrams in: the nftables verdict
/// with the rule that decides, or on a Windows host the steps to open it.
struct FirewallCheck: DoctorCheck {
    static let name = "firewall"
    var port: Int
    var hostOS: HostOS
    var hostIP: HostAddress?
    var target: IPAddress?

    var activity: String { hostOS == .windows ? "writing the Windows firewall steps" : "reading the nftables ruleset" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        if hostOS == .windows { return [Self.windows(port: port)] }
        // The interface the datagrams arrive on settles rules that test it (iifname).
        let interface = hostIP.flatMap { try? environment.hostNetwork().interface(owning: $0.address)?.name }
            .flatMap { try? InterfaceName(parsing: $0) }
        let packet = InboundPacket(port: port, interface: interface, source: target?.unscoped,
                                   destination: hostIP?.address)
        do {
            return [Self.judge(FirewallAnalyzer.verdict(ruleset: try environment.firewallRuleset(), packet: packet))]
        } catch let error as FirewallError {
            return [Self.unreadable(error)]
        } catch {
            return [.couldNotCheck(Self.name, "read the nftables ruleset", error)]
        }
    }

    static func judge(_ report: FirewallReport) -> DoctorCheckResult { result(FirewallJudgement(report)) }

    static func unreadable(_ error: FirewallError) -> DoctorCheckResult { result(FirewallJudgement(unreadable: error)) }

    static func result(_ j: FirewallJudgement) -> DoctorCheckResult {
        DoctorCheckResult(name: name, verdict: j.verdict, cause: j.cause, fix: j.fix, details: j.details)
    }

    static func windows(port: Int) -> DoctorCheckResult {
        let advice = WindowsFirewallAdvice(port: port)
        let steps = advice.steps.enumerated().map { "\($0.offset + 1). \($0.element)" }
        return DoctorCheckResult(name: name, verdict: .warn,
                                 cause: "the Windows firewall of the debugger's host cannot be read from here; it must allow inbound UDP port \(port) in all three profiles (domain, private, public)",
                                 fix: "on the Windows host, in an elevated prompt: `\(advice.netsh)`",
                                 details: steps + ["cmd: \(advice.netsh)", "PowerShell: \(advice.powershell)"] + advice.controlPanel)
    }
}

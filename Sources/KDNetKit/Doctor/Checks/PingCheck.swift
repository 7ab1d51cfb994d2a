import Foundation

/// Whether the target answers ping. Silence is only a warning: Windows blocks ping by
/// default, and KDNET runs below Windows' firewall anyway.
struct PingCheck: DoctorCheck {
    static let name = "target-ping"
    var target: IPAddress
    var count: Int
    var timeout: Double

    var activity: String { "pinging \(target)" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        var sent = 0, answered = 0
        do {
            let report = try environment.ping(target, count: count, timeout: timeout) { event in
                switch event {
                case .sent: sent += 1
                case .reply: answered += 1
                }
                progress(.pinged(sent: sent, answered: answered, of: count))
            }
            return [Self.judge(report)]
        } catch {
            return [.couldNotCheck(Self.name, "ping \(target)", error)]
        }
    }

    static func judge(_ report: PingReport) -> DoctorCheckResult {
        // Being refused ICMP sockets is this host's limit, not the target's fault.
        if report.refused {
            return DoctorCheckResult(name: name, verdict: .warn, cause: "could not ping \(report.target): \(report.cause)", fix: report.fix)
        }
        var details: [String] = []
        if let method = report.method { details.append("\(report.sent) sent, \(report.received) answered (\(method.rawValue))") }
        if !report.rttMs.isEmpty {
            details.append("round trips: " + report.rttMs.map { String(format: "%.2f ms", $0) }.joined(separator: ", "))
        }
        return DoctorCheckResult(name: name, verdict: report.verdict, cause: report.cause, fix: report.fix, details: details)
    }
}

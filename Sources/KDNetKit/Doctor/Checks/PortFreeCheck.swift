/// The debugger must be able to bind the port: no other program may hold it.
struct PortFreeCheck: DoctorCheck {
    static let name = "port-free"
    var port: Int

    var activity: String { "looking for programs holding UDP port \(port)" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        do {
            return [Self.judge(try environment.portOwnership(port: port))]
        } catch {
            return [.couldNotCheck(Self.name, "see who holds UDP port \(port)", error)]
        }
    }

    static func judge(_ report: PortOwnershipReport) -> DoctorCheckResult {
        var details = report.holders.map { h in
            "held by " + (h.pid.map { "\(h.command ?? "?") (pid \($0), uid \(h.uid))" } ?? "uid \(h.uid)") + " on \(h.local)"
        }
        if !report.free, !report.sawAllProcesses {
            details.append("some processes could not be inspected (not root), so a holder may lack its name")
        }
        return DoctorCheckResult(name: name, verdict: report.verdict, cause: report.cause, fix: report.fix, details: details)
    }
}

/// How the target is reached: directly connected, or behind a router (which a
/// link-local address at either end cannot cross).
struct RouteCheck: DoctorCheck {
    static let name = "route"
    var target: IPAddress
    var hostIP: HostAddress?

    var activity: String { "looking up the route to \(target)" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        do {
            return [Self.judge(target: target, routes: try environment.routes(), hostIP: hostIP)]
        } catch {
            return [.couldNotCheck(Self.name, "read this host's routes", error)]
        }
    }

    static func judge(target: IPAddress, routes: [RouteEntry], hostIP: HostAddress?) -> DoctorCheckResult {
        let report = RouteDecision.decide(target: target, routes: routes, hostAddress: hostIP?.address)
        let details = report.route.map { r in
            ["route: \(r.prefix)/\(r.length) on \(r.interface)" + (r.gateway.map { " via \($0)" } ?? "") + " metric \(r.metric)"]
        }
        return DoctorCheckResult(name: name, verdict: report.verdict, cause: report.cause, fix: report.fix, details: details)
    }
}

/// Runs every check that applies to what it is given and lines up the verdicts:
/// the manual set-up's troubleshooting section, done by the machine.
public enum Doctor {
    public static func run(_ request: DoctorRequest, environment: any DoctorEnvironment = LiveDoctorEnvironment(),
                           progress: (DoctorProgress) -> Void = { _ in }) -> DoctorReport {
        var results: [DoctorCheckResult] = []
        for check in checks(for: request) {
            progress(.checking(check.activity))
            results += check.run(in: environment, progress: progress)
        }
        return DoctorReport(checks: results)
    }

    /// The checks `request` gives enough to run, cheapest first so a slow one comes last.
    static func checks(for request: DoctorRequest) -> [any DoctorCheck] {
        let hint = SettingsHint(request: request)
        var checks: [any DoctorCheck] = []
        if let port = request.port { checks.append(PortPolicyCheck(port: port, hint: hint)) }
        if let key = request.key { checks.append(KeyCheck(key: key, hint: hint)) }
        if let hostIP = request.hostIP { checks.append(HostAddressCheck(hostIP: hostIP, hint: hint, simulatedTargetOnThisHost: request.simulatedTargetOnThisHost)) }
        if let settings = request.dbgSettings {
            checks.append(TargetSettingsCheck(settings: settings, port: request.port, key: request.key,
                                              hostIP: request.hostIP, hint: hint, pciDump: request.pciDump))
        }
        if let port = request.port {
            checks.append(PortFreeCheck(port: port))
            checks.append(FirewallCheck(port: port, hostOS: request.hostOS, hostIP: request.hostIP, target: request.target))
        }
        if let survey = request.nics { checks.append(NICCheck(survey: survey)) }
        if let vm = request.vm { checks.append(VMDoctorCheck(report: vm)) }
        if let target = request.target {
            checks.append(RouteCheck(target: target, hostIP: request.hostIP))
            checks.append(PingCheck(target: target, count: request.pingCount, timeout: request.pingTimeout))
        }
        if let seconds = request.listenSeconds, let port = request.port, let key = request.key {
            checks.append(ListenCheck(port: port, key: key, seconds: seconds, target: request.target, hint: hint,
                                      dhcp: DHCPWait(settings: request.dbgSettings)))
        }
        return checks
    }
}

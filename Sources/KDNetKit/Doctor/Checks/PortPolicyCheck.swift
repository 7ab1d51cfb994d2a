/// The port against the range KDNET accepts (49152-65535) and the one Microsoft
/// recommends (50000-50039); network policy may block others.
struct PortPolicyCheck: DoctorCheck {
    static let name = "port"
    var port: Int
    var hint: SettingsHint

    var activity: String { "checking port \(port)" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        [Self.judge(port: port, hint: hint)]
    }

    static func judge(port: Int, hint: SettingsHint) -> DoctorCheckResult {
        let recommended = "\(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound)"
        let pick = "pick one from \(recommended): \(hint.onTarget(port: DebugPort.recommended.lowerBound, withKey: false)), and run the debugger with the same port"
        guard let debugPort = try? DebugPort(validating: port) else {
            return DoctorCheckResult(name: name, verdict: .fail,
                                     cause: "port \(port) is outside \(DebugPort.accepted.lowerBound)-\(DebugPort.accepted.upperBound), the range KDNET accepts",
                                     fix: pick)
        }
        if let warning = debugPort.policyWarning {
            return DoctorCheckResult(name: name, verdict: .warn, cause: warning,
                                     fix: "ask your network administrators which ports are allowed, or \(pick)")
        }
        return DoctorCheckResult(name: name, verdict: .pass, cause: "port \(port) is in the recommended range \(recommended)")
    }
}

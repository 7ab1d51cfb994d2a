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

    /// Warns, never fails: the doctor may be pointed at another port on purpose; the
    /// commands that set or serve a target's port refuse the same ports (`DebugPort`).
    static func judge(port: Int, hint: SettingsHint) -> DoctorCheckResult {
        let recommended = "\(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound)"
        let pick = "pick one from \(recommended): \(hint.onTarget(port: DebugPort.recommended.lowerBound, withKey: false)), and run the debugger with the same port"
        if let note = DebugPort.note(for: port) {
            guard DebugPort.accepted.contains(port) else {
                return DoctorCheckResult(name: name, verdict: .warn,
                                         cause: "\(note): bcdedit refuses it, so no target sends to it",
                                         fix: pick)
            }
            return DoctorCheckResult(name: name, verdict: .warn, cause: note,
                                     fix: "ask your network administrators which ports are allowed, or \(pick)")
        }
        return DoctorCheckResult(name: name, verdict: .pass, cause: "port \(port) is in the recommended range \(recommended)")
    }
}

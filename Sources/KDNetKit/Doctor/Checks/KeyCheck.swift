/// The key itself: strong enough, and not one copied from Microsoft's documentation.
struct KeyCheck: DoctorCheck {
    static let name = "key"
    var key: DebugKey
    var hint: SettingsHint

    var activity: String { "checking the key" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        [Self.judge(key: key, hint: hint)]
    }

    static func judge(key: DebugKey, hint: SettingsHint) -> DoctorCheckResult {
        let fresh = "make a fresh one with `kdnetctl key generate` and set it \(hint.onTarget())"
        if key == DbgSettingsLint.documentationKey {
            return DoctorCheckResult(name: name, verdict: .warn,
                                     cause: "the key is the one printed in Microsoft's documentation; anyone who read it can debug the target",
                                     fix: fresh)
        }
        if key.isWeak {
            return DoctorCheckResult(name: name, verdict: .warn, cause: KeyReport.weakWarning, fix: fresh)
        }
        return DoctorCheckResult(name: name, verdict: .pass, cause: "the key (\(key.redacted)) is well-formed and strong")
    }
}

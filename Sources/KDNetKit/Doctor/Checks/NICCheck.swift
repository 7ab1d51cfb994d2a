/// Whether the target has a NIC KDNET drives on its Windows: the same verdicts as
/// `kdnetctl nics` and the wizard, judged once in `NICVerdict`.
struct NICCheck: DoctorCheck {
    static let name = "nic"
    var survey: NICSurvey

    var activity: String { "judging the target's NICs for \(survey.windows.release)" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        [Self.judge(survey)]
    }

    static func judge(_ survey: NICSurvey) -> DoctorCheckResult {
        let windows = "\(survey.windows.release) (build \(survey.windows.build))"
        var details = survey.nics.map { "\($0.label): \($0.verdictWord) — \($0.reason)" }
        if let line = survey.bcdedit { details.append("on the target: \(line)") }
        let chosen = survey.nics.first { $0.pciAddress != nil && $0.pciAddress == survey.recommended }
            ?? survey.nics.first(where: \.isSupported)
        guard let chosen else {
            let unknown = survey.nics.first { $0.supported == nil }
            let advice = (unknown ?? survey.nics.first)?.advice
            if survey.nics.isEmpty {
                return DoctorCheckResult(name: name, verdict: .fail, cause: "no network controller found in \(survey.source)",
                                         fix: "give the target's `lspci -xxx` output or its NIC ids from Device Manager", details: details)
            }
            if let unknown {
                return DoctorCheckResult(name: name, verdict: .warn, cause: "no NIC is known to work on \(windows): \(unknown.label) is not known either way",
                                         fix: advice, details: details)
            }
            return DoctorCheckResult(name: name, verdict: .fail, cause: "none of the target's NICs is supported on \(windows)",
                                     fix: advice, details: details)
        }
        var cause = "\(chosen.label) is supported on \(windows)"
        switch chosen.basis {
        case .shippedModule?:
            cause += " through a KDNET module Windows ships, not Microsoft's list"
            if let source = chosen.reportedBy { cause += "; this rests on a public report (\(source))" }
        default:
            cause += " (Microsoft's list)"
        }
        return DoctorCheckResult(name: name, verdict: .pass, cause: cause, fix: nil, details: details)
    }
}

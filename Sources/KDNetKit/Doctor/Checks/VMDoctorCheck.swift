/// `doctor --vm NAME`: the VM's own checks (`kdnetctl vm check`) as lines of the doctor's table,
/// named `vm-<id>`.
struct VMDoctorCheck: DoctorCheck {
    var report: VMCheckReport

    var activity: String { "checking VM \(report.vm.name)" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        Self.results(report)
    }

    static func results(_ report: VMCheckReport) -> [DoctorCheckResult] {
        report.checks.map { c in
            DoctorCheckResult(name: "vm-" + c.id, verdict: c.verdict, cause: c.cause, fix: c.fix,
                              details: c.details + (c.source.map { ["reported by \($0)"] } ?? []))
        }
    }
}

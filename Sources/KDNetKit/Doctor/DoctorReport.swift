/// One line of the doctor's table: what was checked, the verdict, why, and what to do.
public struct DoctorCheckResult: Sendable, Codable, Equatable {
    /// Stable identifier (`port`, `firewall`, `target-key`, ...) for scripts and tests.
    public var name: String
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?
    /// Supporting lines: the rule that decided, the process holding the port, steps to follow.
    public var details: [String]?

    public init(name: String, verdict: CheckVerdict, cause: String, fix: String? = nil, details: [String]? = nil) {
        self.name = name; self.verdict = verdict; self.cause = cause; self.fix = fix
        self.details = details.flatMap { $0.isEmpty ? nil : $0 }
    }
}

public struct DoctorSummary: Sendable, Codable, Equatable {
    public var pass: Int
    public var warn: Int
    public var fail: Int

    public init(_ checks: [DoctorCheckResult]) {
        pass = checks.filter { $0.verdict == .pass }.count
        warn = checks.filter { $0.verdict == .warn }.count
        fail = checks.filter { $0.verdict == .fail }.count
    }
}

/// What `kdnetctl doctor` (and the wizard's host checks) found.
public struct DoctorReport: Sendable, Codable, Equatable {
    /// What was checked when the flags gave no setup; nil when they did.
    public var basis: DoctorBasis?
    public var checks: [DoctorCheckResult]
    public var summary: DoctorSummary

    public init(checks: [DoctorCheckResult], basis: DoctorBasis? = nil) {
        self.basis = basis
        self.checks = checks
        summary = DoctorSummary(checks)
    }

    /// Any failed check makes the doctor exit 1.
    public var failed: Bool { summary.fail > 0 }
    /// The worst verdict of all, pass when nothing was checked.
    public var overall: CheckVerdict { checks.map(\.verdict).max() ?? .pass }

    public func check(named name: String) -> DoctorCheckResult? { checks.first { $0.name == name } }
}

/// The wizard's steps, in the order of Microsoft's manual procedure.
public enum WizardStep: String, Sendable, Codable, CaseIterable {
    case target, host, port, nic, precautions, key, result, checks, connection, summary

    public var number: Int { Self.allCases.firstIndex(of: self)! + 1 }

    public var title: String {
        switch self {
        case .target: return "The target"
        case .host: return "The host"
        case .port: return "The port"
        case .nic: return "The target's network adapter"
        case .precautions: return "Before touching the target"
        case .key: return "The key"
        case .result: return "The target's commands and scripts"
        case .checks: return "Host checks"
        case .connection: return "The connection"
        case .summary: return "Summary"
        }
    }
}

/// What one step did and found; one model for the screen and the JSON record.
public struct StepReport: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case ok, warn, fail, skipped
        /// The piece doing this step is not available in this build.
        case unavailable
    }

    public var step: WizardStep
    public var number: Int
    public var title: String
    public var status: Status
    /// The answers given in this step, by question id.
    public var answers: [String: String]
    /// What was done or found, one fact per line.
    public var lines: [String]
    public var warnings: [String]
    public var notes: [String]

    public init(_ step: WizardStep) {
        self.step = step; number = step.number; title = step.title
        status = .ok; answers = [:]; lines = []; warnings = []; notes = []
    }

    /// Raises the status (ok < warn < fail); skipped and unavailable are set directly.
    public mutating func worsen(to s: Status) {
        let rank: [Status: Int] = [.ok: 0, .skipped: 0, .unavailable: 1, .warn: 1, .fail: 2]
        if rank[s]! > rank[status]! { status = s }
    }
}

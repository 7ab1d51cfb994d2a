/// A file the wizard wrote.
public struct WrittenFile: Sendable, Codable, Equatable {
    public var path: String
    /// Octal, e.g. "0600".
    public var mode: String
    public var purpose: String
}

/// The machine-readable record of a run (`--json`): every step, every choice, the files
/// and the connection. The key appears redacted only; the files hold it.
public struct WizardRecord: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// The target connected with the right key.
        case connected
        /// Everything is set up; the connection was not tried here (WinDbg host, target side, or skipped).
        case setUp = "set-up"
        /// The target did not connect; the connection step says why.
        case notConnected = "not-connected"
    }

    public var mode: String
    public var steps: [StepReport]
    public var choices: [String: String]
    public var files: [WrittenFile]
    public var connection: ConnectionOutcome?
    public var checks: [WizardCheck]
    public var outcome: Outcome
    /// The state file that remembers this setup for the next commands; nil with
    /// `--no-remember`, from the target side, or when it could not be written.
    public var remembered: String?
    /// The lab service's listener.json this target was added to (`lab-service`), if any.
    public var labService: String?

    public init(mode: String) {
        self.mode = mode; steps = []; choices = [:]; files = []; connection = nil; checks = []; outcome = .setUp
    }
}

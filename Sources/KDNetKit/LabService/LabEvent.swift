import Foundation

/// One thing the lab service has to say in its log: a state change, a reboot, a version
/// read, a refused config entry. The command turns each into one log line (text or JSON),
/// so `kind` and the `fields` keys are stable: checks and log processors match on them.
public struct LabEvent: Sendable, Equatable {
    public enum Level: String, Sendable { case debug, info, notice, warning, error }

    public var level: Level
    /// `state`, `reboot`, `version`, `unexpected-source`, `gave-up`, `send-failed`,
    /// `log-write`, `config`, `bind`, `release`, `other-debugger`, `fd-limit`.
    public var kind: String
    /// The target's name from the config, nil for the service as a whole.
    public var target: String?
    /// One line for a person.
    public var message: String
    /// Values a program reads (`state`, `from`, `address`, `port`, `build`, ...).
    public var fields: [String: String]

    public init(_ level: Level, _ kind: String, target: String? = nil, _ message: String, fields: [String: String] = [:]) {
        self.level = level; self.kind = kind; self.target = target; self.message = message; self.fields = fields
    }
}

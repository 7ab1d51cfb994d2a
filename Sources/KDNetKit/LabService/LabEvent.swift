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
    /// Values a program reads (`state`, `from`, `address`, `port`, `build`, ...), typed:
    /// a count is a number and a list a list in the JSON log, never text to be parsed.
    public var fields: [String: Value]

    public init(_ level: Level, _ kind: String, target: String? = nil, _ message: String, fields: [String: Value] = [:]) {
        self.level = level; self.kind = kind; self.target = target; self.message = message; self.fields = fields
    }

    public enum Value: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
        case text(String)
        case integer(Int)
        case flag(Bool)
        case texts([String])
        case integers([Int])

        public init(stringLiteral value: String) { self = .text(value) }
        public init(integerLiteral value: Int) { self = .integer(value) }
        public init(booleanLiteral value: Bool) { self = .flag(value) }
        /// Any integer; one past `Int` (an unlimited `rlim_t`) is `Int.max`.
        public static func number(_ n: some BinaryInteger) -> Value { .integer(Int(clamping: n)) }

        /// The text of a `.text` value, nil for the other kinds.
        public var text: String? { if case .text(let s) = self { s } else { nil } }
    }
}

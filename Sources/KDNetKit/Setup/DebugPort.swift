import Foundation

/// The UDP port a target sends to and the host debugger listens on.
///
/// Microsoft accepts 49152-65535 and recommends 50000-50039; other ports may be
/// blocked by network policy, and nothing on the host can tell whether they are.
public struct DebugPort: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let value: UInt16

    public static let accepted: ClosedRange<Int> = 49152...65535
    public static let recommended: ClosedRange<Int> = 50000...50039
    /// KDNET's fallback (the ICANN-registered debugger port) when the port setting is deleted.
    public static let fallback = 5364
    /// The first recommended port: what a set-up uses when nothing else is asked for.
    public static let defaultPort = DebugPort(unchecked: UInt16(recommended.lowerBound))

    private init(unchecked value: UInt16) { self.value = value }

    /// Accepts any port in 49152-65535; the caller decides what to do with `policyWarning`.
    public init(validating number: Int) throws(PortError) {
        guard Self.accepted.contains(number) else { throw .outOfRange(number) }
        value = UInt16(number)
    }

    public init(parsing text: String) throws(PortError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let number = Int(trimmed) else { throw .notANumber(trimmed) }
        try self.init(validating: number)
    }

    public var isRecommended: Bool { Self.recommended.contains(Int(value)) }

    /// Set when the port is accepted but outside the recommended range.
    public var policyWarning: String? {
        isRecommended ? nil : Self.policyWarning(for: Int(value))
    }

    public static func policyWarning(for number: Int) -> String {
        "port \(number) is outside the recommended \(recommended.lowerBound)-\(recommended.upperBound); your network policy may block it (ask your network administrators, or pick one from \(recommended.lowerBound)-\(recommended.upperBound))"
    }

    /// The one KDNET port policy, for commands that only warn (probe, doctor, vm check):
    /// nil for a recommended port, else what `--port` of a command that sets or serves a
    /// target's port would say (refusal or policy warning).
    public static func note(for number: Int) -> String? {
        guard accepted.contains(number) else { return PortError.outOfRange(number).errorDescription }
        return recommended.contains(number) ? nil : policyWarning(for: number)
    }

    /// The next port up, for the hypervisor debugger (kdnet.exe uses port+1).
    public func next() throws(PortError) -> DebugPort {
        try DebugPort(validating: Int(value) + 1)
    }

    public var description: String { String(value) }
    public static func < (a: DebugPort, b: DebugPort) -> Bool { a.value < b.value }

    public init(from decoder: Decoder) throws {
        let number = try decoder.singleValueContainer().decode(Int.self)
        try self.init(validating: number)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

public enum PortError: Error, Equatable, Sendable, LocalizedError {
    case outOfRange(Int)
    case notANumber(String)

    public var errorDescription: String? {
        let pick = "pick one from \(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound)"
        switch self {
        case .outOfRange(let n):
            return "port \(n) is outside \(DebugPort.accepted.lowerBound)-\(DebugPort.accepted.upperBound); \(pick)"
        case .notANumber(let s):
            return "port '\(s)' is not a number; \(pick)"
        }
    }
}

import Foundation

/// One bcdedit command to run on the target, as an argument list so each shell
/// can quote it its own way.
public struct BcdeditStep: Sendable, Equatable, Codable {
    public var arguments: [String]
    /// What the command does, for the human-readable listing and script comments.
    public var purpose: String

    public init(_ arguments: [String], purpose: String) {
        self.arguments = arguments; self.purpose = purpose
    }

    /// As typed in Command Prompt (braces need no quoting there).
    public var cmdLine: String { (["bcdedit"] + arguments).joined(separator: " ") }

    /// As typed in PowerShell, where `{...}` would be a script block unless quoted.
    public var powershellArguments: String {
        arguments.map { $0.hasPrefix("{") ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    private enum CodingKeys: String, CodingKey { case command, arguments, purpose }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cmdLine, forKey: .command)
        try c.encode(arguments, forKey: .arguments)
        try c.encode(purpose, forKey: .purpose)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        arguments = try c.decode([String].self, forKey: .arguments)
        purpose = try c.decode(String.self, forKey: .purpose)
    }
}

/// The `{dbgsettings}` elements `bcdedit /deletevalue` can remove.
public enum DbgSettingsElement: String, Sendable, Codable, CaseIterable {
    case hostip, hostipv6, port, key, busparams, dhcp, debugtype

    public init(parsing text: String) throws(TargetSetupError) {
        guard let e = Self(rawValue: text.lowercased()) else { throw .unknownElement(text) }
        self = e
    }

    /// What changes on the target once the element is gone.
    public var consequence: String? {
        switch self {
        case .port: return "without a port KDNET falls back to \(DebugPort.fallback), the ICANN-registered debugger port; give the host debugger port=\(DebugPort.fallback)"
        case .hostip, .hostipv6: return "without a host address the target does not send first; give the host debugger target=<the target's address>"
        case .key: return "without a key the target cannot authenticate to any debugger; set one again with bcdedit /dbgsettings ... key:K"
        case .busparams: return "without busparams KDNET picks the NIC itself, which may not be the one cabled to the host"
        default: return nil
        }
    }
}

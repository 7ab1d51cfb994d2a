import ArgumentParser
import Foundation
import KDNetKit
import Synchronization

/// A value ArgumentParser reads from the command line with the library's own parser,
/// so that a malformed value is a usage error (exit 64) in every command, reported
/// before the command runs. ArgumentParser's `init?(argument:)` can only say no; the
/// parser's reason is kept in `ArgumentRefusal` for the one line `Kdnetctl.main`
/// prints, so `--port 80` still names the problem and the fix. (Public only because
/// the library's public types conform.)
public protocol TypedArgument: ExpressibleByArgument {
    init(argumentText: String) throws
}

extension TypedArgument {
    public init?(argument: String) {
        guard let value = ArgumentRefusal.parse(argument, with: Self.init(argumentText:)) else { return nil }
        self = value
    }
}

/// Why the last value was refused. ArgumentParser stops at the first value it cannot
/// parse, so the last refusal is the one its error names; the value is kept with the
/// reason so that a reason is never given for another value.
enum ArgumentRefusal {
    private static let last = Mutex<(value: String, reason: String)?>(nil)

    /// The value, or nil with the parser's reason kept.
    static func parse<T>(_ text: String, with parser: (String) throws -> T) -> T? {
        do {
            return try parser(text)
        } catch {
            let reason = Console.describe(error)
            last.withLock { $0 = (text, reason) }
            return nil
        }
    }

    static func reason(for value: String) -> String? {
        last.withLock { $0?.value == value ? $0?.reason : nil }
    }
}

/// One of a few words (`--host-os linux`, `--format ps1`), in any case.
public protocol ChoiceArgument: TypedArgument, CaseIterable, RawRepresentable where RawValue == String {}

extension ChoiceArgument {
    public init(argumentText: String) throws {
        guard let value = Self(rawValue: argumentText.lowercased()) else {
            throw ChoiceError(text: argumentText, choices: Self.allCases.map(\.rawValue))
        }
        self = value
    }

    // Spelled out: ExpressibleByArgument has its own default for raw-value enums.
    public init?(argument: String) {
        guard let value = ArgumentRefusal.parse(argument, with: Self.init(argumentText:)) else { return nil }
        self = value
    }
}

struct ChoiceError: Error, LocalizedError, Equatable {
    var text: String
    var choices: [String]

    var errorDescription: String? {
        guard choices.count > 2 else { return "'\(text)' is neither \(choices.joined(separator: " nor "))" }
        return "'\(text)' is unknown; use \(choices.dropLast().joined(separator: ", ")) or \(choices.last!)"
    }
}

extension DebugKey: TypedArgument {
    /// A KDNET key typed on the command line; its value is never repeated in an error.
    public init(argumentText: String) throws { try self.init(parsing: argumentText) }
}

extension DebugPort: TypedArgument {
    /// A KDNET port: 49152-65535, as Windows accepts (bcdedit refuses the rest).
    public init(argumentText: String) throws { try self.init(parsing: argumentText) }
}

extension IPAddress: TypedArgument {
    /// Either family; a zone must name an interface of this host.
    public init(argumentText: String) throws { self = try IPAddress.parse(argumentText) }
}

extension HostAddress: TypedArgument {
    public init(argumentText: String) throws { try self.init(parsing: argumentText) }
}

extension InterfaceName: TypedArgument {
    public init(argumentText: String) throws { try self.init(parsing: argumentText) }
}

extension HostOS: ChoiceArgument {}

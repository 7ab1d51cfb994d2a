import Foundation

/// A network interface's name, as the kernel allows it: 1-15 bytes, no `/`, `:` or
/// whitespace, not `.` or `..` (dev_valid_name). kdnetctl also refuses quotes,
/// backslashes and control characters: it writes the name into nft rules and shell
/// commands, where those would end the string early.
public struct InterfaceName: Sendable, Hashable, Codable, CustomStringConvertible {
    public let text: String

    /// IFNAMSIZ less the terminating zero.
    public static let maximumLength = 15

    public init(parsing text: String) throws(InterfaceNameError) {
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= Self.maximumLength else { throw .tooLong(text) }
        guard text != ".", text != ".." else { throw .reserved(text) }
        if let bad = text.unicodeScalars.first(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace }) {
            throw .forbiddenCharacter(text, bad)
        }
        if let bad = text.unicodeScalars.first(where: { $0 == "\"" || $0 == "'" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7f }) {
            throw .unquotable(text, bad)
        }
        self.text = text
    }

    /// Whether this host has an interface of that name now.
    public var existsHere: Bool { if_nametoindex(text) != 0 }

    /// The name as an nft string literal (`"eth0"`), as `nft list ruleset` prints it.
    public var nftLiteral: String { "\"\(text)\"" }

    public var description: String { text }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

public enum InterfaceNameError: Error, Equatable, Sendable, LocalizedError {
    case empty
    case tooLong(String)
    case reserved(String)
    case forbiddenCharacter(String, Unicode.Scalar)
    case unquotable(String, Unicode.Scalar)

    public var errorDescription: String? {
        let see = "give a name as `ip -brief link` lists it"
        switch self {
        case .empty:
            return "the interface name is empty; \(see)"
        case .tooLong(let name):
            return "interface name \(TerminalText.quoted(name)) is \(name.utf8.count) bytes; Linux names are at most \(InterfaceName.maximumLength); \(see)"
        case .reserved(let name):
            return "\(TerminalText.quoted(name)) cannot be an interface name; \(see)"
        case .forbiddenCharacter(let name, let c):
            return "interface name \(TerminalText.quoted(name)) contains \(Self.describe(c)), which Linux does not allow in one; \(see)"
        case .unquotable(let name, let c):
            return "interface name \(TerminalText.quoted(name)) contains \(Self.describe(c)), which kdnetctl cannot write into an nft rule; rename the interface (ip link set OLD name NEW)"
        }
    }

    /// The character quoted as any value is; whitespace that escaping leaves as it is
    /// (a space, a no-break space) is named instead, since quoted it would look empty.
    private static func describe(_ c: Unicode.Scalar) -> String {
        let quoted = TerminalText.quoted(String(c))
        guard c.properties.isWhitespace, quoted == "'\(c)'" else { return quoted }
        return String(format: "U+%04X (a space)", c.value)
    }
}

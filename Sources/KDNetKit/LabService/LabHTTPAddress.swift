import Foundation

/// Where the lab service's status page listens: `--http ADDR:PORT` (`127.0.0.1:8470`,
/// `[::1]:8470`, `0.0.0.0:8470`).
public struct LabHTTPAddress: Sendable, Equatable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public static let defaultText = "127.0.0.1:8470"
    public static let `default` = LabHTTPAddress(address: IPAddress("127.0.0.1")!, port: 8470)

    public init(address: IPAddress, port: UInt16) {
        self.address = address; self.port = port
    }

    public init(parsing text: String) throws(LabHTTPError) {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") {
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            throw .malformed(text)
        }
        guard let address = IPAddress(String(hostPart)) else { throw .malformed(text) }
        guard let port = UInt16(portPart), port > 0 else { throw .badPort(String(portPart)) }
        self.init(address: address, port: port)
    }

    /// Only this host can reach it: no token needed.
    public var isLoopback: Bool { address.isLoopback }

    public var description: String { address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }

    /// The status page's address as a browser takes it.
    public var url: String { "http://\(description)/" }

    /// The rule for `--http` and `--http-token`: a page reachable from other hosts needs a
    /// bearer token; a token is visible ASCII (it travels in a header).
    /// `serving`: false with --no-http (the token's form is still checked).
    public static func check(_ address: LabHTTPAddress, token: String?, serving: Bool = true) throws(LabHTTPError) {
        if let token {
            guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { throw .badToken }
        }
        if serving, !address.isLoopback, token == nil { throw .needsToken(address.description) }
    }
}

public enum LabHTTPError: Error, LocalizedError, Sendable, Equatable {
    case malformed(String)
    case badPort(String)
    case needsToken(String)
    case badToken

    public var errorDescription: String? {
        switch self {
        case .malformed(let text):
            return "\(TerminalText.quoted(text)) is not ADDR:PORT; give e.g. 127.0.0.1:8470, [::1]:8470 or 0.0.0.0:8470"
        case .badPort(let text):
            return "port \(TerminalText.quoted(text)) is not 1-65535; give e.g. 127.0.0.1:8470"
        case .needsToken(let address):
            return "--http \(address) can be reached from other hosts; give --http-token TOKEN (clients send `Authorization: Bearer TOKEN`) or listen on 127.0.0.1:8470"
        case .badToken:
            return "--http-token must be visible ASCII without spaces (it travels in an HTTP header); e.g. one from `openssl rand -hex 16`"
        }
    }
}

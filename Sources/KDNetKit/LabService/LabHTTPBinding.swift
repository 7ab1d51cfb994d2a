import Foundation

/// Where `kdnetctl serve --http ADDR:PORT` listens: `127.0.0.1:8470`, `[::1]:8470`.
public struct LabHTTPBinding: Sendable, Equatable, CustomStringConvertible {
    public var endpoint: Endpoint

    public init(_ endpoint: Endpoint) { self.endpoint = endpoint }

    public static let `default` = LabHTTPBinding(Endpoint(address: IPAddress(bytes: [127, 0, 0, 1])!, port: 8470))

    /// Any other host could reach the page and the API: it must then ask for a token.
    public var requiresToken: Bool { !endpoint.address.isLoopback }

    public var description: String { endpoint.description }

    /// The status page's address as a browser takes it.
    public var url: String { "http://\(description)/" }

    public static func parse(_ text: String) throws(LabHTTPBindingError) -> LabHTTPBinding {
        let addressText: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .malformed(text) }
            addressText = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .missingPort(text) }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort(text) }
            addressText = text[..<colon]
            guard !addressText.contains(":") else { throw .unbracketedIPv6(text) }
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText), port != 0 else { throw .badPort(text, String(portText)) }
        let address: IPAddress
        do { address = try IPAddress.parse(String(addressText)) } catch { throw .address(error) }
        return LabHTTPBinding(Endpoint(address: address, port: port))
    }

    /// The shortest token taken: 16 characters of `openssl rand -hex 16` are 64 bits,
    /// beyond guessing over HTTP; one character is guessed in a hundred requests.
    public static let minimumTokenLength = 16

    /// Refuses a token the server could not check or that is guessed, and a reachable
    /// address without one. `hasToken`: a token is coming from elsewhere (a file, read
    /// later and checked then with `check(token:)`). `serving`: false with `--no-http`
    /// (a token's form is still checked).
    public func check(token: String?, hasToken: Bool = false, serving: Bool = true) throws(LabHTTPBindingError) {
        if let token {
            try Self.check(token: token)
        } else if requiresToken, serving, !hasToken {
            throw .needsToken(self)
        }
    }

    /// A token's form, wherever it came from.
    public static func check(token: String) throws(LabHTTPBindingError) {
        guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
            throw .unusableToken
        }
        guard token.count >= minimumTokenLength else { throw .shortToken(token.count) }
    }
}

/// A `--http` value or token `serve` cannot use: a usage error, one line each. The
/// value's own problems say only why: the option parser prints `--http VALUE: why`.
public enum LabHTTPBindingError: Error, LocalizedError, Equatable, Sendable {
    case malformed(String)
    case missingPort(String)
    case unbracketedIPv6(String)
    case badPort(String, String)
    case address(IPAddressError)
    case needsToken(LabHTTPBinding)
    case unusableToken
    case shortToken(Int)
    case badHostName(String)

    public var errorDescription: String? {
        switch self {
        case .malformed: return "not ADDR:PORT; give e.g. 127.0.0.1:8470 or [::1]:8470"
        case .missingPort: return "no port; give ADDR:PORT, e.g. 127.0.0.1:8470"
        case .unbracketedIPv6: return "write an IPv6 address in brackets, e.g. [::1]:8470"
        case .badPort(_, let p): return "port \(TerminalText.quoted(p)) is not a number from 1 to 65535; give e.g. 127.0.0.1:8470"
        case .address(let e): return e.errorDescription ?? "not an IP address"
        case .needsToken(let b):
            return "--http \(b) is reachable from other hosts; give --http-token-file FILE or --http-token TOKEN too (clients send Authorization: Bearer TOKEN), or use --http 127.0.0.1:\(b.endpoint.port)"
        case .unusableToken: return "the token must be printable ASCII without spaces (it travels in an HTTP header); generate one with e.g. `openssl rand -hex 16`"
        case .shortToken(let n):
            return "the token has \(n) character\(n == 1 ? "" : "s"), fewer than \(LabHTTPBinding.minimumTokenLength); generate one with e.g. `openssl rand -hex 16`"
        case .badHostName(let text):
            return "\(TerminalText.quoted(text)) is not a DNS name or an IP address; give the name browsers use for this host, e.g. --http-host lab.example.org"
        }
    }
}

import Foundation
import Glibc

/// Which `Host` and `Origin` values name the status page's own server: the defence
/// against DNS rebinding. A page on `evil.example` can point its own name at 127.0.0.1
/// and have the operator's browser read the fleet, the DbgPrint logs and the metrics;
/// its requests still say `Host: evil.example`, so a name this server does not go by is
/// refused (421), token or not. A pure value, so the decision is tested without sockets.
public struct LabHTTPHostRule: Sendable, Equatable {
    /// The port the server listens on. A `Host` may name another (a forward such as
    /// `ssh -L 9000:127.0.0.1:8470` sends `Host: localhost:9000`): rebinding changes the
    /// name a browser sends, never makes it one of ours, so the name is what is judged.
    public var port: UInt16
    /// Addresses `Host` may name: the bound one, or every local one for a wildcard bind.
    public var addresses: Set<IPAddress>
    /// Names, lowercased and without a trailing dot; `localhost` always among them.
    public var names: Set<String>

    public init(port: UInt16, addresses: some Sequence<IPAddress>, names: some Sequence<String>) {
        self.port = port
        self.addresses = Set(addresses.map(\.unscoped))
        self.names = Set(names.compactMap(Self.comparable) + ["localhost"])
    }

    /// The rule for a server bound to `bound`: with a wildcard address (`0.0.0.0`, `[::]`)
    /// every address of `localAddresses` of that family (`--http` binds one family).
    public static func serving(_ bound: Endpoint, localAddresses: [IPAddress], names: [String]) -> LabHTTPHostRule {
        let addresses = bound.address.isUnspecified
            ? localAddresses.filter { $0.family == bound.address.family } + [bound.address.family == .ipv4 ? IPAddress("127.0.0.1")! : IPAddress("::1")!]
            : [bound.address]
        // `--http-host` may give an address too (one a proxy or a NAT forwards from).
        let given = names.compactMap { comparable($0) == nil ? IPAddress($0) : nil }
        return LabHTTPHostRule(port: bound.port, addresses: addresses + given, names: names)
    }

    /// Why a request is refused before anything else is looked at; nil to go on.
    public enum Refusal: Sendable, Equatable {
        /// 421: the `Host` (nil: none on HTTP/1.1) is not a name of this server.
        case misdirected(host: String?)
        /// 403: a browser page of another origin asks for the event stream or a change.
        case foreignOrigin(String)
    }

    /// `changesState`: any method but GET and HEAD; `isEventStream`: `/events`. A request
    /// without `Origin` is a program's, not a page's, and is not asked for one.
    public func refusal(host: String?, origin: String?, version: String, isEventStream: Bool, changesState: Bool) -> Refusal? {
        var requestPort: UInt16?
        if let host {
            guard accepts(authority: host, ports: nil) else { return .misdirected(host: host) }
            requestPort = Self.split(host)?.port ?? 80
        } else if version != "HTTP/1.0" {
            return .misdirected(host: nil)
        }
        if isEventStream || changesState, let origin, !acceptsOrigin(origin, requestPort: requestPort) { return .foreignOrigin(origin) }
        return nil
    }

    /// `Host` as RFC 9110 has it: `name`, `1.2.3.4` or `[v6]`, optionally `:port`, whose
    /// host names this server; `ports` nil takes any port, else the port (80 when left
    /// out) must be one of them.
    public func accepts(authority: String, ports: Set<UInt16>?) -> Bool {
        guard let (host, port) = Self.split(authority) else { return false }
        if let ports, !ports.contains(port ?? 80) { return false }
        if host.hasPrefix("[") {
            // An IPv6 literal; a zone (`%25eth0`) never names this server to a browser.
            guard host.hasSuffix("]"), !host.contains("%"), let address = IPAddress(String(host)), !address.isIPv4 else { return false }
            return addresses.contains(address)
        }
        if let address = IPAddress(String(host)), address.isIPv4, host.allSatisfy({ $0.isNumber || $0 == "." }) {
            return addresses.contains(address)
        }
        guard let name = Self.comparable(String(host)) else { return false }
        return names.contains(name)
    }

    /// `Origin: http://host[:port]`: the scheme http, an accepted host, and the server's
    /// port or the one the request's own `Host` names (the page came through a forward,
    /// so it is same-origin); the port is 80 when left out, as browsers leave out only
    /// the scheme's default. Another port is another origin (another local web app's
    /// page). `null` is foreign.
    public func acceptsOrigin(_ origin: String, requestPort: UInt16? = nil) -> Bool {
        let scheme = "http://"
        guard origin.lowercased().hasPrefix(scheme) else { return false }
        return accepts(authority: String(origin.dropFirst(scheme.count)), ports: Set([port] + (requestPort.map { [$0] } ?? [])))
    }

    /// Host and port of an authority; nil for anything that is not one (a path, spaces,
    /// user info, an unbracketed IPv6 address, an empty or malformed port).
    static func split(_ authority: String) -> (host: Substring, port: UInt16?)? {
        guard !authority.isEmpty, !authority.contains(where: { $0.isWhitespace || "/@?#,".contains($0) }) else { return nil }
        var host = Substring(authority)
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { return nil }
        guard let portText else { return (host, nil) }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              let port = UInt16(portText) else { return nil }
        return (host, port)
    }

    /// A DNS name as compared: lowercased, one trailing dot dropped; nil for text that is
    /// not one (labels of letters, digits, `-` and `_`, 1-63 characters, 253 in all).
    public static func comparable(_ name: String) -> String? {
        var name = name.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard (1...63).contains(label.count), label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
                  label.first != "-", label.last != "-" else { return nil }
        }
        // All-numeric text is an address (or a mistyped one), never a name.
        guard !name.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return name
    }

    /// A `--http-host` value: a DNS name, or an address (IPv6 with or without brackets).
    public static func extraName(_ text: String) throws(LabHTTPBindingError) -> String {
        if let name = comparable(text) { return name }
        if let address = IPAddress(text), address.scope == nil, !text.contains(where: \.isWhitespace) {
            return address.isIPv4 ? address.description : "[\(address.description)]"
        }
        throw .badHostName(text)
    }

    /// This machine's own names: `gethostname` and the canonical name (FQDN) the resolver
    /// gives for it. Asked once when the server starts.
    public static func machineNames() -> [String] {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return [] }
        let host = String(cChars: buffer)
        guard !host.isEmpty else { return [] }
        var names = [host]
        var hints = addrinfo()
        hints.ai_flags = AI_CANONNAME
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        if getaddrinfo(host, nil, &hints, &result) == 0, let result {
            if let canonical = result.pointee.ai_canonname { names.append(String(cString: canonical)) }
            freeaddrinfo(result)
        }
        return names
    }

    /// The addresses of this host's interfaces, for a wildcard bind; empty when they
    /// cannot be read (then only loopback and the names are accepted).
    public static func localAddresses() -> [IPAddress] {
        guard let snapshot = try? HostNetwork.snapshot() else { return [] }
        return snapshot.interfaces.flatMap { $0.addresses.map(\.address) }
    }
}

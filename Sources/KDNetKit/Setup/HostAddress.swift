import Foundation

/// The address a target is told to send to: bcdedit's `hostip:` (IPv4) or
/// `hostipv6:` (IPv6). The family decides which one the target uses, so it is
/// part of the value.
public struct HostAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Family: String, Sendable, Codable, CaseIterable {
        case ipv4, ipv6
        /// bcdedit's element name for this family.
        public var bcdeditElement: String { self == .ipv4 ? "hostip" : "hostipv6" }
    }

    public let family: Family
    /// The address as typed (blanks removed); bcdedit wants it that way.
    public let text: String
    public let bytes: [UInt8]

    /// Takes the address alone, or as `ip -brief address` prints it (`192.168.1.10/24`):
    /// the prefix length is checked and dropped, since bcdedit wants the address only.
    public init(parsing input: String) throws(HostAddressError) {
        var text = input.trimmingCharacters(in: .whitespaces)
        guard !text.contains(where: \.isWhitespace) else { throw .containsSpaces(text) }
        var prefixLength: Int?
        if let slash = text.firstIndex(of: "/") {
            guard let length = Int(text[text.index(after: slash)...]) else { throw .malformed(text) }
            prefixLength = length
            text = String(text[..<slash])
        }
        if text.contains("%") { throw .scoped(text) }
        if let v4 = Self.pton(AF_INET, text, count: 4) {
            family = .ipv4; bytes = v4
        } else if let v6 = Self.pton(AF_INET6, text, count: 16) {
            family = .ipv6; bytes = v6
        } else {
            throw .malformed(text)
        }
        if let prefixLength, !(0...(bytes.count * 8)).contains(prefixLength) { throw .malformed(input.trimmingCharacters(in: .whitespaces)) }
        if family == .ipv6, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            throw .ipv4Mapped(text, bytes[12...].map(String.init).joined(separator: "."))
        }
        self.text = text
    }

    private static func pton(_ af: Int32, _ text: String, count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        let rc = out.withUnsafeMutableBytes { inet_pton(af, text, $0.baseAddress) }
        return rc == 1 ? out : nil
    }

    public var description: String { text }

    /// KDNET falls back to a link-local address when DHCP fails; such addresses do
    /// not cross routers.
    public var isLinkLocal: Bool {
        family == .ipv4 ? bytes[0] == 169 && bytes[1] == 254 : bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80
    }
    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }
    public var isLoopback: Bool {
        family == .ipv4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1]
    }
    public var isMulticastOrBroadcast: Bool {
        family == .ipv4 ? bytes[0] >= 224 : bytes[0] == 0xff
    }
    /// RFC 1918 / unique-local: the usual lab and office addresses.
    public var isPrivate: Bool {
        if family == .ipv6 { return bytes[0] & 0xfe == 0xfc }
        return bytes[0] == 10 || (bytes[0] == 172 && bytes[1] & 0xf0 == 16) || (bytes[0] == 192 && bytes[1] == 168)
    }
    /// Example ranges from documentation (RFC 5737, RFC 3849): never a real host.
    public var isDocumentation: Bool {
        if family == .ipv6 { return bytes[0...3] == [0x20, 0x01, 0x0d, 0xb8] }
        return [[192, 0, 2], [198, 51, 100], [203, 0, 113]].contains(Array(bytes[0...2]))
    }

    /// Why this address cannot be a host address at all, if it cannot.
    public var unusableReason: String? {
        if isUnspecified { return "\(text) is the unspecified address" }
        if isLoopback { return "\(text) is a loopback address, which the target cannot reach" }
        if isMulticastOrBroadcast { return "\(text) is a multicast or broadcast address" }
        return nil
    }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

public enum HostAddressError: Error, Equatable, Sendable, LocalizedError {
    case malformed(String)
    case containsSpaces(String)
    case scoped(String)
    case ipv4Mapped(String, String)
    case unusable(String)

    public var errorDescription: String? {
        switch self {
        case .malformed(let s):
            return "'\(s)' is not an IPv4 or IPv6 address; give the host's address as shown by `ip -brief address` (e.g. 192.168.1.10)"
        case .containsSpaces(let s):
            return "host address '\(s)' contains spaces; bcdedit needs it without any"
        case .scoped(let s):
            return "host address \(s) has a zone (%...), which bcdedit cannot take; give the address without it"
        case .ipv4Mapped(let s, let v4):
            return "\(s) is the IPv4 address \(v4) written as IPv6, which a target cannot use as hostipv6; give \(v4) (bcdedit's hostip) instead"
        case .unusable(let reason):
            return "\(reason); give the address of the host's NIC that faces the target"
        }
    }
}

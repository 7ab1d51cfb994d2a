import Foundation

/// The address a target is told to send to: bcdedit's `hostip:` (IPv4) or
/// `hostipv6:` (IPv6). An `IPAddress` under bcdedit's rules: no zone, no IPv4 written
/// as IPv6, and the text kept as typed. The family decides which element the target
/// uses, so it is part of the value.
public struct HostAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public let address: IPAddress
    /// The address as typed (blanks removed); bcdedit wants it that way.
    public let text: String

    public var family: IPAddress.Family { address.family }
    public var bytes: [UInt8] { address.bytes }

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
        // bcdedit takes the bare address: brackets are for an address followed by a port.
        guard !text.hasPrefix("["), let address = IPAddress(text) else { throw .malformed(text) }
        if let prefixLength, !(0...address.bitCount).contains(prefixLength) { throw .malformed(input.trimmingCharacters(in: .whitespaces)) }
        if address.isIPv4Mapped { throw .ipv4Mapped(text, address.unmapped.description) }
        self.address = address
        self.text = text
    }

    public var description: String { text }

    /// KDNET falls back to a link-local address when DHCP fails; such addresses do
    /// not cross routers.
    public var isLinkLocal: Bool { address.isLinkLocal }
    public var isUnspecified: Bool { address.isUnspecified }
    public var isLoopback: Bool { address.isLoopback }
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

extension IPAddress.Family {
    /// bcdedit's element name for this family.
    public var bcdeditElement: String { self == .ipv4 ? "hostip" : "hostipv6" }
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

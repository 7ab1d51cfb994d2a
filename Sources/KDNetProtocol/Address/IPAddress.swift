import Foundation

/// An IPv4 or IPv6 address as bytes (4 or 16), with an optional IPv6 scope
/// (interface) for link-local addresses such as `fe80::1%eth0`.
///
/// The one text parser and formatter of addresses: `HostAddress`, `Endpoint`,
/// `KDNetEndpoint` and the capture's `PacketAddress` all go through it.
public struct IPAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public let bytes: [UInt8]
    /// The IPv6 zone as given (`eth0`, or an interface index such as `3`).
    public let scope: String?

    public enum Family: String, Sendable, Codable, CaseIterable {
        case ipv4, ipv6

        /// AF_INET or AF_INET6.
        public var socketFamily: Int32 { self == .ipv4 ? AF_INET : AF_INET6 }
        public var byteCount: Int { self == .ipv4 ? 4 : 16 }
        /// "IPv4" or "IPv6", for messages.
        public var name: String { self == .ipv4 ? "IPv4" : "IPv6" }

        public init?(socketFamily: Int32) {
            switch socketFamily {
            case AF_INET: self = .ipv4
            case AF_INET6: self = .ipv6
            default: return nil
            }
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }
    public var family: Family { isIPv4 ? .ipv4 : .ipv6 }
    public var bitCount: Int { bytes.count * 8 }

    /// The same address without its IPv6 zone: what identifies it on a host.
    public var unscoped: IPAddress { scope == nil ? self : IPAddress(bytes: bytes)! }

    public init?(bytes: [UInt8], scope: String? = nil) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
        self.scope = bytes.count == 16 ? scope : nil
    }

    /// The wildcard address of `family` (0.0.0.0 or ::).
    public static func unspecified(_ family: Family) -> IPAddress {
        IPAddress(bytes: [UInt8](repeating: 0, count: family.byteCount))!
    }

    /// Either family, as `inet_pton` reads it; an IPv6 address may carry a zone
    /// (`fe80::1%eth0`) and brackets (`[fe80::1%eth0]`). Blanks around it are ignored.
    public init?(_ text: String) {
        var text = text.trimmingBlanks()
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        var scope: String?
        if let percent = text.firstIndex(of: "%") {
            scope = String(text[text.index(after: percent)...])
            text = text[..<percent]
            if scope?.isEmpty == true { return nil }
        }
        if scope == nil, let v4 = Self.pton(AF_INET, String(text), count: 4) {
            self.bytes = v4
            self.scope = nil
        } else if let v6 = Self.pton(AF_INET6, String(text), count: 16) {
            self.bytes = v6
            self.scope = scope
        } else {
            return nil
        }
    }

    private static func pton(_ af: Int32, _ text: String, count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        let rc = out.withUnsafeMutableBytes { inet_pton(af, text, $0.baseAddress) }
        return rc == 1 ? out : nil
    }

    /// The address alone, without its zone, as `inet_ntop` writes it.
    public var unscopedText: String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        bytes.withUnsafeBytes { raw in
            _ = inet_ntop(family.socketFamily, raw.baseAddress, &out, socklen_t(out.count))
        }
        return String(cChars: out)
    }

    public var description: String {
        scope.map { "\(unscopedText)%\($0)" } ?? unscopedText
    }

    /// 169.254.0.0/16 and fe80::/10: what APIPA and KDNET without DHCP end up with,
    /// and what no router forwards.
    public var isLinkLocal: Bool {
        isIPv4 ? (bytes[0] == 169 && bytes[1] == 254) : (bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80)
    }

    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }

    /// `::ffff:a.b.c.d`: an IPv4 address written as IPv6.
    public var isIPv4Mapped: Bool {
        !isIPv4 && bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff
    }

    /// `::ffff:a.b.c.d` as the IPv4 address it stands for (dual-stack sockets report these).
    public var unmapped: IPAddress {
        isIPv4Mapped ? IPAddress(bytes: Array(bytes[12...]))! : self
    }

    /// IPv4 as `::ffff:a.b.c.d`, IPv6 as it is: the 16 bytes a dual-stack socket or the KDNET wire takes.
    public var mappedBytes: [UInt8] {
        isIPv4 ? [UInt8](repeating: 0, count: 10) + [0xff, 0xff] + bytes : bytes
    }

    /// Whether the first `length` bits equal those of `prefix` (same family only).
    public func isIn(prefix: IPAddress, length: Int) -> Bool {
        guard prefix.bytes.count == bytes.count, length >= 0, length <= bytes.count * 8 else { return false }
        var bits = length
        for i in 0..<bytes.count where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xff : UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if bytes[i] & mask != prefix.bytes[i] & mask { return false }
            bits -= 8
        }
        return true
    }

    /// Whether the first `length` bits equal those of `network` (same family only).
    public func isIn(_ network: IPAddress, prefixLength length: Int) -> Bool {
        isIn(prefix: network, length: max(0, min(length, bitCount)))
    }

    public var isLoopback: Bool {
        isIPv4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    /// The network part alone: the bits past `length` cleared, the zone dropped.
    public func masked(prefixLength length: Int) -> IPAddress {
        var out = bytes
        var left = length
        for i in out.indices {
            let mask: UInt8 = left >= 8 ? 0xff : (left <= 0 ? 0 : ~(0xff >> UInt8(left)))
            out[i] &= mask
            left -= 8
        }
        return IPAddress(bytes: out)!
    }

    /// The network part, as `192.0.2.0/24`.
    public func network(prefixLength length: Int) -> String {
        "\(masked(prefixLength: length))/\(length)"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let a = IPAddress(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an IP address: \(text)")
        }
        self = a
    }
}

extension String {
    /// A NUL-terminated C buffer as a String.
    package init(cChars: [CChar]) {
        self = String(decoding: cChars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Foundation

/// An IPv4 or IPv6 address as bytes (4 or 16), with an optional IPv6 scope
/// (interface) for link-local addresses such as `fe80::1%eth0`.
public struct IPAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public let bytes: [UInt8]
    public let scope: String?

    public enum Family: String, Sendable, Codable { case ipv4, ipv6 }

    public var isIPv4: Bool { bytes.count == 4 }
    public var family: Family { isIPv4 ? .ipv4 : .ipv6 }
    public var bitCount: Int { bytes.count * 8 }

    /// The same address without its IPv6 zone: what identifies it on a host.
    public var unscoped: IPAddress { IPAddress(bytes: bytes)! }

    public init?(bytes: [UInt8], scope: String? = nil) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
        self.scope = scope
    }

    public init?(_ text: String) {
        var text = Substring(text.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        var scope: String?
        if let percent = text.firstIndex(of: "%") {
            scope = String(text[text.index(after: percent)...])
            text = text[..<percent]
            if scope?.isEmpty == true { return nil }
        }
        var v4 = in_addr()
        var v6 = in6_addr()
        if scope == nil, inet_pton(AF_INET, String(text), &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            self.scope = nil
        } else if inet_pton(AF_INET6, String(text), &v6) == 1 {
            self.bytes = withUnsafeBytes(of: &v6) { Array($0) }
            self.scope = scope
        } else {
            return nil
        }
    }

    /// Parses or throws the usage error naming the bad value. A zone must name an
    /// interface of this host: the kernel would otherwise drop it without a word.
    public static func parse(_ text: String) throws(ProbeInputError) -> IPAddress {
        guard let a = IPAddress(text) else { throw .badAddress(text) }
        if let zone = a.unknownZone { throw .unknownZone(text, zone) }
        return a
    }

    /// The zone (`%eth9`), when this host has no interface of that name or index.
    public var unknownZone: String? {
        guard let scope else { return nil }
        if let index = UInt32(scope) {
            var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE))
            return if_indextoname(index, &name) == nil ? scope : nil
        }
        return if_nametoindex(scope) == 0 ? scope : nil
    }

    static func unknownZoneMessage(_ text: String, _ zone: String) -> String {
        "\(text) names the zone \(zone), but this host has no interface \(zone); give the interface the target is on, as `ip -brief link` lists it (e.g. fe80::1%eth0)"
    }

    public var description: String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        bytes.withUnsafeBytes { raw in
            _ = inet_ntop(isIPv4 ? AF_INET : AF_INET6, raw.baseAddress, &out, socklen_t(out.count))
        }
        let base = String(cChars: out)
        return scope.map { "\(base)%\($0)" } ?? base
    }

    /// 169.254.0.0/16 and fe80::/10: what APIPA and KDNET without DHCP end up with,
    /// and what no router forwards.
    public var isLinkLocal: Bool {
        isIPv4 ? (bytes[0] == 169 && bytes[1] == 254) : (bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80)
    }

    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }

    /// `::ffff:a.b.c.d` as the IPv4 address it stands for (dual-stack sockets report these).
    public var unmapped: IPAddress {
        guard !isIPv4, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff else { return self }
        return IPAddress(bytes: Array(bytes[12...]))!
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

    /// The network part, as `192.0.2.0/24`.
    public func network(prefixLength length: Int) -> String {
        var out = bytes
        var left = length
        for i in out.indices {
            let mask: UInt8 = left >= 8 ? 0xff : (left <= 0 ? 0 : ~(0xff >> UInt8(left)))
            out[i] &= mask
            left -= 8
        }
        return "\(IPAddress(bytes: out)!)/\(length)"
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

/// An address and port, convertible to and from the kernel's socket address.
public struct Endpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    public let address: IPAddress
    public let port: UInt16

    public init(address: IPAddress, port: UInt16) { self.address = address; self.port = port }

    public var description: String { address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)" }

    /// Fills a sockaddr_storage; IPv4 endpoints become v4-mapped when `mappedV6` is set,
    /// so one dual-stack socket can reach both families.
    func storage(mappedV6: Bool = false) -> (sockaddr_storage, socklen_t) {
        var ss = sockaddr_storage()
        if address.isIPv4 && !mappedV6 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: address.bytes) }
            withUnsafeMutableBytes(of: &ss) { $0.copyBytes(from: withUnsafeBytes(of: &sin) { Array($0) }) }
            return (ss, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = port.bigEndian
        let raw = address.isIPv4 ? [UInt8](repeating: 0, count: 10) + [0xff, 0xff] + address.bytes : address.bytes
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: raw) }
        if let scope = address.scope { sin6.sin6_scope_id = if_nametoindex(scope) }
        withUnsafeMutableBytes(of: &ss) { $0.copyBytes(from: withUnsafeBytes(of: &sin6) { Array($0) }) }
        return (ss, socklen_t(MemoryLayout<sockaddr_in6>.size))
    }

    init?(storage ss: sockaddr_storage) {
        var ss = ss
        switch Int32(ss.ss_family) {
        case AF_INET:
            let sin = withUnsafeBytes(of: &ss) { $0.load(as: sockaddr_in.self) }
            let bytes = withUnsafeBytes(of: sin.sin_addr) { Array($0) }
            self.init(address: IPAddress(bytes: bytes)!, port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &ss) { $0.load(as: sockaddr_in6.self) }
            let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
            var scope: String?
            if sin6.sin6_scope_id != 0 {
                var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
                if if_indextoname(sin6.sin6_scope_id, &name) != nil { scope = String(cChars: name) }
            }
            let a = IPAddress(bytes: bytes, scope: scope)!.unmapped
            self.init(address: a, port: UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }
}

extension String {
    /// A NUL-terminated C buffer as a String.
    init(cChars: [CChar]) {
        self = String(decoding: cChars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

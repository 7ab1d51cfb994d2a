import Foundation

/// An IPv4 or IPv6 address as bytes, so prefixes can be compared bit by bit.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: String, Sendable, Codable { case ipv4, ipv6 }

    public let bytes: [UInt8]
    public var family: Family { bytes.count == 4 ? .ipv4 : .ipv6 }
    public var bitCount: Int { bytes.count * 8 }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Dotted quad or IPv6 text; an IPv6 zone (`fe80::1%eth0`) is dropped.
    public init?(_ text: String) {
        let plain = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, plain, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, plain, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let af = family == .ipv4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(af, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Whether the first `length` bits equal those of `network` (same family only).
    public func isIn(_ network: IPAddress, prefixLength length: Int) -> Bool {
        guard network.family == family else { return false }
        var left = max(0, min(length, bitCount))
        for (a, b) in zip(bytes, network.bytes) {
            if left <= 0 { return true }
            let mask: UInt8 = left >= 8 ? 0xff : ~(0xff >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }

    /// 169.254.0.0/16 or fe80::/10: what a target falls back to without DHCP (APIPA),
    /// and never routed.
    public var isLinkLocal: Bool {
        family == .ipv4 ? isIn(IPAddress("169.254.0.0")!, prefixLength: 16) : isIn(IPAddress("fe80::")!, prefixLength: 10)
    }

    public var isLoopback: Bool {
        family == .ipv4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1]
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
}

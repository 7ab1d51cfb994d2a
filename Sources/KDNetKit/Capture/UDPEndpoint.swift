import Foundation

/// An IPv4 or IPv6 address as a capture carries it (a fixed-size cousin of `IPAddress`), held in two words so that
/// following millions of datagrams costs no allocation per packet.
public struct PacketAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isIPv4: Bool

    public init(ipv4 bytes: some Collection<UInt8>) {
        precondition(bytes.count == 4)
        high = 0; low = bytes.reduce(0) { $0 << 8 | UInt64($1) }; isIPv4 = true
    }

    public init(ipv6 bytes: some Collection<UInt8>) {
        precondition(bytes.count == 16)
        let b = Array(bytes)
        high = b[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = b[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        isIPv4 = false
    }

    /// From text, either family; nil when it is neither.
    public init?(_ text: String) {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(ipv4: withUnsafeBytes(of: v4) { Array($0) })
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(ipv6: withUnsafeBytes(of: v6) { Array($0) })
        } else {
            return nil
        }
    }

    init(rawIPv4 p: UnsafeRawBufferPointer, at o: Int) {
        high = 0
        low = UInt64(p[o]) << 24 | UInt64(p[o + 1]) << 16 | UInt64(p[o + 2]) << 8 | UInt64(p[o + 3])
        isIPv4 = true
    }

    init(rawIPv6 p: UnsafeRawBufferPointer, at o: Int) {
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(p[o + i]); l = l << 8 | UInt64(p[o + 8 + i]) }
        high = h; low = l; isIPv4 = false
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        func be(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> UInt64(8 * (n - 1 - $0))) } }
        return isIPv4 ? be(low, 4) : be(high, 8) + be(low, 8)
    }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: bytes) }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &v6, &buf, socklen_t(buf.count))
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (a: PacketAddress, b: PacketAddress) -> Bool {
        (a.isIPv4 ? 0 : 1, a.high, a.low) < (b.isIPv4 ? 0 : 1, b.high, b.low)
    }
}

/// A UDP address and port seen in a capture.
public struct UDPEndpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var address: PacketAddress
    public var port: UInt16

    public init(address: PacketAddress, port: UInt16) { self.address = address; self.port = port }

    public init?(_ address: String, port: UInt16) {
        guard let a = PacketAddress(address) else { return nil }
        self.init(address: a, port: port)
    }

    public var description: String { address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)" }

    public static func < (a: UDPEndpoint, b: UDPEndpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }
}

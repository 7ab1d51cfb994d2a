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

    public init(_ address: IPAddress) {
        if address.isIPv4 { self.init(ipv4: address.bytes) } else { self.init(ipv6: address.bytes) }
    }

    /// From text, either family, as `IPAddress` reads it; nil when it is neither. A
    /// capture's headers carry no zone, so an address with one is refused.
    public init?(_ text: String) {
        guard let address = IPAddress(text), address.scope == nil else { return nil }
        self.init(address)
    }

    /// Read straight from a packet buffer: the capture path, millions of times.
    @inlinable package init(rawIPv4 p: UnsafeRawBufferPointer, at o: Int) {
        high = 0
        low = UInt64(p[o]) << 24 | UInt64(p[o + 1]) << 16 | UInt64(p[o + 2]) << 8 | UInt64(p[o + 3])
        isIPv4 = true
    }

    /// Read straight from a packet buffer: the capture path, millions of times.
    @inlinable package init(rawIPv6 p: UnsafeRawBufferPointer, at o: Int) {
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(p[o + i]); l = l << 8 | UInt64(p[o + 8 + i]) }
        high = h; low = l; isIPv4 = false
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        func be(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> UInt64(8 * (n - 1 - $0))) } }
        return isIPv4 ? be(low, 4) : be(high, 8) + be(low, 8)
    }

    public var ipAddress: IPAddress { IPAddress(bytes: bytes)! }

    public var description: String { ipAddress.description }

    public static func < (a: PacketAddress, b: PacketAddress) -> Bool {
        (a.isIPv4 ? 0 : 1, a.high, a.low) < (b.isIPv4 ? 0 : 1, b.high, b.low)
    }
}

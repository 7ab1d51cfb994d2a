import Foundation

/// The one bridge between endpoints and the kernel's socket addresses. An IPv6 zone
/// travels as `sin6_scope_id` both ways: without it a link-local peer is unreachable.
extension Endpoint {
    /// Calls `body` with this endpoint as a socket address. `mappedToIPv6` writes an
    /// IPv4 endpoint as `::ffff:a.b.c.d`, for a dual-stack IPv6 socket.
    public func withSockAddr<R>(mappedToIPv6: Bool = false, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        if address.isIPv4 && !mappedToIPv6 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: address.bytes) }
            return try withUnsafePointer(to: &sin) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: address.mappedBytes) }
        sin6.sin6_scope_id = address.scopeIndex
        return try withUnsafePointer(to: &sin6) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
    }

    /// From what `recvfrom`, `getsockname` and the like filled in; `::ffff:a.b.c.d`
    /// comes back as the IPv4 address it stands for. Nil for other families.
    public init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let sin = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            let bytes = withUnsafeBytes(of: sin.sin_addr) { Array($0) }
            self.init(address: IPAddress(bytes: bytes)!, port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
            let address = IPAddress(bytes: bytes, scope: IPAddress.scope(ofIndex: sin6.sin6_scope_id))!.unmapped
            self.init(address: address, port: UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }

    /// Fills a `sockaddr_storage` through `fill` (recvfrom, getsockname) and reads it back.
    static func reading(_ fill: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int) -> (result: Int, endpoint: Endpoint?) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { fill($0, &length) } }
        return (result, result >= 0 ? Endpoint(storage: storage) : nil)
    }

    /// The local endpoint a socket is bound to.
    static func local(of fd: Int32) -> Endpoint? {
        let (rc, endpoint) = reading { Int(getsockname(fd, $0, $1)) }
        return rc == 0 ? endpoint : nil
    }
}

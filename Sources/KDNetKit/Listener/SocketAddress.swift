import Foundation

/// Conversions between the endpoints sessions speak in and the kernel's socket addresses.
extension KDNetEndpoint {
    init?(storage: sockaddr_storage) {
        var s = storage
        switch Int32(s.ss_family) {
        case AF_INET:
            let sin = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in.self) }
            let addr = withUnsafeBytes(of: sin.sin_addr) { Array($0) }
            self.init(address: [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + addr, port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in6.self) }
            self.init(address: withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }, port: UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }

    /// The socket address for a socket of `family`; IPv4-mapped endpoints become plain
    /// IPv4 for an AF_INET socket.
    func withSocketAddress<R>(family: Int32, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        if family == AF_INET {
            guard let v4 = ipv4 else { return nil }
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: v4) }
            return withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: address) }
        return withUnsafePointer(to: &sin6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
    }

    /// The address family a socket needs to reach this endpoint natively.
    var family: Int32 { ipv4 != nil ? AF_INET : AF_INET6 }
}


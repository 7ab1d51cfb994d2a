import Foundation

/// A datagram socket (UDP or ICMP) with a deadline-bounded receive. Kept inside
/// KDNetKit: callers see only endpoints and bytes.
final class DatagramSocket {
    let fd: Int32
    let family: Int32
    /// ICMP errors (port unreachable, rejected by a firewall) seen while receiving.
    private(set) var refusals = 0

    init(family: Int32, type: Int32, protocol proto: Int32) throws(ProbeError) {
        let fd = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), proto)
        guard fd >= 0 else { throw .socket("opening a socket", errno) }
        self.fd = fd
        self.family = family
    }

    /// A UDP socket for `family`'s address; IPv6 sockets also take IPv4 (dual stack).
    static func udp(for address: IPAddress?) throws(ProbeError) -> DatagramSocket {
        if let address, address.isIPv4 { return try DatagramSocket(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue), protocol: 0) }
        do {
            let s = try DatagramSocket(family: AF_INET6, type: Int32(SOCK_DGRAM.rawValue), protocol: 0)
            var off: Int32 = 0
            setsockopt(s.fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size))
            return s
        } catch {
            if address != nil { throw error }
            return try DatagramSocket(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue), protocol: 0)
        }
    }

    deinit { close(fd) }

    func bind(_ endpoint: Endpoint) throws(ProbeError) {
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = endpoint.withSockAddr(mappedToIPv6: family == AF_INET6) { Glibc.bind(fd, $0, $1) }
        guard rc == 0 else { throw .socket("binding \(endpoint)", errno) }
    }

    /// Connecting a datagram socket only fixes the peer; it lets the kernel pick the
    /// source address it would use, which is how the sender learns its own address.
    func connect(_ endpoint: Endpoint) throws(ProbeError) {
        let rc = endpoint.withSockAddr(mappedToIPv6: family == AF_INET6) { Glibc.connect(fd, $0, $1) }
        guard rc == 0 else { throw .socket("reaching \(endpoint)", errno) }
    }

    var localEndpoint: Endpoint? { Endpoint.local(of: fd) }

    func send(_ bytes: [UInt8], to endpoint: Endpoint) throws(ProbeError) {
        let n = endpoint.withSockAddr(mappedToIPv6: family == AF_INET6) { address, length in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) }
        }
        guard n >= 0 else { throw .socket("sending to \(endpoint)", errno) }
    }

    /// Waits until `deadline` (monotonic seconds) for one datagram; nil on timeout.
    func receive(until deadline: Double) throws(ProbeError) -> (bytes: [UInt8], from: Endpoint)? {
        while true {
            let left = deadline - MonotonicClock.now()
            if left <= 0 { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let rc = poll(&pfd, 1, Int32(min(left * 1000, 1_000_000).rounded(.up)))
            if rc < 0 { if errno == EINTR { continue }; throw .socket("waiting for an answer", errno) }
            if rc == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 2048)
            let (n, sender) = buffer.withUnsafeMutableBytes { raw in
                Endpoint.reading { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, $1) }
            }
            if n < 0 {
                // An ICMP error for an earlier datagram (port unreachable) surfaces here
                // on a connected socket; it is an answer of sorts, not a failure.
                if errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH { refusals += 1; continue }
                if errno == EINTR { continue }
                throw .socket("receiving", errno)
            }
            guard let from = sender else { continue }
            return (Array(buffer[0..<n]), from)
        }
    }
}


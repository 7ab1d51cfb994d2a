import Foundation

/// One plain non-blocking UDP socket bound to an address and port.
public final class UDPSocket: @unchecked Sendable {
    public let fd: Int32
    public let family: Int32
    public let port: UInt16
    /// Made on the first `receive()` without a buffer of the caller's: a listener with
    /// thousands of ports shares one `ReceiveBuffer` instead of 64 KiB per socket.
    private var ownBuffer: ReceiveBuffer?

    /// `address` nil binds the family's wildcard. IPv6 sockets are IPv6-only, so an
    /// IPv4 and an IPv6 socket can share a port, as WinDbg's do.
    public init(address: String?, port: UInt16, family: Int32) throws {
        let endpoint: KDNetEndpoint
        if let address {
            guard let e = KDNetEndpoint(address, port: port) else { throw ListenOptionError.badAddress(address) }
            endpoint = e
        } else {
            endpoint = family == AF_INET ? KDNetEndpoint("0.0.0.0", port: port)! : KDNetEndpoint("::", port: port)!
        }
        // An address of the other family has no socket address here; bind would fail with a stale errno.
        guard endpoint.family == family else {
            throw ListenerError.bindFailed(endpoint.description, "an \(family == AF_INET ? "IPv6" : "IPv4") address on an \(family == AF_INET ? "IPv4" : "IPv6") socket")
        }
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ListenerError.socketFailed(String(cString: strerror(errno))) }
        var one: Int32 = 1
        if family == AF_INET6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let rc = endpoint.withSocketAddress(family: family) { bind(fd, $0, $1) } ?? -1
        guard rc == 0 else {
            let code = errno
            close(fd)
            if code == EADDRINUSE { throw ListenerError.portInUse(port) }
            if code == EADDRNOTAVAIL { throw ListenerError.addressNotLocal(endpoint.addressText) }
            if code == EACCES { throw ListenerError.permissionDenied(port) }
            throw ListenerError.bindFailed(endpoint.description, String(cString: strerror(code)))
        }
        self.fd = fd; self.family = family
        self.port = port != 0 ? port : Self.boundPort(fd) ?? 0
    }

    /// The port the system picked for a bind to port 0.
    private static func boundPort(_ fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return rc == 0 ? KDNetEndpoint(storage: storage)?.port : nil
    }

    deinit { close(fd) }

    /// The next waiting datagram, or nil when none is left.
    public func receive() -> (bytes: [UInt8], from: KDNetEndpoint)? {
        if ownBuffer == nil { ownBuffer = ReceiveBuffer() }
        return receive(using: ownBuffer!)
    }

    /// The next waiting datagram, read through `buffer` (one thread at a time may use it).
    public func receive(using buffer: ReceiveBuffer) -> (bytes: [UInt8], from: KDNetEndpoint)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let n = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, buffer.bytes.baseAddress, buffer.bytes.count, 0, $0, &length)
                }
            }
            if n < 0 && errno == EINTR { continue }
            // ICMP errors from earlier sends surface here (ECONNREFUSED); skip them.
            if n < 0 && errno == ECONNREFUSED { continue }
            guard n >= 0, let from = KDNetEndpoint(storage: storage) else { return nil }
            return (Array(buffer.bytes[0..<n]), from)
        }
    }

    /// Best effort, like any UDP send: a full buffer or an unreachable peer is not fatal.
    @discardableResult
    public func send(_ bytes: [UInt8], to destination: KDNetEndpoint) -> Bool {
        let n = destination.withSocketAddress(family: family) { addr, len in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, addr, len) }
        }
        return (n ?? -1) == bytes.count
    }

    /// The sockets a listener needs on one port: IPv4 and IPv6 wildcards, or the one
    /// family of an explicit bind address.
    public static func listening(on port: UInt16, bind address: String?) throws -> [UDPSocket] {
        if let address {
            guard let e = KDNetEndpoint(address, port: port) else { throw ListenOptionError.badAddress(address) }
            return [try UDPSocket(address: address, port: port, family: e.family)]
        }
        var sockets = [try UDPSocket(address: nil, port: port, family: AF_INET)]
        // A host without IPv6 still listens on IPv4.
        if let v6 = try? UDPSocket(address: nil, port: port, family: AF_INET6) { sockets.append(v6) }
        return sockets
    }
}

/// Room for the largest UDP datagram, reused for every read: zeroing 64 KiB per datagram
/// made a flood cost a memset each, and one per socket made an idle listener of
/// thousands of ports cost 64 KiB a socket.
public final class ReceiveBuffer: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    public init() { bytes = .allocate(byteCount: 65536, alignment: 16) }
    deinit { bytes.deallocate() }
}

/// Problems with sockets and addresses, each with its fix.
public enum ListenerError: Error, LocalizedError, Sendable {
    case socketFailed(String)
    case portInUse(UInt16)
    case addressNotLocal(String)
    case permissionDenied(UInt16)
    case bindFailed(String, String)
    case pollFailed(String)

    public var errorDescription: String? {
        switch self {
        case .socketFailed(let e): return "cannot create a UDP socket: \(e); check the process limits (ulimit -n)"
        case .portInUse(let p): return "UDP port \(p) is already in use (WinDbg, another listener?); stop that program or pick another port"
        case .addressNotLocal(let a): return "\(a) is not an address of this host; give one that `ip addr` lists"
        case .permissionDenied(let p): return "not allowed to bind UDP port \(p); use a port from 49152-65535 (50000-50039 is recommended)"
        case .bindFailed(let e, let why): return "cannot bind \(e): \(why); check the address and port"
        case .pollFailed(let e): return "waiting for datagrams failed: \(e); try again"
        }
    }
}

/// Flag values the listener or simulator cannot use: exit 64.
public enum ListenOptionError: Error, LocalizedError, Sendable {
    case badAddress(String)
    case needsPortAndKey
    case needsKey
    case configAndPort
    case targetNeedsPort
    case badMachine(String)
    case badProtocolVersion(Int)
    case badInterval(String, Double)
    case outOfRange(flag: String, value: String, range: String, example: String)
    case familyMismatch(bind: String, host: String)

    public var errorDescription: String? {
        switch self {
        case .badAddress(let a): return "\(a) is not an IPv4 or IPv6 address; give one like 192.168.1.10 or fd00::10"
        case .needsPortAndKey: return "give --port and the key (--key, --key-file or $KDNETCTL_KEY, as set on the target with bcdedit /dbgsettings), or --config with the listener.json of `kdnetctl plan`"
        case .needsKey: return "give the key the target was set up with: --key, --key-file or $KDNETCTL_KEY"
        case .configAndPort: return "--config lists ports and keys already; drop --port/--key/--expect/--target or drop --config"
        case .targetNeedsPort: return "--target works with one target; use it with --port and --key, not --config"
        case .badMachine(let m): return "unknown machine \(m); use x64, x86 or arm64"
        case .badProtocolVersion(let v): return "KDNET protocol version \(v) is not one real targets use; pick 2, 3, 4 or 5"
        case .badInterval(let flag, let v): return "\(flag) \(v) is not a positive number of seconds; give e.g. \(flag) 3"
        case .outOfRange(let flag, let v, let range, let example): return "\(flag) \(v) is outside \(range); give e.g. \(flag) \(example)"
        case .familyMismatch(let bind, let host):
            let (b, h) = IPAddress(bind)?.isIPv4 == true ? ("IPv4", "IPv6") : ("IPv6", "IPv4")
            return "--bind \(bind) is \(b) but --host-ip \(host) is \(h); give a --bind address of the host's family, or drop --bind"
        }
    }
}

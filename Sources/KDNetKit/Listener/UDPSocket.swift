import Foundation

/// One plain non-blocking UDP socket bound to an address and port.
public final class UDPSocket: @unchecked Sendable {
    public let fd: Int32
    public let family: IPAddress.Family
    /// Where it is bound, with the port the system picked for port 0.
    public let local: Endpoint
    public var port: UInt16 { local.port }
    /// Made on the first `receive()` without a buffer of the caller's: a listener with
    /// thousands of ports shares one `ReceiveBuffer` instead of 64 KiB per socket.
    private var ownBuffer: ReceiveBuffer?

    /// Binds `endpoint`; an IPv6 socket is IPv6-only, so an IPv4 and an IPv6 socket
    /// can share a port, as WinDbg's do.
    public init(bind endpoint: Endpoint) throws {
        let fd = socket(endpoint.family.socketFamily, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            if errno == EAFNOSUPPORT { throw ListenerError.familyUnsupported(endpoint.family.name) }
            throw ListenerError.socketFailed(String(cString: strerror(errno)))
        }
        var one: Int32 = 1
        if endpoint.family == .ipv6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let rc = endpoint.withSockAddr { bind(fd, $0, $1) }
        guard rc == 0 else {
            let code = errno
            close(fd)
            if code == EADDRINUSE { throw ListenerError.portInUse(endpoint.port) }
            if code == EADDRNOTAVAIL { throw ListenerError.addressNotLocal(endpoint.address.description) }
            if code == EACCES { throw ListenerError.permissionDenied(endpoint.port) }
            throw ListenerError.bindFailed(endpoint.description, String(cString: strerror(code)))
        }
        self.fd = fd
        self.family = endpoint.family
        self.local = endpoint.port != 0 ? endpoint : Endpoint(address: endpoint.address, port: Endpoint.local(of: fd)?.port ?? 0)
    }

    /// The wildcard of `family` (0.0.0.0 or ::) at `port`.
    public convenience init(wildcard family: IPAddress.Family, port: UInt16) throws {
        try self.init(bind: Endpoint(address: .unspecified(family), port: port))
    }

    deinit { close(fd) }

    /// The next waiting datagram, or nil when none is left.
    public func receive() -> (bytes: [UInt8], from: Endpoint)? {
        if ownBuffer == nil { ownBuffer = ReceiveBuffer() }
        return receive(using: ownBuffer!)
    }

    /// The next waiting datagram, read through `buffer` (one thread at a time may use it).
    public func receive(using buffer: ReceiveBuffer) -> (bytes: [UInt8], from: Endpoint)? {
        while true {
            let (n, sender) = Endpoint.reading { recvfrom(fd, buffer.bytes.baseAddress, buffer.bytes.count, 0, $0, $1) }
            if n < 0 && errno == EINTR { continue }
            // ICMP errors from earlier sends surface here (ECONNREFUSED); skip them.
            if n < 0 && errno == ECONNREFUSED { continue }
            guard n >= 0, let from = sender else { return nil }
            return (Array(buffer.bytes[0..<n]), from)
        }
    }

    /// Sends one datagram. Like any UDP send it proves nothing about delivery, but a
    /// refusal here (no route, no such interface, a full buffer) is worth saying: the
    /// peer will never see this datagram.
    public func send(_ bytes: [UInt8], to destination: Endpoint) throws(ListenerError) {
        guard destination.family == family else {
            throw .sendFailed(destination.description, "an \(destination.family.name) address from an \(family.name) socket")
        }
        let n = destination.withSockAddr { address, length in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) }
        }
        guard n == bytes.count else { throw .sendFailed(destination.description, String(cString: strerror(n < 0 ? errno : EMSGSIZE))) }
    }

    /// The sockets a listener needs on one port: IPv4 and IPv6 wildcards, or the one
    /// family of an explicit bind address.
    public static func listening(on port: UInt16, bind address: IPAddress?) throws -> [UDPSocket] {
        if let address { return [try UDPSocket(bind: Endpoint(address: address, port: port))] }
        var sockets = [try UDPSocket(wildcard: .ipv4, port: port)]
        do {
            sockets.append(try UDPSocket(wildcard: .ipv6, port: port))
        } catch ListenerError.familyUnsupported, ListenerError.addressNotLocal {
            // A host without IPv6 (no module, or disable_ipv6) still listens on IPv4. Any
            // other failure (the port taken on IPv6, no descriptors left) is the caller's:
            // a target's IPv6 traffic would go to another program, unsaid.
        }
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
    case familyUnsupported(String)
    case portInUse(UInt16)
    case addressNotLocal(String)
    case permissionDenied(UInt16)
    case bindFailed(String, String)
    case pollFailed(String)
    case sendFailed(String, String)

    public var errorDescription: String? {
        switch self {
        case .socketFailed(let e): return "cannot create a UDP socket: \(e); check the process limits (ulimit -n)"
        case .familyUnsupported(let family): return "this host has no \(family) (the kernel refuses its sockets); use an address of the other family with --bind"
        case .portInUse(let p): return "UDP port \(p) is already in use (WinDbg, another listener?); stop that program or pick another port"
        case .addressNotLocal(let a): return "\(a) is not an address of this host; give one that `ip addr` lists"
        case .permissionDenied(let p): return "not allowed to bind UDP port \(p); use a port from 49152-65535 (50000-50039 is recommended)"
        case .bindFailed(let e, let why): return "cannot bind \(e): \(why); check the address and port"
        case .pollFailed(let e): return "waiting for datagrams failed: \(e); try again"
        case .sendFailed(let to, let why): return "cannot send to \(to): \(why); check the route to it (`ip route get` with its address)"
        }
    }
}

/// Flag values the listener or simulator cannot use: exit 64.
public enum ListenOptionError: Error, LocalizedError, Sendable {
    case needsPortAndKey
    case needsKey
    case configAndPort
    case targetNeedsPort
    case badMachine(String)
    case badProtocolVersion(Int)
    case badInterval(String, Double)
    case outOfRange(flag: String, value: String, range: String, example: String)
    case familyMismatch(bind: IPAddress, host: IPAddress)

    public var errorDescription: String? {
        switch self {
        case .needsPortAndKey: return "give --port and the key (--key, --key-file or $KDNETCTL_KEY, as set on the target with bcdedit /dbgsettings), or --config with the listener.json of `kdnetctl plan`; after `kdnetctl wizard` or `plan`, listen uses their setup without flags"
        case .needsKey: return "give the key the target was set up with: --key, --key-file or $KDNETCTL_KEY"
        case .configAndPort: return "--config lists ports and keys already; drop --port/--key/--expect/--target or drop --config"
        case .targetNeedsPort: return "--target works with one target; use it with --port and --key, not --config"
        case .badMachine(let m): return "unknown machine \(m); use x64, x86 or arm64"
        case .badProtocolVersion(let v): return "KDNET protocol version \(v) is not a version byte a target sends; pick \(KDNetVersion.speakable.lowerBound)-\(KDNetVersion.speakable.upperBound) (real targets were seen speaking \(KDNetVersion.knownText))"
        case .badInterval(let flag, let v): return "\(flag) \(v) is not a positive number of seconds; give e.g. \(flag) 3"
        case .outOfRange(let flag, let v, let range, let example): return "\(flag) \(v) is outside \(range); give e.g. \(flag) \(example)"
        case .familyMismatch(let bind, let host):
            let (b, h) = bind.isIPv4 ? ("IPv4", "IPv6") : ("IPv6", "IPv4")
            return "--bind \(bind) is \(b) but --host-ip \(host) is \(h); give a --bind address of the host's family, or drop --bind"
        }
    }
}


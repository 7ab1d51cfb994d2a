import Foundation

/// Where a simulated target sends from when no source address is given.
///
/// A target sends from its KDNET port itself, so on the machine that runs the listener
/// the two want the same port. A host on this machine (loopback, or one of its own
/// addresses) is therefore sent to from another loopback address at that port, and when
/// the port is taken on all of them (a listener bound to every address holds it) from
/// another port, which the listener answers just the same. A host elsewhere is sent to
/// from the port on every address, as a real target does.
struct SimulatorSource {
    let socket: UDPSocket
    /// What the pokes name as the target: the address routing uses and the bound port.
    let endpoint: KDNetEndpoint

    /// The loopback addresses tried at the KDNET port before another port is taken.
    static let loopbackIPv4 = (1...9).map { "127.0.0.\($0)" }

    static func bind(towards host: KDNetEndpoint) throws -> SimulatorSource {
        let routed = routedAddress(towards: host)
        let onThisMachine = IPAddress(host.addressText)?.isLoopback == true || routed == host.addressText
        guard onThisMachine else {
            let wildcard = host.family == AF_INET ? "0.0.0.0" : "::"
            let socket = try UDPSocket(address: nil, port: host.port, family: host.family)
            return SimulatorSource(socket: socket, endpoint: KDNetEndpoint(routed ?? wildcard, port: host.port) ?? .zero)
        }
        let candidates = (host.family == AF_INET ? loopbackIPv4 : ["::1"]).filter { $0 != host.addressText }
        for address in candidates {
            do {
                return try SimulatorSource(address: address, port: host.port, family: host.family)
            } catch ListenerError.portInUse(_) {
                continue
            } catch ListenerError.addressNotLocal(_) {
                continue
            }
        }
        // Port 0: the system picks a free one.
        if let s = try? SimulatorSource(address: candidates.first ?? host.addressText, port: 0, family: host.family) { return s }
        throw SimulatorSourceError.noFreeSource(port: host.port, tried: candidates)
    }

    private init(socket: UDPSocket, endpoint: KDNetEndpoint) {
        self.socket = socket; self.endpoint = endpoint
    }

    private init(address: String, port: UInt16, family: Int32) throws {
        socket = try UDPSocket(address: address, port: port, family: family)
        endpoint = KDNetEndpoint(address, port: socket.port) ?? .zero
    }

    /// The local address routing would use towards the host (connect a UDP socket, ask).
    static func routedAddress(towards host: KDNetEndpoint) -> String? {
        let fd = Foundation.socket(host.family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard host.withSocketAddress(family: host.family, { connect(fd, $0, $1) }) == 0 else { return nil }
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard rc == 0 else { return nil }
        return KDNetEndpoint(storage: storage)?.addressText
    }
}

public enum SimulatorSourceError: Error, LocalizedError, Sendable {
    case noFreeSource(port: UInt16, tried: [String])

    public var errorDescription: String? {
        switch self {
        case .noFreeSource(let port, let tried):
            let addresses = tried.count > 1 ? "\(tried[0])-\(tried[tried.count - 1])" : tried.first ?? "loopback"
            return "no source to send from: UDP port \(port) is taken on \(addresses) and no other port could be bound; give a free address of this host with --bind"
        }
    }
}

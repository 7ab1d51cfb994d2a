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
    let endpoint: Endpoint

    /// The loopback addresses tried at the KDNET port before another port is taken.
    static let loopbackIPv4 = (1...9).map { IPAddress("127.0.0.\($0)")! }

    static func bind(towards host: Endpoint) throws -> SimulatorSource {
        let routed = routedAddress(towards: host)
        let onThisMachine = host.address.isLoopback || routed?.unscoped == host.address.unscoped
        guard onThisMachine else {
            let socket = try UDPSocket(wildcard: host.family, port: host.port)
            return SimulatorSource(socket: socket, endpoint: Endpoint(address: routed ?? .unspecified(host.family), port: host.port))
        }
        let candidates = (host.family == .ipv4 ? loopbackIPv4 : [IPAddress("::1")!]).filter { $0 != host.address }
        for address in candidates {
            do {
                return try SimulatorSource(address: address, port: host.port)
            } catch ListenerError.portInUse(_) {
                continue
            } catch ListenerError.addressNotLocal(_) {
                continue
            }
        }
        // Port 0: the system picks a free one.
        if let s = try? SimulatorSource(address: candidates.first ?? host.address, port: 0) { return s }
        throw SimulatorSourceError.noFreeSource(port: host.port, tried: candidates.map(\.description))
    }

    private init(socket: UDPSocket, endpoint: Endpoint) {
        self.socket = socket; self.endpoint = endpoint
    }

    private init(address: IPAddress, port: UInt16) throws {
        socket = try UDPSocket(bind: Endpoint(address: address, port: port))
        endpoint = socket.local
    }

    /// The local address routing would use towards the host (connect a UDP socket, ask).
    static func routedAddress(towards host: Endpoint) -> IPAddress? {
        let fd = Foundation.socket(host.family.socketFamily, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard host.withSockAddr({ connect(fd, $0, $1) }) == 0 else { return nil }
        return Endpoint.local(of: fd)?.address
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

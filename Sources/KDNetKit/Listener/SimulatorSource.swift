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
    /// Why it sends from another port than the KDNET port, when it does.
    let otherPortReason: String?

    /// The loopback addresses tried at the KDNET port before another port is taken.
    static let loopbackIPv4 = (1...9).map { IPAddress("127.0.0.\($0)")! }

    static func bind(towards host: Endpoint) throws -> SimulatorSource {
        let routed = routedAddress(towards: host)
        let onThisMachine = host.address.isLoopback || routed?.unscoped == host.address.unscoped
        guard onThisMachine else {
            let socket = try UDPSocket(wildcard: host.family, port: host.port)
            return SimulatorSource(socket: socket, endpoint: Endpoint(address: routed ?? .unspecified(host.family), port: host.port), otherPortReason: nil)
        }
        // IPv6 has one loopback address: towards ::1 there is no other to send from.
        let candidates = (host.family == .ipv4 ? loopbackIPv4 : [IPAddress("::1")!]).filter { $0 != host.address }
        var taken: [IPAddress] = []
        var notLocal: [IPAddress] = []
        for address in candidates {
            do {
                return try SimulatorSource(address: address, port: host.port, otherPortReason: nil)
            } catch ListenerError.portInUse(_) {
                taken.append(address)
            } catch ListenerError.addressNotLocal(_) {
                notLocal.append(address)
            }
        }
        let reason: String
        if candidates.isEmpty {
            reason = "\(host.address) is IPv6's only loopback address and the host's own, which leaves no other address to send from at port \(host.port)"
        } else if !taken.isEmpty {
            reason = "port \(host.port) is taken on \(span(taken)) (by a listener bound to every address?)"
        } else {
            reason = "\(span(notLocal)) cannot be bound here"
        }
        // Port 0: the system picks a free one.
        let fallback = candidates.first { !notLocal.contains($0) } ?? host.address
        do {
            return try SimulatorSource(address: fallback, port: 0, otherPortReason: reason)
        } catch ListenerError.addressNotLocal(_) {
            throw SimulatorSourceError.notLocal(fallback)
        } catch {
            throw SimulatorSourceError.noFreeSource(reason: reason)
        }
    }

    static func span(_ addresses: [IPAddress]) -> String {
        addresses.count > 1 ? "\(addresses[0])-\(addresses[addresses.count - 1])" : addresses.first?.description ?? "loopback"
    }

    private init(socket: UDPSocket, endpoint: Endpoint, otherPortReason: String?) {
        self.socket = socket; self.endpoint = endpoint; self.otherPortReason = otherPortReason
    }

    private init(address: IPAddress, port: UInt16, otherPortReason: String?) throws {
        socket = try UDPSocket(bind: Endpoint(address: address, port: port))
        endpoint = socket.local
        self.otherPortReason = otherPortReason
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

public enum SimulatorSourceError: Error, LocalizedError, Sendable, Equatable {
    case noFreeSource(reason: String)
    /// The loopback address itself is missing (IPv6 turned off, or lo without ::1).
    case notLocal(IPAddress)

    public var errorDescription: String? {
        switch self {
        case .noFreeSource(let reason):
            return "no source to send from: \(reason), and no other port could be bound; give a free address of this host with --bind"
        case .notLocal(let address):
            return "no source to send from: \(address) is not an address of this host (IPv6 turned off, or lo has no ::1?); check `ip addr show lo`, or give a source with --bind"
        }
    }
}

import Foundation

/// One target to listen for: its port and key, and where it should send from.
public struct ListenTarget: Sendable {
    public var name: String?
    public var port: UInt16
    public var key: DebugKey
    public var expectedAddress: IPAddress?

    public init(name: String? = nil, port: UInt16, key: DebugKey, expectedAddress: IPAddress? = nil) {
        self.name = name; self.port = port; self.key = key; self.expectedAddress = expectedAddress
    }

    /// A listener.json entry; throws when its key does not parse.
    public init(_ entry: ListenerConfig.Target) throws {
        self.init(name: entry.name, port: entry.port, key: try DebugKey(parsing: entry.key), expectedAddress: entry.address.flatMap(IPAddress.init))
    }

    public static func from(_ config: ListenerConfig) throws -> [ListenTarget] {
        try config.targets.map(ListenTarget.init)
    }

    /// The host session `listen` and `serve` run for this target: a lost datagram of the
    /// handshake is sent again after a second (not the protocol's default).
    public func sessionConfiguration(mode: HostSession.Mode) -> HostSession.Configuration {
        var c = HostSession.Configuration(keys: KDNetKeys(key: key), mode: mode, expectedAddress: expectedAddress)
        c.retransmitInterval = 1
        return c
    }
}

public struct ListenOptions: Sendable {
    public var targets: [ListenTarget]
    public var bind: IPAddress?
    /// Seconds to wait before giving up; nil waits until stopped.
    public var timeout: SessionTime?
    public var mode: HostSession.Mode
    /// `--target`: send connect requests there (at the target's port) until it pokes.
    public var connectTo: IPAddress?
    public var connectInterval: SessionTime = 3

    public init(targets: [ListenTarget], bind: IPAddress? = nil, timeout: SessionTime? = nil,
                mode: HostSession.Mode = .confirm, connectTo: IPAddress? = nil) {
        self.targets = targets; self.bind = bind; self.timeout = timeout; self.mode = mode; self.connectTo = connectTo
    }
}

/// The socket side of the listener: binds every port (IPv4 and IPv6), feeds datagrams
/// and timers to one `HostSession` per target, and sends what the sessions ask for.
/// Idle means blocked in `poll` until a datagram or the next deadline.
public final class HostListener {
    struct Port {
        var target: ListenTarget
        var sockets: [UDPSocket]
        var session: HostSession
        var debugOutput: [String] = []
        var connectTo: Endpoint?
        var nextConnectAt: SessionTime?
    }

    static let receiveBatch = 256
    public let options: ListenOptions
    /// One for every socket: they are read one at a time, on this thread.
    private let buffer = ReceiveBuffer()
    private var ports: [Port]
    private let stop: WakePipe?
    private var onSendFailure: (Int, ListenerError) -> Void = { _, _ in }
    /// Datagrams the kernel refused to send (a reply to an unreachable source): the
    /// listener goes on serving the other targets and the next poke.
    public private(set) var unsentDatagrams = 0

    /// Binds every port now, so a busy port is reported before any waiting.
    public init(options: ListenOptions, stop: WakePipe? = nil) throws {
        // A fleet of ports past the open-file limit would fail to bind halfway through.
        try DescriptorLimit.ensure(DescriptorBudget(ports: options.targets.count, bind: options.bind))
        self.options = options
        self.stop = stop
        var ports: [Port] = []
        let bind = options.bind
        let connectTo = options.connectTo
        for t in options.targets {
            var port = Port(target: t, sockets: try UDPSocket.listening(on: t.port, bind: bind),
                            session: HostSession(configuration: t.sessionConfiguration(mode: options.mode)))
            if let connectTo {
                port.connectTo = Endpoint(address: connectTo, port: t.port)
                port.nextConnectAt = 0
            }
            ports.append(port)
        }
        self.ports = ports
    }

    /// Runs until every target is confirmed (confirm mode), the timeout, or `stop`.
    /// `onEvent` sees every session event with the index of its target, `onSendFailure`
    /// every datagram the kernel refused to send, `onTick` the seconds since the start
    /// every `tickInterval` seconds (for a status line that counts while nothing arrives;
    /// with no interval the listener sleeps until a datagram or a session deadline).
    public func run(tickInterval: SessionTime? = nil, onTick: (SessionTime) -> Void = { _ in },
                    onSendFailure: @escaping (Int, ListenerError) -> Void = { _, _ in },
                    onEvent: (Int, SessionEvent, TrafficTally) -> Void) throws -> [ListenResult] {
        self.onSendFailure = onSendFailure
        defer { self.onSendFailure = { _, _ in } }
        let start = MonotonicClock.now()
        let end = options.timeout.map { start + $0 }
        let tickInterval = tickInterval.flatMap { $0 > 0 ? $0 : nil }
        var nextTick = tickInterval.map { start + $0 }
        var owner: [Int32: (port: Int, socket: UDPSocket)] = [:]
        for (i, p) in ports.enumerated() { for s in p.sockets { owner[s.fd] = (i, s) } }
        var fds = Array(owner.keys)
        if let stop { fds.append(stop.readFD) }

        while !(stop?.isWoken ?? false) {
            if options.mode == .confirm, ports.allSatisfy({ $0.session.isConfirmed }) { break }
            let now = MonotonicClock.now()
            if let end, now >= end { break }
            for i in ports.indices {
                if let due = ports[i].session.nextDeadline, now >= due {
                    deliver(ports[i].session.tick(at: now), port: i, onEvent: onEvent)
                }
                sendConnectRequest(port: i, at: now)
            }
            if let due = nextTick, let interval = tickInterval, now >= due {
                onTick(now - start)
                // The next whole interval after now: a slow callback skips ticks rather than bunching them.
                var next = due + interval
                while next <= now { next += interval }
                nextTick = next
            }
            let deadlines = ports.flatMap { [$0.session.nextDeadline, $0.session.peer == nil ? $0.nextConnectAt : nil] } + [end, nextTick]
            let ready = try Poller.wait(fds, until: deadlines.earliest)
            for fd in ready {
                guard let (i, socket) = owner[fd] else { continue }
                // Bounded, so a flooded socket cannot starve retransmissions and the other
                // ports; poll reports it ready again at once.
                for _ in 0..<Self.receiveBatch {
                    guard let (bytes, from) = socket.receive(using: buffer) else { break }
                    deliver(ports[i].session.receive(bytes, from: from, at: MonotonicClock.now()), port: i, onEvent: onEvent)
                }
            }
        }
        return results
    }

    public var results: [ListenResult] {
        ports.map { p in
            let mac = p.session.peer.flatMap { HostNetwork.neighbourMAC(for: $0.address) }
            return ListenResult(name: p.target.name, port: p.target.port, session: p.session, mac: mac,
                                follow: options.mode == .follow, debugOutput: p.debugOutput)
        }
    }

    private func sendConnectRequest(port i: Int, at now: SessionTime) {
        guard let to = ports[i].connectTo, ports[i].session.peer == nil, let due = ports[i].nextConnectAt, now >= due else { return }
        let d = ports[i].session.connectRequest(to: to)
        send(d, port: i)
        ports[i].nextConnectAt = now + options.connectInterval
    }

    /// The IPv6 sockets are IPv6-only, so only the socket of the peer's family can answer it.
    private func socket(of i: Int, reaching destination: Endpoint) -> UDPSocket? {
        ports[i].sockets.first { $0.family == destination.family }
    }

    /// One refused send must not end the listener: it is counted and said, and the
    /// session's retransmission tries again.
    private func send(_ d: OutgoingDatagram, port i: Int) {
        do throws(ListenerError) {
            guard let socket = socket(of: i, reaching: d.destination) else {
                throw ListenerError.sendFailed(d.destination.description, "no \(d.destination.family.name) socket is bound (--bind is of the other family)")
            }
            try socket.send(d.bytes, to: d.destination)
        } catch {
            unsentDatagrams += 1
            onSendFailure(i, error)
        }
    }

    private func deliver(_ out: SessionOutput, port i: Int, onEvent: (Int, SessionEvent, TrafficTally) -> Void) {
        for d in out.datagrams { send(d, port: i) }
        for e in out.events {
            // Kept for the JSON document; a long follow keeps only the latest lines.
            if case .debugPrint(let text) = e, options.mode == .follow {
                ports[i].debugOutput.append(text)
                if ports[i].debugOutput.count > 10_000 { ports[i].debugOutput.removeFirst(1_000) }
            }
            onEvent(i, e, ports[i].session.tally)
        }
    }
}

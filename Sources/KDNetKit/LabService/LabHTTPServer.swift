import Foundation
import Glibc
import Synchronization

/// The lab service's HTTP side: a small HTTP/1.1 server on one non-blocking TCP socket and
/// one `poll(2)` loop on its own thread, serving `LabHTTPRouter`'s answers. Every response
/// closes its connection, except `/events`, which stays open and gets the fleet again
/// whenever the board's generation moves.
///
/// A client that is slow or hostile costs at most `Limits.headBytes` of memory and
/// `Limits.requestSeconds` of a connection slot before it is dropped.
public final class LabHTTPServer: @unchecked Sendable {
    public struct Limits: Sendable {
        public var headBytes = HTTPRequest.maxHeadBytes
        /// From accepting a connection to a whole request head (slowloris).
        public var requestSeconds = 10.0
        /// A response whose bytes the client stops taking is dropped after this.
        public var writeSeconds = 30.0
        public var connections = 256
        /// An event stream whose unsent events exceed this is dropped (a client that never reads).
        public var streamBacklogBytes = 1 << 20
        /// How often open event streams look at the board's generation.
        public var streamCheckSeconds = 0.25
        /// An event stream ends after this (the browser reconnects and gets the fleet anew),
        /// so a connection a NAT or a sleeping laptop forgot does not hold its slot for ever.
        public var streamSeconds = 300.0
        /// A comment line on idle streams, so proxies and browsers keep them open.
        public var streamKeepAliveSeconds = 15.0

        public init() {}
    }

    public let limits: Limits
    private let source: any LabStatusSource
    private let token: String?
    private let hostNames: [String]
    private let requested: Endpoint
    private let state = Mutex<RunState>(RunState())
    private let wake = WakePipe()
    private let openStreamCount = Atomic<Int>(0)

    private struct RunState {
        var listenFD: Int32 = -1
        var local: Endpoint?
        var router: LabHTTPRouter?
        var finished: DispatchSemaphore?
    }

    /// `hostNames`: names (`--http-host`) that `Host` may give besides this host's own
    /// names and addresses.
    public init(bind: Endpoint, token: String?, source: any LabStatusSource, limits: Limits = Limits(), hostNames: [String] = []) {
        requested = bind
        self.token = token
        self.source = source
        self.hostNames = hostNames
        self.limits = limits
    }

    deinit { stop() }

    /// Where it listens, with the port the system picked for port 0; nil before `start()`.
    public var local: Endpoint? { state.withLock { $0.local } }

    /// The router serving, with the `Host` rule for the bound port; nil before `start()`.
    public var router: LabHTTPRouter? { state.withLock { $0.router } }

    /// Event streams open right now.
    public var openStreams: Int { openStreamCount.load(ordering: .relaxed) }

    /// Binds and listens now, so a busy port or a foreign address is an error here, then
    /// serves on a thread of its own until `stop()`. Once per server: after `stop()`, make
    /// a new one. Nothing fails after a successful start: a client's trouble ends only that
    /// client's connection.
    public func start() throws(LabHTTPError) {
        let fd = try Self.listen(on: requested)
        let local = Endpoint.local(of: fd).map { Endpoint(address: requested.address, port: $0.port) } ?? requested
        // The port is known only now (port 0 in tests); the addresses and names once, here.
        let hosts = LabHTTPHostRule.serving(local, localAddresses: requested.address.isUnspecified ? LabHTTPHostRule.localAddresses() : [],
                                            names: hostNames + LabHTTPHostRule.machineNames())
        let router = LabHTTPRouter(source: source, token: token, hosts: hosts)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            serve(listenFD: fd, router: router)
            finished.signal()
        }
        thread.name = "kdnetctl-http"
        state.withLock {
            $0.listenFD = fd
            $0.local = local
            $0.router = router
            $0.finished = finished
        }
        thread.start()
    }

    /// Closes every connection and the socket; returns once the thread has ended.
    public func stop() {
        let (fd, finished) = state.withLock { s -> (Int32, DispatchSemaphore?) in
            defer { s.listenFD = -1; s.finished = nil }
            return (s.listenFD, s.finished)
        }
        guard let finished else { return }
        wake.wake()
        finished.wait()
        close(fd)
    }

    static func listen(on endpoint: Endpoint) throws(LabHTTPError) -> Int32 {
        let fd = socket(endpoint.family.socketFamily, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socketFailed(String(cString: strerror(errno))) }
        var one: Int32 = 1
        // A restarted service must not wait out TIME_WAIT of its last connections.
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if endpoint.family == .ipv6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let rc = endpoint.withSockAddr { bind(fd, $0, $1) }
        guard rc == 0, Glibc.listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            switch code {
            case EADDRINUSE: throw .portInUse(endpoint)
            case EADDRNOTAVAIL: throw .addressNotLocal(endpoint.address.description)
            case EACCES: throw .permissionDenied(endpoint.port)
            default: throw .bindFailed(endpoint.description, String(cString: strerror(code)))
            }
        }
        return fd
    }

    // MARK: The loop (its thread only)

    private final class Connection {
        enum Phase { case reading, responding, streaming(generation: UInt64) }
        let fd: Int32
        var phase = Phase.reading
        var input: [UInt8] = []
        var output: [UInt8] = []
        var sent = 0
        /// Reading: the end of the time for the head. Writing: the end of the time for progress.
        var deadline: Double
        var lastStreamWrite: Double
        var streamEnd = Double.infinity

        init(fd: Int32, now: Double, requestSeconds: Double) {
            self.fd = fd; deadline = now + requestSeconds; lastStreamWrite = now
        }

        var pending: Int { output.count - sent }
        var isStreaming: Bool { if case .streaming = phase { return true } else { return false } }
    }

    private func serve(listenFD: Int32, router: LabHTTPRouter) {
        var connections: [Int32: Connection] = [:]
        var acceptPausedUntil = 0.0
        defer {
            for c in connections.values { close(c.fd) }
            openStreamCount.store(0, ordering: .relaxed)
        }
        while !wake.isWoken {
            let now = MonotonicClock.now()
            var fds = [pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0)]
            let accepting = connections.count < limits.connections && now >= acceptPausedUntil
            if accepting { fds.append(pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)) }
            var nextDeadline = accepting ? Double.infinity : now + 0.1
            for c in connections.values {
                let events = c.pending > 0 ? POLLOUT : POLLIN
                fds.append(pollfd(fd: c.fd, events: Int16(events), revents: 0))
                nextDeadline = min(nextDeadline, c.isStreaming ? now + limits.streamCheckSeconds : c.deadline)
            }
            let timeout = nextDeadline == .infinity ? -1 : Int32(max(0, min((nextDeadline - now) * 1000, 60_000)).rounded(.up))
            if poll(&fds, nfds_t(fds.count), timeout) < 0 {
                if errno == EINTR { continue }
                // Only a programming error gets here (EFAULT, EINVAL); do not spin on it.
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            for entry in fds where entry.revents != 0 {
                if entry.fd == wake.readFD { continue }
                if entry.fd == listenFD {
                    acceptPausedUntil = acceptAll(listenFD, into: &connections)
                    continue
                }
                guard let c = connections[entry.fd] else { continue }
                let keep = entry.revents & Int16(POLLOUT) != 0 ? write(c) : read(c, router: router)
                if !keep { drop(c, from: &connections) }
            }
            tick(&connections)
        }
    }

    /// Accepts every waiting connection; returns until when to stop accepting (out of descriptors).
    private func acceptAll(_ listenFD: Int32, into connections: inout [Int32: Connection]) -> Double {
        while connections.count < limits.connections {
            let fd = accept(listenFD, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                // The listening socket stays readable while accept fails for lack of
                // descriptors: pause instead of spinning.
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM { return MonotonicClock.now() + 0.1 }
                return 0
            }
            connections[fd] = Connection(fd: fd, now: MonotonicClock.now(), requestSeconds: limits.requestSeconds)
        }
        return 0
    }

    /// False when the connection is done with.
    private func read(_ c: Connection, router: LabHTTPRouter) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(c.fd, &buffer, buffer.count, 0)
            if n < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK
            }
            if n == 0 { return false }
            // After the head, a stream's or a response's client has nothing more to say.
            guard case .reading = c.phase else { continue }
            c.input += buffer[0..<n]
            switch HTTPRequest.parse(c.input, maxHeadBytes: limits.headBytes) {
            case .incomplete:
                continue
            case .refused(let status, let reason):
                respond(c, with: HTTPResponse(status: status, text: reason + "\n"), headOnly: false)
            case .complete(let request, _):
                respond(c, with: router.respond(to: request), headOnly: request.method == "HEAD")
            }
            return write(c)
        }
    }

    private func respond(_ c: Connection, with response: HTTPResponse, headOnly: Bool) {
        c.input = []
        c.output = response.serialized(headOnly: headOnly)
        let now = MonotonicClock.now()
        c.deadline = now + limits.writeSeconds
        if response.isEventStream && !headOnly {
            c.phase = .streaming(generation: source.snapshot().generation)
            c.lastStreamWrite = now
            c.streamEnd = now + min(limits.streamSeconds, response.streamSeconds ?? .infinity)
            openStreamCount.add(1, ordering: .relaxed)
        } else {
            c.phase = .responding
        }
    }

    private func write(_ c: Connection) -> Bool {
        while c.pending > 0 {
            let n = c.output.withUnsafeBytes { send(c.fd, $0.baseAddress! + c.sent, c.pending, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK
            }
            c.sent += n
            c.deadline = MonotonicClock.now() + limits.writeSeconds
        }
        c.output = []; c.sent = 0
        if case .responding = c.phase {
            // The whole response is out: say so with FIN, so the client reads it all.
            shutdown(c.fd, Int32(SHUT_WR))
            return false
        }
        return true
    }

    /// Timeouts, and new events for the streams.
    private func tick(_ connections: inout [Int32: Connection]) {
        let now = MonotonicClock.now()
        // One look at the board and one event per tick, whatever the number of streams.
        var current: (generation: UInt64, event: [UInt8]?)?
        for c in Array(connections.values) {
            switch c.phase {
            case .reading, .responding:
                if now >= c.deadline { drop(c, from: &connections) }
            case .streaming(let seen):
                if (c.pending > 0 && now >= c.deadline) || now >= c.streamEnd { drop(c, from: &connections); continue }
                if current == nil { current = (source.snapshot().generation, nil) }
                if seen != current!.generation {
                    if current!.event == nil {
                        let snapshot = source.snapshot()
                        current = (snapshot.generation, LabHTTPRouter.event(snapshot))
                    }
                    queue(current!.event!, on: c, now: now)
                    c.phase = .streaming(generation: current!.generation)
                } else if now - c.lastStreamWrite >= limits.streamKeepAliveSeconds {
                    queue(Array(": keep-alive\n\n".utf8), on: c, now: now)
                }
                if c.pending > limits.streamBacklogBytes || !write(c) { drop(c, from: &connections) }
            }
        }
    }

    private func queue(_ bytes: [UInt8], on c: Connection, now: Double) {
        if c.pending == 0 { c.deadline = now + limits.writeSeconds }
        c.output += bytes
        c.lastStreamWrite = now
    }

    private func drop(_ c: Connection, from connections: inout [Int32: Connection]) {
        if c.isStreaming { openStreamCount.subtract(1, ordering: .relaxed) }
        close(c.fd)
        connections[c.fd] = nil
    }
}

/// The HTTP side cannot listen; each with its fix.
public enum LabHTTPError: Error, LocalizedError, Equatable, Sendable {
    case socketFailed(String)
    case portInUse(Endpoint)
    case addressNotLocal(String)
    case permissionDenied(UInt16)
    case bindFailed(String, String)

    public var errorDescription: String? {
        switch self {
        case .socketFailed(let e): return "cannot create a TCP socket for the status page: \(e); check the process limits (ulimit -n)"
        case .portInUse(let e): return "TCP \(e) is already in use (another kdnetctl serve?); stop that program or give --http another port"
        case .addressNotLocal(let a): return "--http \(a) is not an address of this host; give one that `ip addr` lists, or 127.0.0.1"
        case .permissionDenied(let p): return "not allowed to listen on TCP port \(p); give --http a port above 1023, e.g. 127.0.0.1:8470"
        case .bindFailed(let e, let why): return "cannot listen on TCP \(e): \(why); check the --http address and port"
        }
    }
}

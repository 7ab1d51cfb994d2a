import Foundation

public struct SimulatorOptions: Sendable {
    public var hostIP: IPAddress
    public var port: UInt16
    public var key: DebugKey
    public var pokeInterval: SessionTime = 3
    public var kernel: KernelVersion
    public var protocolVersion: UInt8 = 2
    /// The source address to send from; nil lets routing choose.
    public var bind: IPAddress?
    /// Run exactly this long (unless `maxPokes` or a stop comes first).
    public var duration: SessionTime?
    public var maxPokes: Int?
    public var rebootAfter: SessionTime?
    /// Without `duration`: how long to keep running after the host continued the target.
    public var lingerAfterContinue: SessionTime = 3
    /// Without `duration`: the longest it runs when no host continues it.
    public var maxDuration: SessionTime = 60

    public init(hostIP: IPAddress, port: UInt16, key: DebugKey, kernel: KernelVersion) {
        self.hostIP = hostIP; self.port = port; self.key = key; self.kernel = kernel
    }

    /// A real target pokes about every 3 s: a twentieth of that floods the host, a minute
    /// is longer than any debugger waits between pokes.
    public static let pokeIntervals: ClosedRange<SessionTime> = 0.05...60
    public static let pokeCounts: ClosedRange<Int> = 1...10_000
    /// `duration` and `rebootAfter`: from a tenth of a second to a day.
    public static let runTimes: ClosedRange<SessionTime> = 0.1...86_400

    /// Refuses numbers no target would use (a flood of pokes, a negative count), naming the flag and its range.
    public func checkRanges() throws(ListenOptionError) {
        func text(_ v: SessionTime) -> String { String(format: "%g", v) }
        func seconds(_ r: ClosedRange<SessionTime>) -> String { "\(text(r.lowerBound))-\(text(r.upperBound)) seconds" }
        if !Self.pokeIntervals.contains(pokeInterval) {
            throw .outOfRange(flag: "--poke-interval", value: text(pokeInterval), range: seconds(Self.pokeIntervals) + " (a real target pokes about every 3 s)", example: "3")
        }
        if let n = maxPokes, !Self.pokeCounts.contains(n) {
            throw .outOfRange(flag: "--max-pokes", value: String(n), range: "\(Self.pokeCounts.lowerBound)-\(Self.pokeCounts.upperBound)", example: "5")
        }
        for (flag, value) in [("--duration", duration), ("--reboot-after", rebootAfter)] {
            if let value, !Self.runTimes.contains(value) {
                throw .outOfRange(flag: flag, value: text(value), range: seconds(Self.runTimes), example: "10")
            }
        }
    }
}

/// What happened during a simulation: `simulate-target --json`.
public struct SimulationReport: Sendable, Codable, Equatable {
    public var host: String
    public var source: String
    public var connected: Bool
    public var continued: Bool
    /// Still stopped in the debugger when the simulation ended (a host broke in and left).
    public var halted: Bool
    public var boundDebugger: String?
    public var stoppedBecause: String
    public var durationMs: Int
    /// Datagrams the kernel refused to send (no route, no such interface), as listen reports them.
    public var unsentDatagrams: Int
    public var record: TargetSession.Record
}

/// Runs a `TargetSession` over a real UDP socket, sending from the KDNET port itself
/// (source port = destination port), as a Windows target does.
public final class TargetSimulator {
    public let options: SimulatorOptions
    private let socket: UDPSocket
    private var session: TargetSession
    /// Where the pokes go: `--host-ip` at the port.
    public let host: Endpoint
    private let stop: WakePipe?
    /// Datagrams the kernel refused to send (no route, no such interface): a real
    /// target keeps poking regardless, and so does the simulator.
    public private(set) var unsentDatagrams = 0

    /// Binds the source now, so a busy port or a bad address is reported before any poke.
    public init(options: SimulatorOptions, stop: WakePipe? = nil) throws {
        let host = Endpoint(address: options.hostIP, port: options.port)
        try options.checkRanges()
        self.options = options
        self.host = host
        self.stop = stop
        let own: Endpoint
        if let b = options.bind {
            let source = Endpoint(address: b, port: options.port)
            guard source.family == host.family else { throw ListenOptionError.familyMismatch(bind: b, host: options.hostIP) }
            socket = try UDPSocket(bind: source)
            own = source
            otherPortReason = nil
        } else {
            let source = try SimulatorSource.bind(towards: host)
            socket = source.socket
            own = source.endpoint
            otherPortReason = source.otherPortReason
        }
        var config = TargetSession.Configuration(keys: KDNetKeys(key: options.key), target: own, host: host, kernel: options.kernel)
        config.protocolVersion = options.protocolVersion
        config.pokeInterval = options.pokeInterval
        session = TargetSession(configuration: config)
    }

    public var ownEndpoint: Endpoint { session.configuration.target }
    /// Why it sends from another port than the KDNET port (a real target never does), if it does.
    public let otherPortReason: String?

    /// Runs until the duration, the poke limit, the stop pipe, or (without a duration)
    /// a short while after the host continued it.
    /// `onSendFailure` hears of every datagram the kernel refused to send.
    public func run(onSendFailure: (ListenerError) -> Void = { _ in },
                    onEvent: (SessionEvent, TargetSession) -> Void) throws -> SimulationReport {
        let start = MonotonicClock.now()
        var rebootAt = options.rebootAfter.map { start + $0 }
        var continuedAt: SessionTime?
        var connected = false
        var reason = "stopped"
        var out = session.tick(at: start)
        while true {
            for d in out.datagrams {
                do { try socket.send(d.bytes, to: d.destination) } catch {
                    unsentDatagrams += 1
                    onSendFailure(error)
                }
            }
            for e in out.events {
                if case .connected = e { connected = true }
                if case .continued = e, continuedAt == nil { continuedAt = MonotonicClock.now() }
                onEvent(e, session)
            }
            let now = MonotonicClock.now()
            let end = options.duration.map { start + $0 }
                ?? min(start + options.maxDuration, continuedAt.map { $0 + options.lingerAfterContinue } ?? .infinity)
            if stop?.isWoken ?? false { reason = "stopped"; break }
            if now >= end { reason = options.duration != nil ? "duration" : continuedAt != nil ? "continued" : "max-duration"; break }
            if let max = options.maxPokes, session.record.pokes >= max, let next = session.nextPokeAt, now >= next - 0.001 {
                reason = "max-pokes"; break
            }
            if let r = rebootAt, now >= r {
                rebootAt = nil
                continuedAt = nil
                out = session.reboot(at: now)
                continue
            }
            if let due = session.nextDeadline, now >= due { out = session.tick(at: now); continue }
            var fds = [socket.fd]
            if let stop { fds.append(stop.readFD) }
            let ready = try Poller.wait(fds, until: [session.nextDeadline, end, rebootAt].earliest)
            out = SessionOutput()
            if ready.contains(socket.fd) {
                while let (bytes, from) = socket.receive() {
                    let step = session.receive(bytes, from: from, at: MonotonicClock.now())
                    out.datagrams += step.datagrams
                    out.events += step.events
                }
            }
        }
        return SimulationReport(
            host: host.description, source: ownEndpoint.description, connected: connected,
            continued: session.hasBeenContinued || session.record.continues > 0, halted: session.isHalted,
            boundDebugger: session.boundDebugger?.description, stoppedBecause: reason,
            durationMs: Int(((MonotonicClock.now() - start) * 1000).rounded()), unsentDatagrams: unsentDatagrams,
            record: session.record)
    }
}

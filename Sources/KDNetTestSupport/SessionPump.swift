import KDNetKit

/// A host session and a target session talking in memory over a fake clock: the one
/// pump the unit tests, the fuzz harness and the benchmarks share.
///
/// Datagrams wait in one queue per direction, stamped in the order they were sent.
/// `run(until:)` delivers them in that order and lets time jump to the next deadline,
/// so a test reads as the conversation a network without loss would carry. The single
/// steps below (`deliver`, `drop`, `swapFirstTwo`, `corruptFirst`, `inject`, `tick`)
/// let a caller be the network instead: the fuzz harness plays them from its input.
public struct SessionPump {
    /// The side a datagram goes to.
    public enum Side: Sendable { case host, target }

    public static let hostAddress = Endpoint("192.168.0.11", port: 50000)!
    public static let targetAddress = Endpoint("192.168.0.13", port: 50000)!

    public var host: HostSession
    public var target: TargetSession
    public var now: SessionTime = 0
    /// Whether events and delivered datagrams are kept (`hostEvents`, `wire`); the fuzz
    /// harness turns it off, it only wants the states reached.
    public var keepsHistory = true
    /// Datagrams in flight per direction; a sender's datagrams beyond it are lost, as a
    /// real network buffers a bounded amount too. Unbounded when nil.
    public var queueLimit: Int?
    public var hostEvents: [SessionEvent] = []
    public var targetEvents: [SessionEvent] = []
    /// Every datagram delivered, in order, with its direction.
    public var wire: [(toHost: Bool, bytes: [UInt8])] = []
    /// Returns the datagrams actually delivered in place of one taken off a queue; its
    /// index counts the datagrams taken so far, from 1.
    public var interfere: (_ toHost: Bool, _ bytes: [UInt8], _ index: Int) -> [[UInt8]] = { _, b, _ in [b] }
    /// Datagrams sent and not yet delivered or lost.
    public var inFlight: Int { toHost.count + toTarget.count }
    /// Datagrams taken off the queues so far.
    public private(set) var taken = 0
    private var hostDeadline: SessionTime?
    private var targetDeadline: SessionTime?
    private var toHost: [(order: Int, bytes: [UInt8])] = []
    private var toTarget: [(order: Int, bytes: [UInt8])] = []
    private var stamped = 0
    private var started = false

    public init(host: HostSession, target: TargetSession) {
        self.host = host
        self.target = target
    }

    /// Both sides with the keys given as text, the target at `targetAddress` sending to
    /// `hostAddress`, and seeded randomness so every run is the same.
    public init(hostKey: String = "1.2.3.4", targetKey: String = "1.2.3.4", mode: HostSession.Mode = .confirm,
                build: UInt16 = 9600, protocolVersion: UInt8 = 2, pokeInterval: Double? = nil, seed: UInt64 = 7) {
        let hk = KDNetKeys(key: try! DebugKey(parsing: hostKey))
        let tk = KDNetKeys(key: try! DebugKey(parsing: targetKey))
        var config = TargetSession.Configuration(
            keys: tk, target: Self.targetAddress, host: Self.hostAddress,
            kernel: KernelVersion(major: 0xF, build: build, kernelBase: 0xFFFF_F802_6BC1_8000))
        config.protocolVersion = protocolVersion
        if let pokeInterval { config.pokeInterval = pokeInterval }
        self.init(host: HostSession(configuration: .init(keys: hk, mode: mode), random: SeededRandom(seed: seed)),
                  target: TargetSession(configuration: config, random: SeededRandom(seed: seed &+ 1)))
    }

    // MARK: The conversation as a clean network carries it

    /// Runs until `until` (fake seconds) or until `stop` holds; bounded by construction.
    public mutating func run(until end: SessionTime, stop: (SessionPump) -> Bool = { _ in false }) {
        start()
        var steps = 0
        while now <= end, steps < 100_000, !stop(self) {
            steps += 1
            guard let side = nextInOrder else {
                guard let next = [hostDeadline, targetDeadline].compactMap({ $0 }).min(), next <= end else { break }
                now = max(now, next)
                tick(.target)
                tick(.host)
                continue
            }
            deliver(to: side)
        }
    }

    /// The target restarts now; its first poke is queued.
    public mutating func reboot() { absorb(target: target.reboot(at: now)) }

    /// The running target prints `text` now (DbgPrint); its datagram, if one goes out, is queued.
    public mutating func targetPrints(_ text: String) { absorb(target: target.dbgPrint(text, at: now)) }

    /// The side the oldest datagram in flight goes to.
    private var nextInOrder: Side? {
        switch (toHost.first?.order, toTarget.first?.order) {
        case (nil, nil): return nil
        case (.some, nil): return .host
        case (nil, .some): return .target
        case let (h?, t?): return h < t ? .host : .target
        }
    }

    // MARK: Single steps, for a caller that is the network

    /// The target's first tick, once: it boots and pokes.
    public mutating func start() {
        guard !started else { return }
        started = true
        tick(.target)
    }

    public mutating func tick(_ side: Side) {
        switch side {
        case .host: absorb(host: host.tick(at: now))
        case .target: absorb(target: target.tick(at: now))
        }
    }

    /// Takes the oldest datagram going to `side` off its queue and delivers what
    /// `interfere` makes of it.
    public mutating func deliver(to side: Side) {
        guard let bytes = side == .host ? toHost.first?.bytes : toTarget.first?.bytes else { return }
        if side == .host { toHost.removeFirst() } else { toTarget.removeFirst() }
        taken += 1
        for delivered in interfere(side == .host, bytes, taken) { receive(delivered, at: side) }
    }

    /// Delivers the oldest datagram going to `side` and leaves it queued: a duplicate follows.
    public mutating func deliverCopy(to side: Side) {
        guard let bytes = side == .host ? toHost.first?.bytes : toTarget.first?.bytes else { return }
        receive(bytes, at: side)
    }

    /// Loses the oldest datagram going to `side`.
    public mutating func drop(to side: Side) {
        if side == .host { if !toHost.isEmpty { toHost.removeFirst() } } else if !toTarget.isEmpty { toTarget.removeFirst() }
    }

    /// Reorders: the second datagram going to `side` overtakes the first.
    public mutating func swapFirstTwo(to side: Side) {
        if side == .host { if toHost.count > 1 { toHost.swapAt(0, 1) } } else if toTarget.count > 1 { toTarget.swapAt(0, 1) }
    }

    /// Flips bits (`mask`, never zero) in one byte of the oldest datagram going to `side`,
    /// at `offset` modulo its length; false when there is none to corrupt.
    @discardableResult
    public mutating func corruptFirst(to side: Side, offset: Int, mask: UInt8) -> Bool {
        func flip(_ queue: inout [(order: Int, bytes: [UInt8])]) -> Bool {
            guard !queue.isEmpty, !queue[0].bytes.isEmpty else { return false }
            queue[0].bytes[offset % queue[0].bytes.count] ^= mask | 1
            return true
        }
        return side == .host ? flip(&toHost) : flip(&toTarget)
    }

    /// Bytes from nowhere (a stranger, an attacker) arriving at `side` now, as if from the other side.
    public mutating func inject(_ bytes: [UInt8], to side: Side) { receive(bytes, at: side) }

    private mutating func receive(_ bytes: [UInt8], at side: Side) {
        if keepsHistory { wire.append((side == .host, bytes)) }
        switch side {
        case .host: absorb(host: host.receive(bytes, from: Self.targetAddress, at: now))
        case .target: absorb(target: target.receive(bytes, from: Self.hostAddress, at: now))
        }
    }

    private mutating func absorb(host out: SessionOutput) {
        if keepsHistory { hostEvents += out.events }
        hostDeadline = out.nextDeadline
        for d in out.datagrams where toTarget.count < (queueLimit ?? .max) { toTarget.append((nextStamp(), d.bytes)) }
    }

    private mutating func absorb(target out: SessionOutput) {
        if keepsHistory { targetEvents += out.events }
        targetDeadline = out.nextDeadline
        for d in out.datagrams where toHost.count < (queueLimit ?? .max) { toHost.append((nextStamp(), d.bytes)) }
    }

    private mutating func nextStamp() -> Int {
        stamped += 1
        return stamped
    }

    // MARK: What the conversation said

    /// The KD packets of the first session on the wire, decoded with `key`.
    public func kdPackets(key: String) throws -> [(toHost: Bool, packet: KDPacket)] {
        let keys = KDNetKeys(key: try DebugKey(parsing: key))
        guard let response = wire.first(where: { !$0.toHost && (try? DatagramEnvelope.peek($0.bytes))?.channel == .control }) else { return [] }
        let data = keys.dataCipher(dataKey: keys.dataKey(responseBody: try keys.controlCipher.open(response.bytes).payload))
        return wire.compactMap { d in
            guard let p = try? data.open(d.bytes), let k = try? KDPacket(bytes: p.payload) else { return nil }
            return (d.toHost, k)
        }
    }

    public var hostPrints: [String] { hostEvents.compactMap { if case .debugPrint(let t) = $0 { return t } else { return nil } } }
    public var reportedVersion: KernelVersion? { hostEvents.lazy.compactMap { if case .version(let v) = $0 { return v } else { return nil } }.first }
    public func count(_ events: [SessionEvent], _ match: (SessionEvent) -> Bool) -> Int { events.filter(match).count }
}

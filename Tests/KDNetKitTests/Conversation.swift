@testable import KDNetKit

/// A host session and a target session talking in memory over a fake clock, with a
/// hook that can drop, alter or add datagrams on the way.
struct Conversation {
    static let hostAddress = Endpoint("192.168.0.11", port: 50000)!
    static let targetAddress = Endpoint("192.168.0.13", port: 50000)!

    var host: HostSession
    var target: TargetSession
    var now: SessionTime = 0
    var hostEvents: [SessionEvent] = []
    var targetEvents: [SessionEvent] = []
    /// Every datagram delivered, in order, with its direction.
    var wire: [(toHost: Bool, bytes: [UInt8])] = []
    /// Returns the datagrams actually delivered in place of one sent.
    var interfere: (_ toHost: Bool, _ bytes: [UInt8], _ index: Int) -> [[UInt8]] = { _, b, _ in [b] }
    private var hostDeadline: SessionTime?
    private var targetDeadline: SessionTime?
    private var sent = 0
    private var queue: [(toHost: Bool, bytes: [UInt8])] = []
    private var started = false

    init(hostKey: String = "1.2.3.4", targetKey: String = "1.2.3.4", mode: HostSession.Mode = .confirm,
         build: UInt16 = 9600, protocolVersion: UInt8 = 2, seed: UInt64 = 7) {
        let hk = KDNetKeys(key: try! DebugKey(parsing: hostKey))
        let tk = KDNetKeys(key: try! DebugKey(parsing: targetKey))
        host = HostSession(configuration: .init(keys: hk, mode: mode), random: SeededRandom(seed: seed))
        var config = TargetSession.Configuration(
            keys: tk, target: Self.targetAddress, host: Self.hostAddress,
            kernel: KernelVersion(major: 0xF, build: build, kernelBase: 0xFFFF_F802_6BC1_8000))
        config.protocolVersion = protocolVersion
        target = TargetSession(configuration: config, random: SeededRandom(seed: seed &+ 1))
    }

    /// Runs until `until` (fake seconds) or until `stop` holds; bounded by construction.
    mutating func run(until end: SessionTime, stop: (Conversation) -> Bool = { _ in false }) {
        if !started { started = true; absorb(target: target.tick(at: now)) }
        var steps = 0
        while now <= end, steps < 100_000, !stop(self) {
            steps += 1
            if queue.isEmpty {
                guard let next = [hostDeadline, targetDeadline].earliest, next <= end else { break }
                now = max(now, next)
                absorb(target: target.tick(at: now))
                absorb(host: host.tick(at: now))
                continue
            }
            let (toHost, bytes) = queue.removeFirst()
            sent += 1
            for delivered in interfere(toHost, bytes, sent) {
                wire.append((toHost, delivered))
                if toHost {
                    absorb(host: host.receive(delivered, from: Self.targetAddress, at: now))
                } else {
                    absorb(target: target.receive(delivered, from: Self.hostAddress, at: now))
                }
            }
        }
    }

    /// The target restarts now; its first poke is queued for the next `run`.
    mutating func reboot() { absorb(target: target.reboot(at: now)) }

    private mutating func absorb(host out: SessionOutput) {
        hostEvents += out.events
        hostDeadline = out.nextDeadline
        queue += out.datagrams.map { (false, $0.bytes) }
    }

    private mutating func absorb(target out: SessionOutput) {
        targetEvents += out.events
        targetDeadline = out.nextDeadline
        queue += out.datagrams.map { (true, $0.bytes) }
    }

    /// The KD packets of the first session on the wire, decoded with `key`.
    func kdPackets(key: String) throws -> [(toHost: Bool, packet: KDPacket)] {
        let keys = KDNetKeys(key: try DebugKey(parsing: key))
        guard let response = wire.first(where: { !$0.toHost && (try? DatagramEnvelope.peek($0.bytes))?.channel == .control }) else { return [] }
        let data = keys.dataCipher(dataKey: keys.dataKey(responseBody: try keys.controlCipher.open(response.bytes).payload))
        return wire.compactMap { d in
            guard let p = try? data.open(d.bytes), let k = try? KDPacket(bytes: p.payload) else { return nil }
            return (d.toHost, k)
        }
    }

    var hostPrints: [String] { hostEvents.compactMap { if case .debugPrint(let t) = $0 { return t } else { return nil } } }
    var reportedVersion: KernelVersion? { hostEvents.lazy.compactMap { if case .version(let v) = $0 { return v } else { return nil } }.first }
    func count(_ events: [SessionEvent], _ match: (SessionEvent) -> Bool) -> Int { events.filter(match).count }
}

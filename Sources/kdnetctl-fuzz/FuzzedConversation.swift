import KDNetKit

/// A host session and a simulated target talking through a network the input controls:
/// each input byte is an operation (deliver, drop, duplicate, reorder, corrupt, inject
/// raw bytes, let time pass, reboot the target). Reaches the states a lossy or hostile
/// network can put the sessions in, which random datagrams alone never authenticate into.
struct FuzzedConversation {
    private var host: HostSession
    private var target: TargetSession
    private var toHost: [[UInt8]] = []
    private var toTarget: [[UInt8]] = []
    private var now: SessionTime = 0
    private let targetAddress = Endpoint("192.168.0.13", port: 50000)!
    private let hostAddress = Endpoint("192.168.0.11", port: 50000)!
    /// In flight per direction; a real network buffers a bounded amount too.
    private static let queueLimit = 64

    init(keys: KDNetKeys) {
        host = HostSession(configuration: .init(keys: keys, mode: .confirm), random: SeededRandom(seed: 1))
        var config = TargetSession.Configuration(keys: keys, target: targetAddress, host: hostAddress,
                                                 kernel: KernelVersion(major: 15, build: 9600, kernelBase: 0xFFFF_F802_6BC1_8000))
        config.pokeInterval = 3
        target = TargetSession(configuration: config, random: SeededRandom(seed: 2))
        absorb(target: target.tick(at: now))
    }

    mutating func play(_ ops: [UInt8]) {
        var i = ops.startIndex
        func next() -> UInt8? { defer { i += 1 }; return i < ops.endIndex ? ops[i] : nil }
        while let op = next() {
            switch op % 12 {
            case 0: deliverToHost()
            case 1: deliverToTarget()
            case 2: if !toHost.isEmpty { toHost.removeFirst() }
            case 3: if !toTarget.isEmpty { toTarget.removeFirst() }
            case 4: if let d = toHost.first { absorb(host: host.receive(d, from: targetAddress, at: now)) }
            case 5: if toHost.count > 1 { toHost.swapAt(0, 1) }
            case 6: if toTarget.count > 1 { toTarget.swapAt(0, 1) }
            case 7:
                now += Double(next() ?? 0) * 0.05
                absorb(host: host.tick(at: now))
                absorb(target: target.tick(at: now))
            case 8:
                guard let at = next(), let flip = next(), !toHost.isEmpty, !toHost[0].isEmpty else { continue }
                toHost[0][Int(at) % toHost[0].count] ^= flip | 1
                deliverToHost()
            case 9, 10:
                let n = Int(next() ?? 0)
                let raw = Array(ops[min(i, ops.endIndex)..<min(i + n, ops.endIndex)])
                i += n
                if op % 12 == 9 {
                    absorb(host: host.receive(raw, from: targetAddress, at: now))
                } else {
                    absorb(target: target.receive(raw, from: hostAddress, at: now))
                }
            default: absorb(target: target.reboot(at: now))
            }
        }
    }

    /// For the replayer: how far the conversation got.
    var summary: String {
        "sessions=\(host.sessions) connected=\(host.isConnected) confirmed=\(host.isConfirmed) build=\(host.version.map { String($0.build) } ?? "-") continues=\(target.record.continues)"
    }

    private mutating func deliverToHost() {
        guard !toHost.isEmpty else { return }
        absorb(host: host.receive(toHost.removeFirst(), from: targetAddress, at: now))
    }

    private mutating func deliverToTarget() {
        guard !toTarget.isEmpty else { return }
        absorb(target: target.receive(toTarget.removeFirst(), from: hostAddress, at: now))
    }

    private mutating func absorb(host out: SessionOutput) {
        for d in out.datagrams where toTarget.count < Self.queueLimit { toTarget.append(d.bytes) }
    }

    private mutating func absorb(target out: SessionOutput) {
        for d in out.datagrams where toHost.count < Self.queueLimit { toHost.append(d.bytes) }
    }
}

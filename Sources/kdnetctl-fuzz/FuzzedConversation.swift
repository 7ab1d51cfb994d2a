import KDNetKit
import KDNetTestSupport

/// A host session and a simulated target talking through a network the input controls:
/// each input byte is an operation (deliver, drop, duplicate, reorder, corrupt, inject
/// raw bytes, let time pass, reboot the target). Reaches the states a lossy or hostile
/// network can put the sessions in, which random datagrams alone never authenticate into.
struct FuzzedConversation {
    private var pump: SessionPump

    init(keys: KDNetKeys) {
        var config = TargetSession.Configuration(keys: keys, target: SessionPump.targetAddress, host: SessionPump.hostAddress,
                                                 kernel: KernelVersion(major: 15, build: 9600, kernelBase: 0xFFFF_F802_6BC1_8000))
        config.pokeInterval = 3
        pump = SessionPump(host: HostSession(configuration: .init(keys: keys, mode: .confirm), random: SeededRandom(seed: 1)),
                           target: TargetSession(configuration: config, random: SeededRandom(seed: 2)))
        pump.keepsHistory = false
        pump.queueLimit = 64
        pump.start()
    }

    mutating func play(_ ops: [UInt8]) {
        var i = ops.startIndex
        func next() -> UInt8? { defer { i += 1 }; return i < ops.endIndex ? ops[i] : nil }
        while let op = next() {
            switch op % 12 {
            case 0: pump.deliver(to: .host)
            case 1: pump.deliver(to: .target)
            case 2: pump.drop(to: .host)
            case 3: pump.drop(to: .target)
            case 4: pump.deliverCopy(to: .host)
            case 5: pump.swapFirstTwo(to: .host)
            case 6: pump.swapFirstTwo(to: .target)
            case 7:
                pump.now += Double(next() ?? 0) * 0.05
                pump.tick(.host)
                pump.tick(.target)
            case 8:
                guard let at = next(), let flip = next() else { continue }
                if pump.corruptFirst(to: .host, offset: Int(at), mask: flip) { pump.deliver(to: .host) }
            case 9, 10:
                let n = Int(next() ?? 0)
                let raw = Array(ops[min(i, ops.endIndex)..<min(i + n, ops.endIndex)])
                i += n
                pump.inject(raw, to: op % 12 == 9 ? .host : .target)
            default: pump.reboot()
            }
        }
    }

    /// For the replayer: how far the conversation got.
    var summary: String {
        let host = pump.host
        return "sessions=\(host.sessions) connected=\(host.isConnected) confirmed=\(host.isConfirmed) build=\(host.version.map { String($0.build) } ?? "-") continues=\(pump.target.record.continues)"
    }
}

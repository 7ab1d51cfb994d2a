import Foundation
import KDNetKit

/// The datagrams Checks/check-hostile.sh floods a listener with, built here because the
/// near-valid ones need the KDNET cipher: `KDNET_FLOOD_KEY=K kdnetctl-fuzz --flood-pool FILE`
/// writes them as 2-byte big-endian length + bytes, for a plain sender to cycle through.
enum FloodDatagrams {
    enum Kind: CaseIterable { case foreign, badEnvelope, wrongTag, authenticGarbage, reflected, unverifiedData, replayedPoke }

    static func pool(key: DebugKey, count: Int = 4096) -> [[UInt8]] {
        let keys = KDNetKeys(key: key)
        var random = SeededRandom(seed: 7)
        // One genuine-looking poke, replayed over and over: a captured poke sent again.
        let replayed = keys.controlCipher.seal(KDNetDatagram(
            version: 2, channel: .control, sequence: 1, direction: .targetToHost,
            payload: Poke(clientKey: random.bytes(32), target: KDNetEndpoint(Endpoint("10.0.0.99", port: 50000)!),
                          host: .zero).encoded()))
        return (0..<count).map { i in
            let blocks = 1 + Int(random.next() % 8)
            switch Kind.allCases[i % Kind.allCases.count] {
            case .foreign: return random.bytes(1 + Int(random.next() % 300))
            case .badEnvelope: return KDNetDatagram.magic + [UInt8(random.next() % 8), 1] + random.bytes(Int(random.next() % 100))
            case .wrongTag: return KDNetDatagram.magic + [2, 1] + random.bytes(16 * blocks + 16)
            case .authenticGarbage:
                return keys.controlCipher.seal(KDNetDatagram(version: 2, channel: .control, sequence: random.next() >> 8,
                                                             direction: .targetToHost, payload: random.bytes(Int(random.next() % 120))))
            case .reflected:
                return keys.controlCipher.seal(KDNetDatagram(version: 2, channel: .control, sequence: 1, direction: .hostToTarget,
                                                             payload: ControlResponse(clientKey: random.bytes(32), hostRandom: random.bytes(32)).encoded()))
            case .unverifiedData: return KDNetDatagram.magic + [2, 0] + random.bytes(16 * blocks + 16)
            case .replayedPoke: return replayed
            }
        }
    }

    static func write(to path: String, key: DebugKey) throws {
        var data = Data()
        for d in pool(key: key) { data.append(contentsOf: [UInt8(d.count >> 8), UInt8(d.count & 0xFF)] + d) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}

import Testing
@testable import KDNetKit

/// Pokes that must not restart or steal a live session: found by the flood and lossy-relay
/// checks (Checks/check-hostile.sh), where a replayed poke kept cutting the target off.
@Suite struct HostileSessionTests {
    let keys = KDNetKeys(key: try! DebugKey(parsing: "1.2.3.4"))
    let target = Endpoint("192.168.0.13", port: 50000)!
    let stranger = Endpoint("192.168.0.66", port: 40000)!
    let host = Endpoint("192.168.0.11", port: 50000)!

    func poke(_ clientKey: UInt8, sequence: UInt64, from source: Endpoint) -> [UInt8] {
        keys.controlCipher.seal(KDNetDatagram(
            version: 2, channel: .control, sequence: sequence, direction: .targetToHost,
            payload: Poke(clientKey: [UInt8](repeating: clientKey, count: 32), target: KDNetEndpoint(source), host: KDNetEndpoint(host)).encoded()))
    }

    func session() -> HostSession {
        HostSession(configuration: .init(keys: keys), random: SeededRandom(seed: 3))
    }

    @Test func aDuplicatedOrReplayedPokeDoesNotRestartTheSession() {
        var s = session()
        let first = s.receive(poke(1, sequence: 5, from: target), from: target, at: 0)
        #expect(first.datagrams.count == 1 && s.sessions == 1)
        for (seq, t) in [(5, 0.1), (4, 0.2), (1, 0.3)] as [(UInt64, Double)] {
            let again = s.receive(poke(1, sequence: seq, from: target), from: target, at: t)
            #expect(again.datagrams.isEmpty)
        }
        #expect(s.sessions == 1 && s.tally.outOfSequence == 3)
        // The target's next poke (its response was lost) is answered again.
        #expect(s.receive(poke(1, sequence: 6, from: target), from: target, at: 3).datagrams.count == 1)
        #expect(s.sessions == 2)
    }

    @Test func anotherAddressCannotTakeALiveSessionOver() {
        var s = session()
        _ = s.receive(poke(1, sequence: 1, from: target), from: target, at: 0)
        let stolen = s.receive(poke(9, sequence: 1, from: stranger), from: stranger, at: 1)
        #expect(stolen.datagrams.isEmpty && stolen.events == [.refusedTakeover(from: stranger, peer: target)])
        #expect(s.peer == target && s.sessions == 1 && s.tally.refusedTakeover == 1)
    }

    @Test func aTargetThatMovedGetsInOnceThePeerIsQuiet() {
        var s = session()
        _ = s.receive(poke(1, sequence: 1, from: target), from: target, at: 0)
        let moved = s.receive(poke(2, sequence: 1, from: stranger), from: stranger, at: s.configuration.takeoverQuiet + 0.5)
        #expect(moved.datagrams.count == 1 && s.peer == stranger && s.sessions == 2)
    }

    @Test func aKeepaliveFromElsewhereRekeysOnceThePeerIsQuiet() {
        var s = session()
        _ = s.receive(poke(1, sequence: 1, from: target), from: target, at: 0)
        let bound = keys.controlCipher.seal(KDNetDatagram(
            version: 2, channel: .control, sequence: 7, direction: .targetToHost,
            payload: Poke(clientKey: [UInt8](repeating: 3, count: 32), target: KDNetEndpoint(stranger), host: KDNetEndpoint(host), boundDebugger: KDNetEndpoint(host)).encoded()))
        #expect(s.receive(bound, from: stranger, at: 1).datagrams.isEmpty)
        let out = s.receive(bound, from: stranger, at: 10)
        #expect(out.events == [.handshake(peer: stranger, rekey: true)])
    }
}

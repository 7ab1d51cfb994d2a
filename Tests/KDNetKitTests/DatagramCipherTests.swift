import Testing
@testable import KDNetKit
@testable import KDNetProtocol
import KDNetTestSupport

/// One cipher keeps its HMAC keyed for its whole life and opens many datagrams: no
/// state may leak from one datagram into the next, and a fresh cipher must agree.
@Suite struct DatagramCipherTests {
    @Test func reusedCipherAgreesWithAFreshOneOnRandomDatagrams() throws {
        for _ in 0..<50 {
            let keys = KDNetKeys(key: KDNetConversation.randomKey())
            let dataKey = SecretBytes((0..<32).map { _ in UInt8.random(in: 0...255) })
            let cipher = keys.dataCipher(dataKey: dataKey)
            let opener = keys.dataCipher(dataKey: dataKey)
            let datagram = KDNetDatagram(version: UInt8.random(in: 2...5), channel: .data, sequence: UInt64.random(in: 0..<(1 << 56)),
                                         direction: Bool.random() ? .hostToTarget : .targetToHost,
                                         payload: (0..<Int.random(in: 0...600)).map { _ in UInt8.random(in: 0...255) })
            var wire = cipher.seal(datagram)
            #expect(try opener.open(wire) == datagram)
            #expect(try opener.open(wire) == cipher.open(wire))
            #expect(cipher.seal(datagram) == wire)
            #expect(throws: DatagramError.authenticationFailed) { try keys.controlCipher.open(wire) }
            wire[Int.random(in: 6..<wire.count)] ^= UInt8(1 << Int.random(in: 0...7))
            #expect(throws: DatagramError.authenticationFailed) { try opener.open(wire) }
        }
    }

    /// The owner's open skips the lock only while it holds the one reference: owned or
    /// shared, it opens what `open` opens and refuses what `open` refuses.
    @Test func theOwnersOpenAgreesWithTheLockedOne() throws {
        let key = KDNetConversation.randomKey()
        let keys = KDNetKeys(key: key)
        let sealer = keys.controlCipher
        var owned = KDNetKeys(key: KDNetConversation.randomKey()).controlCipher
        var shared = keys.controlCipher
        let copy = shared
        for round in 0..<40 {
            let datagram = KDNetDatagram(version: 4, channel: .control, sequence: UInt64(round), direction: .targetToHost,
                                         payload: (0..<Int.random(in: 0...300)).map { _ in UInt8.random(in: 0...255) })
            let wire = sealer.seal(datagram)
            #expect(try Self.openOwned(&shared, wire) == datagram)
            #expect(try copy.open(wire) == datagram)
            #expect(throws: DatagramError.authenticationFailed) { try Self.openOwned(&owned, wire) }
        }
        // Made from the key afresh, so this value holds its context's one reference.
        var alone = KDNetKeys(key: key).controlCipher
        let wire = sealer.seal(KDNetDatagram(version: 4, channel: .control, sequence: 9, direction: .hostToTarget, payload: [1, 2, 3]))
        #expect(try Self.openOwned(&alone, wire).payload == [1, 2, 3])
    }

    static func openOwned(_ cipher: inout DatagramCipher, _ wire: [UInt8]) throws(DatagramError) -> KDNetDatagram {
        let opened: Result<KDNetDatagram, DatagramError> = wire.withUnsafeBytes { raw in
            Result { () throws(DatagramError) in try cipher.openOwned(raw, envelope: DatagramEnvelope.peek(raw)) { $0.datagram } }
        }
        return try opened.get()
    }

    /// Copies of one cipher opened on two threads at once: each copy sees the context
    /// shared, so both take the lock and every datagram still opens to its own bytes.
    @Test func copiesOpenedOnTwoThreadsAtOnceStayCorrect() async throws {
        let keys = KDNetKeys(key: KDNetConversation.randomKey())
        let wires = (0..<64).map { i in
            keys.controlCipher.seal(KDNetDatagram(version: 4, channel: .control, sequence: UInt64(i), direction: .targetToHost,
                                                  payload: [UInt8](repeating: UInt8(i), count: 16 + i * 7)))
        }
        let cipher = keys.controlCipher
        let wrong = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var mine = cipher
                    var bad = 0
                    for _ in 0..<200 {
                        for (i, wire) in wires.enumerated() {
                            let d = try? Self.openOwned(&mine, wire)
                            if d?.sequence != UInt64(i) || d?.payload != [UInt8](repeating: UInt8(i), count: 16 + i * 7) { bad += 1 }
                        }
                    }
                    return bad
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wrong == 0)
    }

    @Test func opensTheLibkdnetControlPacketsRepeatedly() throws {
        let keys = KDNetKeys(key: try DebugKey(parsing: "1.1.1.1"))
        let control = try Vectors.libkdnet().filter { try DatagramEnvelope.peek($0.bytes).channel == .control }
        #expect(control.count == 3)
        let shared = keys.controlCipher
        for (_, bytes) in control + control { #expect(try shared.open(bytes) == KDNetKeys(key: try DebugKey(parsing: "1.1.1.1")).controlCipher.open(bytes)) }
    }
}

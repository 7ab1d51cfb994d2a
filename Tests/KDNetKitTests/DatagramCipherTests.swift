import Testing
@testable import KDNetKit
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

    @Test func opensTheLibkdnetControlPacketsRepeatedly() throws {
        let keys = KDNetKeys(key: try DebugKey(parsing: "1.1.1.1"))
        let control = try Vectors.libkdnet().filter { try DatagramEnvelope.peek($0.bytes).channel == .control }
        #expect(control.count == 3)
        let shared = keys.controlCipher
        for (_, bytes) in control + control { #expect(try shared.open(bytes) == KDNetKeys(key: try DebugKey(parsing: "1.1.1.1")).controlCipher.open(bytes)) }
    }
}

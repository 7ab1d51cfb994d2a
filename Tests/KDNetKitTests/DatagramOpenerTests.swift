import Testing
@testable import KDNetKit

/// The observer's fast opener must agree with `DatagramCipher.open` on every datagram.
@Suite struct DatagramOpenerTests {
    @Test func agreesWithTheCipherOnRandomDatagrams() throws {
        for _ in 0..<50 {
            let keys = KDNetKeys(key: KDNetConversation.randomKey())
            let dataKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
            let cipher = keys.dataCipher(dataKey: dataKey)
            let opener = DatagramOpener(keys: keys, dataKey: dataKey)
            let datagram = KDNetDatagram(version: UInt8.random(in: 2...5), channel: .data, sequence: UInt64.random(in: 0..<(1 << 56)),
                                         direction: Bool.random() ? .hostToTarget : .targetToHost,
                                         payload: (0..<Int.random(in: 0...600)).map { _ in UInt8.random(in: 0...255) })
            var wire = cipher.seal(datagram)
            #expect(try opener.open(wire) == datagram)
            #expect(try opener.open(wire) == cipher.open(wire))
            #expect(throws: DatagramError.authenticationFailed) { try DatagramOpener(keys: keys).open(wire) }
            wire[Int.random(in: 6..<wire.count)] ^= UInt8(1 << Int.random(in: 0...7))
            #expect(throws: DatagramError.authenticationFailed) { try opener.open(wire) }
        }
    }

    @Test func opensTheLibkdnetControlPackets() throws {
        let keys = KDNetKeys(key: try DebugKey(parsing: "1.1.1.1"))
        let control = try Vectors.libkdnet().filter { try DatagramEnvelope.peek($0.bytes).channel == .control }
        #expect(control.count == 3)
        for (_, bytes) in control { #expect(try DatagramOpener(keys: keys).open(bytes) == keys.controlCipher.open(bytes)) }
    }
}

import Foundation
import Testing
@testable import KDNetKit

@Suite struct ProbeWireTests {
    let key = try! ProbeKey("2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p")
    let request = ProbeWire.Request(session: 0x0102030405060708, nonce: Array(0..<16), seq: 7, sentNanoseconds: 1_700_000_000_123)

    var reply: ProbeWire.Reply {
        ProbeWire.Reply(request: request, responderNanoseconds: 42, received: 3,
                        seen: Endpoint(address: IPAddress("192.0.2.9")!, port: 50000))
    }

    @Test func requestRoundTrips() throws {
        let bytes = ProbeWire.encode(request, key: key)
        #expect(bytes.count == ProbeWire.requestLength)
        #expect(Array(bytes[0..<4]) == Array("KDPB".utf8))
        #expect(try ProbeWire.decodeRequest(bytes, key: key) == request)
    }

    @Test func replyRoundTripsWithIPv4AndIPv6SeenAddresses() throws {
        #expect(try ProbeWire.decodeReply(ProbeWire.encode(reply, key: key), key: key) == reply)
        var v6 = reply
        v6.seen = Endpoint(address: IPAddress("2001:db8::5")!, port: 1)
        let bytes = ProbeWire.encode(v6, key: key)
        #expect(bytes.count == ProbeWire.replyLength)
        #expect(try ProbeWire.decodeReply(bytes, key: key).seen.description == "[2001:db8::5]:1")
    }

    @Test func everyTamperedByteIsRejected() {
        let good = ProbeWire.encode(reply, key: key)
        for i in good.indices {
            var bad = good
            bad[i] ^= 0x01
            #expect(throws: ProbeWire.Rejection.self) { try ProbeWire.decodeReply(bad, key: key) }
        }
    }

    @Test func tamperedFieldsGiveTheRightReason() {
        var bytes = ProbeWire.encode(request, key: key)
        bytes[33] ^= 0xff // the seq
        #expect(throws: ProbeWire.Rejection.badTag) { try ProbeWire.decodeRequest(bytes, key: key) }
        var magic = ProbeWire.encode(request, key: key)
        magic[0] = UInt8(ascii: "X")
        #expect(throws: ProbeWire.Rejection.badMagic) { try ProbeWire.decodeRequest(magic, key: key) }
        var version = ProbeWire.encode(request, key: key)
        version[4] = 2
        #expect(throws: ProbeWire.Rejection.badVersion) { try ProbeWire.decodeRequest(version, key: key) }
    }

    @Test func aReplyIsNotARequestAndTruncationFails() {
        #expect(throws: ProbeWire.Rejection.wrongKind) { try ProbeWire.decodeRequest(ProbeWire.encode(reply, key: key), key: key) }
        let bytes = ProbeWire.encode(request, key: key)
        #expect(throws: ProbeWire.Rejection.tooShort) { try ProbeWire.decodeRequest(Array(bytes.dropLast()), key: key) }
        #expect(throws: ProbeWire.Rejection.tooShort) { try ProbeWire.decodeRequest(Array(bytes.prefix(3)), key: key) }
    }

    @Test func anotherKeyCannotForgeOrReadAnswers() throws {
        let other = try ProbeKey("a different passphrase")
        #expect(throws: ProbeWire.Rejection.badTag) { try ProbeWire.decodeReply(ProbeWire.encode(reply, key: other), key: key) }
        // A KDNET key and its own text typed as a passphrase are the same secret.
        let sameKey = try ProbeKey(" 2STEG4FZBJ2SZ.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p ")
        #expect(try ProbeWire.decodeRequest(ProbeWire.encode(request, key: sameKey), key: key) == request)
    }

    @Test func emptyKeyIsAUsageError() {
        #expect(throws: ProbeInputError.emptyKey) { try ProbeKey("  ") }
        #expect(!"\(key)".contains("2steg"))
    }
}

@Suite struct ProbeSummaryTests {
    let target = Endpoint(address: IPAddress("10.0.0.1")!, port: 50000)
    let local = Endpoint(address: IPAddress("10.0.0.2")!, port: 40000)

    @Test func allAnsweredWithoutNATPasses() {
        let r = UDPProbe.summarize(target: target, local: local, seen: local, sent: 3, rtts: [1, 2, 3], reached: 3, refusals: 0, badAnswers: 0)
        #expect(r.verdict == .pass)
        #expect(r.natDetected == false)
        #expect(r.lossPercent == 0)
    }

    @Test func aRewrittenSourceIsNAT() {
        let seen = Endpoint(address: IPAddress("198.51.100.7")!, port: 61000)
        let r = UDPProbe.summarize(target: target, local: local, seen: seen, sent: 2, rtts: [1, 1], reached: 2, refusals: 0, badAnswers: 0)
        #expect(r.natDetected == true)
        #expect(r.verdict == .warn)
        #expect(r.cause.contains("198.51.100.7"))
    }

    @Test func aScopeAloneIsNotNAT() {
        let scoped = Endpoint(address: IPAddress("fe80::1%eth0")!, port: 5)
        let seen = Endpoint(address: IPAddress("fe80::1")!, port: 5)
        let r = UDPProbe.summarize(target: target, local: scoped, seen: seen, sent: 1, rtts: [1], reached: 1, refusals: 0, badAnswers: 0)
        #expect(r.natDetected == false)
    }

    @Test func lossIsSplitIntoBothDirections() {
        let r = UDPProbe.summarize(target: target, local: local, seen: local, sent: 4, rtts: [1, 1], reached: 3, refusals: 0, badAnswers: 0)
        #expect(r.verdict == .warn)
        #expect(r.cause.contains("1 lost on the way there, 1 on the way back"))
        #expect(r.lossPercent == 50)
    }

    @Test func silenceAndRefusalAreTold() {
        let silent = UDPProbe.summarize(target: target, local: local, seen: nil, sent: 3, rtts: [], reached: nil, refusals: 0, badAnswers: 0)
        #expect(silent.verdict == .fail)
        #expect(silent.forwardReachable == nil)
        #expect(silent.fix?.contains("probe listen") == true)
        let refused = UDPProbe.summarize(target: target, local: local, seen: nil, sent: 3, rtts: [], reached: nil, refusals: 3, badAnswers: 0)
        #expect(refused.cause.contains("ICMP unreachable"))
        let forged = UDPProbe.summarize(target: target, local: local, seen: nil, sent: 3, rtts: [], reached: nil, refusals: 0, badAnswers: 2)
        #expect(forged.fix == "use the same --key on both machines")
    }
}

@Suite struct ICMPEchoTests {
    @Test func checksumOfARequestVerifiesToZero() {
        let p = ICMPEcho.request(ipv4: true, identifier: 0x1234, seq: 9, payload: Array("abcdefgh".utf8))
        #expect(p[0] == 8)
        #expect(ICMPEcho.checksum(p) == 0)
    }

    @Test func repliesAreMatchedByPayload() {
        let token: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        var reply = ICMPEcho.request(ipv4: false, identifier: 1, seq: 258, payload: token)
        reply[0] = 129
        #expect(ICMPEcho.replySeq(reply, ipv4: false, payload: token) == 258)
        #expect(ICMPEcho.replySeq(reply, ipv4: false, payload: token.reversed()) == nil)
        #expect(ICMPEcho.replySeq(reply, ipv4: true, payload: token) == nil)
        let withHeader = [0x45] + [UInt8](repeating: 0, count: 19) + reply
        #expect(ICMPEcho.stripIPv4Header(withHeader) == reply)
    }

    @Test func refusalSaysHowToAllowPingSockets() {
        let r = Pinger.refusedReport(target: IPAddress("10.0.0.1")!, count: 3, range: "1 0")
        #expect(r.refused && r.verdict == .fail)
        #expect(r.cause.contains("\"1 0\""))
        #expect(r.fix?.contains("sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"") == true)
        let silent = Pinger.report(target: IPAddress("10.0.0.1")!, method: .pingSocket, sent: 3, rtts: [])
        #expect(silent.cause.contains("blocks ping"))
    }
}

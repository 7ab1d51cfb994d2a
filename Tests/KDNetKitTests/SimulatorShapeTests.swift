import Testing
@testable import KDNetKit
import KDNetTestSupport

/// The simulator's first packets must look like the Windows 8.1 vector's: same sizes,
/// same field positions, data-channel sequence numbers from 1, same KD packet shapes.
@Suite struct SimulatorShapeTests {
    struct Decoded { var toHost: Bool; var length: Int; var datagram: KDNetDatagram; var kd: KDPacket? }

    /// Decodes every datagram of a conversation run with key 1.1.1.1.
    func simulated() throws -> [Decoded] {
        var c = SessionPump(hostKey: "1.1.1.1", targetKey: "1.1.1.1")
        c.target = TargetSession(configuration: {
            // Like the 8.1 vector's target: running a while, no boot output pending.
            var cfg = c.target.configuration; cfg.bootMessages = []; cfg.firstPacketID = 0x926; cfg.loadSymbolsAtBoot = false; return cfg
        }(), random: SeededRandom(seed: 3))
        c.run(until: 30) { $0.host.isConfirmed }
        let keys = KDNetKeys(key: try DebugKey(parsing: "1.1.1.1"))
        var data: DatagramCipher?
        return try c.wire.map { toHost, bytes in
            let control = try DatagramEnvelope.peek(bytes).channel == .control
            let d = try (control ? keys.controlCipher : try #require(data)).open(bytes)
            if control, !toHost { data = keys.dataCipher(dataKey: keys.dataKey(responseBody: d.payload)) }
            return Decoded(toHost: toHost, length: bytes.count, datagram: d, kd: try? KDPacket(bytes: d.payload))
        }
    }

    func vector() throws -> [String: Decoded] {
        let keys = KDNetKeys(key: try DebugKey(parsing: "1.1.1.1"))
        let all = try Vectors.libkdnet()
        let response = try keys.controlCipher.open(try #require(all.first { $0.name == "poke_resp" }).bytes)
        let data = keys.dataCipher(dataKey: keys.dataKey(responseBody: response.payload))
        var out: [String: Decoded] = [:]
        for (name, bytes) in all {
            let control = try DatagramEnvelope.peek(bytes).channel == .control
            let d = try (control ? keys.controlCipher : data).open(bytes)
            out[name] = Decoded(toHost: d.direction == .targetToHost, length: bytes.count, datagram: d, kd: try? KDPacket(bytes: d.payload))
        }
        return out
    }

    @Test func handshakeDatagramsHaveTheRealSizesAndFields() throws {
        let sim = try simulated(), real = try vector()
        let poke = sim[0], response = sim[1], check = sim[2], resend = sim[3], breakIn = sim[4]
        #expect(poke.length == 6 + 352 + 16 && poke.length == real["poke"]?.length)
        #expect(poke.datagram.payload.count == Poke.bodyLength && poke.datagram.channel == .control)
        guard case .poke(let p) = try ControlMessage(payload: poke.datagram.payload) else { Issue.record("not a poke"); return }
        #expect(p.target.endpoint == SessionPump.targetAddress && p.host.endpoint == SessionPump.hostAddress && p.boundDebugger.isZero)
        #expect(poke.datagram.sequence == 1)
        #expect(response.length == real["poke_resp"]?.length && response.datagram.payload.count == ControlResponse.bodyLength)
        #expect(response.datagram.sequence == poke.datagram.sequence && response.datagram.direction == .hostToTarget)
        #expect(Array(response.datagram.payload[2..<34]) == p.clientKey)
        #expect(check.length == real["conncheck"]?.length && check.datagram.channel == .data)
        #expect(ConnectionCheck(payload: check.datagram.payload)?.hostIPv4 == [192, 168, 0, 11])
        #expect(resend.length == real["conncheck_resp"]?.length && resend.kd?.type == .resend && resend.kd?.id == 0)
        #expect(breakIn.length == real["break_data"]?.length && breakIn.datagram.payload == [KDPacket.breakInByte])
        // Each direction of the data channel counts from 1.
        #expect(check.datagram.sequence == 1 && resend.datagram.sequence == 1 && breakIn.datagram.sequence == 2)
        #expect(resend.datagram.sequence == real["conncheck_resp"]?.datagram.sequence)
    }

    @Test func kdExchangeMatchesTheVector() throws {
        let sim = try simulated().filter { $0.kd != nil }, real = try vector()
        let stateChange = try #require(sim.first { $0.kd?.type == .stateChange64 })
        #expect(stateChange.length == real["wait_state"]?.length)
        #expect(stateChange.kd?.data.count == real["wait_state"]?.kd?.data.count)
        #expect((try StateChange(data: try #require(stateChange.kd).data)).kindName == "breakpoint")
        let reset = try #require(sim.first { !$0.toHost && $0.kd?.type == .reset })
        #expect(reset.kd?.id == real["reset"]?.kd?.id && reset.length == real["reset"]?.length)
        let request = try #require(sim.first { !$0.toHost && $0.kd?.type == .stateManipulate })
        #expect(request.kd?.id == KDPacket.initialHostPacketID && request.length == real["get_version_api_req"]?.length)
        let reply = try #require(sim.first { $0.toHost && $0.kd?.type == .stateManipulate })
        #expect(reply.length == real["get_version_api_resp"]?.length)
        #expect(try KernelVersion(union: ManipulateState(data: try #require(reply.kd).data).union).build == 9600)
        // The host's next request (Continue2) goes up by 2; acknowledgements echo ids.
        let requests = sim.filter { !$0.toHost && $0.kd?.type == .stateManipulate }
        #expect(requests.map { $0.kd!.id } == [0x8000_0000, 0x8000_0002])
        let acks = sim.filter { $0.toHost && $0.kd?.type == .acknowledge }.map { $0.kd!.id }
        #expect(acks == [0x8000_0000, 0x8000_0002])
        // The target's own ids go up by 2 as well.
        let targetIDs = sim.filter { $0.toHost && $0.kd?.leader == .data }.map { $0.kd!.id }
        #expect(Set(zip(targetIDs, targetIDs.dropFirst()).map { $1 &- $0 }).isSubset(of: [0, 2]))
    }
}

/// What the simulated target sends must read, through the same observer `kdnetctl inspect`
/// uses, as a real booting Windows reads: every datagram authentic, one session, the boot
/// messages, the load-symbols stop, and the version it was told to report.
@Suite struct SimulatorThroughInspectTests {
    @Test(arguments: [HostSession.Mode.confirm, .follow])
    func simulatorTrafficDecodesWithTheInspectObserver(mode: HostSession.Mode) throws {
        var c = SessionPump(mode: mode, build: 22631)
        c.run(until: 20) { mode == .confirm ? $0.host.isConfirmed : $0.target.record.continues > 0 }
        var observer = SessionObserver(keys: [ObserverKey(key: try DebugKey(parsing: "1.2.3.4"), label: "k")])
        let target = UDPEndpoint("192.168.0.13", port: 50000)!, host = UDPEndpoint("192.168.0.11", port: 50000)!
        let records = c.wire.enumerated().map { i, d in
            observer.observe(d.bytes, from: d.toHost ? target : host, to: d.toHost ? host : target, at: Double(i))
        }
        #expect(!records.isEmpty && records.allSatisfy { $0.status == .authenticated })
        #expect(observer.sessions.count == 1)
        let texts = records.compactMap(\.text)
        for line in TargetSession.defaultBootMessages { #expect(texts.contains(line)) }
        #expect(texts.contains { $0.contains("load symbols") && $0.contains("ntoskrnl.exe") })
        if mode == .confirm {
            #expect(observer.sessions.first?.kernelVersion?.build == 22631)
            #expect(records.contains { $0.api == ManipulateAPI.continue2.name })
        }
    }
}

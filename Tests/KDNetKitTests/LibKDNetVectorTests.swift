import Testing
@testable import KDNetKit

/// The Windows 8.1 vector: every datagram must open with key 1.1.1.1, and the decoded
/// fields must be those the vector's README lists.
@Suite struct LibKDNetVectorTests {
    let keys = KDNetKeys(key: try! DebugKey(parsing: "1.1.1.1"))
    let expectedDataKey = "6d41dd0561a9f887afd8e82b2527e19ff800011075ff2ee6904553abbec778f2"

    func packets() throws -> [String: [UInt8]] {
        Dictionary(try Vectors.libkdnet().map { ($0.name, $0.bytes) }, uniquingKeysWith: { a, _ in a })
    }

    func dataCipher() throws -> DatagramCipher {
        let response = try keys.controlCipher.open(try #require(try packets()["poke_resp"]))
        return keys.dataCipher(dataKey: keys.dataKey(responseBody: response.payload))
    }

    @Test func pokeAndResponseOpenWithTheControlKey() throws {
        let p = try packets()
        let poke = try keys.controlCipher.open(try #require(p["poke"]))
        #expect(poke.version == 2 && poke.channel == .control && poke.direction == .targetToHost)
        #expect(poke.payload.count == Poke.bodyLength)
        guard case .poke(let hello) = try ControlMessage(payload: poke.payload) else { Issue.record("not a poke"); return }
        #expect(hello.target.endpoint.address.description == "192.168.0.13")
        #expect(hello.host.endpoint.address.description == "192.168.0.11" && hello.host.port == 50000)

        let response = try keys.controlCipher.open(try #require(p["poke_resp"]))
        #expect(response.direction == .hostToTarget && response.sequence == poke.sequence)
        #expect(response.payload.count == ControlResponse.bodyLength)
        guard case .response(let answer) = try ControlMessage(payload: response.payload) else { Issue.record("not a response"); return }
        #expect(answer.clientKey == hello.clientKey)
        #expect(keys.dataKey(responseBody: response.payload).revealedHex == expectedDataKey)
    }

    @Test func everyDataPacketAuthenticatesWithTheDataKey() throws {
        let cipher = try dataCipher()
        for (name, bytes) in try Vectors.libkdnet() {
            let envelope = try DatagramEnvelope.peek(bytes)
            if envelope.channel == .control {
                #expect(keys.controlCipher.authenticates(bytes), "\(name)")
            } else {
                let d = try cipher.open(bytes)
                #expect(d.version == 2, "\(name)")
                if d.payload.count > 1 && d.payload != ConnectionCheck(hostIPv4: [192, 168, 0, 11]).encoded() {
                    _ = try KDPacket(bytes: d.payload)
                }
            }
        }
    }

    @Test func connectionCheckNamesTheHost() throws {
        let d = try dataCipher().open(try #require(try packets()["conncheck"]))
        #expect(ConnectionCheck(payload: d.payload)?.hostIPv4 == [192, 168, 0, 11])
        let answer = try KDPacket(bytes: try dataCipher().open(try #require(try packets()["conncheck_resp"])).payload)
        #expect(answer.leader == .control && answer.type == .resend)
    }

    @Test func breakInIsOneByte() throws {
        let d = try dataCipher().open(try #require(try packets()["break_data"]))
        #expect(d.payload == [KDPacket.breakInByte] && d.direction == .hostToTarget)
    }

    @Test func versionReplyReadsBuild9600() throws {
        let cipher = try dataCipher()
        let request = try KDPacket(bytes: try cipher.open(try #require(try packets()["get_version_api_req"])).payload)
        #expect(request.type == .stateManipulate)
        #expect(try ManipulateState(data: request.data).api == ManipulateAPI.getVersion.rawValue)
        let reply = try KDPacket(bytes: try cipher.open(try #require(try packets()["get_version_api_resp"])).payload)
        let state = try ManipulateState(data: reply.data)
        #expect(state.api == ManipulateAPI.getVersion.rawValue)
        let v = try KernelVersion(union: state.union)
        #expect(v.major == 0x000F && v.build == 9600 && v.protocolVersion == 6 && v.kdSecondaryVersion == 2)
        #expect(v.flags == 7 && v.machine == 0x8664 && v.machineName == "x64")
        #expect(v.maxPacketType == 0x0C && v.maxStateChange == 3 && v.maxManipulate == 0x31)
        #expect(v.kernelBase == 0xfffff8026bc18000)
        #expect(v.psLoadedModuleList == 0xfffff8026bee22d0)
        #expect(v.debuggerDataList == 0xfffff8026bef91f0)
        #expect(v.encodedUnion() == Array(state.union.prefix(40)))
    }

    @Test func resealingReproducesTheCapturedBytes() throws {
        // Same key, same plaintext: the tag (and so the IV and ciphertext) must match byte for byte.
        let cipher = try dataCipher()
        for (name, bytes) in try Vectors.libkdnet() where try DatagramEnvelope.peek(bytes).channel == .data {
            #expect(cipher.seal(try cipher.open(bytes)) == bytes, "\(name)")
        }
        let poke = try #require(try packets()["poke"])
        #expect(keys.controlCipher.seal(try keys.controlCipher.open(poke)) == poke)
    }

    @Test func wrongKeyFailsAuthentication() throws {
        let other = KDNetKeys(key: try DebugKey(parsing: "1.1.1.2"))
        #expect(throws: DatagramError.authenticationFailed) { try other.controlCipher.open(try #require(try packets()["poke"])) }
    }
}

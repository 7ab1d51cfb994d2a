import Foundation
import Testing
@testable import KDNetKit
import KDNetTestSupport

/// The real captures, replayed through the capture reader and the passive observer.
@Suite struct InspectVectorTests {
    static let windbgDataKey = "6bd91c57bd6a551ad30b509c05c0c95b32cc5e47a0866907eaf0b1583384f660"
    static let libkdnetDataKey = "6d41dd0561a9f887afd8e82b2527e19ff800011075ff2ee6904553abbec778f2"

    func key(_ text: String) -> [ObserverKey] { [ObserverKey(key: try! DebugKey(parsing: text), label: "key 1")] }

    func windbg(key text: String = "8.8.8.8") throws -> (InspectSummary, [ObservedDatagram]) {
        var records: [ObservedDatagram] = []
        let summary = try CaptureInspector.inspect(file: Vectors.windbgCapture.path, keys: key(text), showDataKeys: true) {
            records.append($0)
        }
        return (summary, records)
    }

    @Test func everyWindbgDatagramAuthenticatesAndOneSessionIsFollowed() throws {
        let (s, records) = try windbg()
        #expect(s.linkType == "Ethernet")
        #expect(s.frames == 955 && s.datagrams == 955 && records.count == 955)
        #expect(s.authenticated == 955 && s.failedAuthentication == 0 && s.noHandshake == 0 && s.undecodable == 0)
        #expect(records.allSatisfy { $0.status == .authenticated && $0.protocolVersion == 4 })
        #expect(s.sessions.count == 1)
        let session = try #require(s.sessions.first)
        #expect(session.dataKey == Self.windbgDataKey)
        #expect(session.target == "192.168.2.72" && session.port == 51111 && session.host == "192.168.2.1:51111")
        #expect(session.protocolVersion == 4 && !session.startedByReboot)
        #expect(!s.problemFound)
    }

    @Test func windbgFramesDecodeAsTheVectorReadmeSays() throws {
        let (s, r) = try windbg()
        #expect(r[0].kind == .poke && r[0].sequence == 3 && r[0].direction == .targetToHost)
        #expect(r[1].kind == .response && r[1].sequence == 3 && r[1].events == [.sessionStarted])
        #expect(r[2].kind == .connectionCheck && r[2].source?.description == "192.168.2.72:51111")
        #expect(r[7].kind == .kd(.stateChange64) && r[7].text == "load symbols: winload.efi")
        #expect(r[377].text == "breakpoint")
        #expect(r[9].api == "DbgKdGetVersionApi" && r[9].packetID == 0x8000_0000 && r[9].direction == .hostToTarget)
        let version = try #require(r[11].kernelVersion)
        #expect(version.major == 0x040F && version.build == 10586 && version.isBootDebugger)
        #expect(version.protocolVersion == 6 && version.flags == 2 && version.machine == 0x8664)
        let session = try #require(s.sessions.first)
        #expect(session.build == 10586 && session.machine == "x64" && session.bootDebugger == true && session.major == "0x040F")
    }

    @Test func windbgDbgPrintTextIsDecoded() throws {
        let (_, r) = try windbg()
        let prints = r.filter { $0.kind == .kd(.debugIO) }.compactMap(\.text)
        #expect(prints.first == "BD: Boot Debugger Initialized\n")
        #expect(prints.contains { $0.contains("Critical driver \\Windows\\System32\\drivers\\ACPI.chk failed to load (c0430007)") })
        #expect(prints.contains { $0.contains("the file \\Windows\\system32\\ntkrnlmp.chk.  It will be allowed to load") })
        #expect(r.filter { $0.kind == .kd(.debugIO) }.allSatisfy { $0.api == "DbgKdPrintStringApi" && $0.direction == .targetToHost })
    }

    @Test func windbgSequenceNumbersHaveNoGaps() throws {
        let (s, r) = try windbg()
        let session = try #require(s.sessions.first)
        #expect(session.missingTargetToHost == 0 && session.missingHostToTarget == 0 && session.outOfOrder == 0 && session.replayed == 0)
        let pokes = r.filter { $0.kind == .keepalivePoke }
        #expect(!pokes.isEmpty && pokes.allSatisfy { $0.session == 1 })
    }

    @Test func aWrongKeyFailsEveryDatagramAndSaysTheKeyIsWrong() throws {
        let (s, r) = try windbg(key: "8.8.8.9")
        #expect(s.failedAuthentication == 955 && s.authenticated == 0 && s.noHandshake == 0)
        #expect(r.allSatisfy { $0.status == .failedAuthentication })
        #expect(s.sessions.isEmpty && s.problemFound)
        #expect(s.diagnosis.first?.contains("the key is wrong") == true)
    }

    @Test func aCaptureStartingMidSessionReportsNoHandshakeNotAWrongKey() throws {
        // Rewrite the vector without its first two frames (the poke and the response).
        let capture = try PacketCapture.open(file: Vectors.windbgCapture.path)
        var copy = try TemporaryCapture(link: .ethernet)
        var n = 0
        var failure: Error?
        _ = capture.forEachFrame { time, frame in
            n += 1
            if n > 2 { do { try copy.addFrame(Array(frame)) } catch { failure = error } }
        }
        try copy.close()
        if let failure { throw failure }
        let s = try CaptureInspector.inspect(file: copy.url.path, keys: key("8.8.8.8"))
        #expect(s.datagrams == 953 && s.failedAuthentication == 0 && s.noHandshake > 0)
        // Keepalive pokes still authenticate on the control channel.
        #expect(s.authenticated + s.noHandshake == 953 && s.authenticated > 0)
        #expect(s.sessions.isEmpty && !s.problemFound)
        #expect(s.diagnosis.contains { $0.contains("not a wrong key") })
    }

    @Test func libkdnetLinesAuthenticateAndReadBuild9600() throws {
        let url = Vectors.folder.appendingPathComponent("libkdnet-1.1.1.1-v2.txt")
        var records: [ObservedDatagram] = []
        let s = try CaptureInspector.inspect(hexLines: url.path, keys: key("1.1.1.1"), showDataKeys: true) { records.append($0) }
        #expect(s.datagrams == 17 && s.authenticated == 17 && records.allSatisfy { $0.status == .authenticated })
        #expect(s.sessions.count == 1 && s.sessions[0].dataKey == Self.libkdnetDataKey)
        #expect(s.sessions[0].target == "192.168.0.13" && s.sessions[0].port == 50000)
        let reply = try #require(records.first { $0.label == "get_version_api_resp" })
        let v = try #require(reply.kernelVersion)
        #expect(v.major == 0x000F && v.build == 9600 && v.protocolVersion == 6 && v.kdSecondaryVersion == 2)
        #expect(v.flags == 7 && v.machine == 0x8664 && v.maxPacketType == 0x0C && v.maxStateChange == 3 && v.maxManipulate == 0x31)
        #expect(v.kernelBase == 0xfffff8026bc18000 && v.psLoadedModuleList == 0xfffff8026bee22d0 && v.debuggerDataList == 0xfffff8026bef91f0)
        #expect(records.first { $0.label == "break_data" }?.kind == .breakIn)
        #expect(records.first { $0.label == "conncheck_resp" }?.kind == .kd(.resend))
        // The published lines are not one continuous session: gaps are expected and reported.
        #expect(s.sessions[0].missingTargetToHost > 0)
    }
}

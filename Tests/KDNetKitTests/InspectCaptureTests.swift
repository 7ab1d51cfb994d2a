import Foundation
import Testing
@testable import KDNetKit
import KDNetTestSupport

/// Captures written by the tests: several targets with random keys, reboots, noise,
/// damaged files and every link type inspect reads.
@Suite struct InspectCaptureTests {
    typealias Conversation = KDNetConversation
    let hostV4 = Conversation.endpoint("10.0.0.1", 50001)

    /// Poke, response, conncheck, a DbgPrint, a version exchange.
    func session(_ c: inout Conversation, into capture: inout TemporaryCapture, text: String = "hello from the target\n",
                 build: UInt16 = 22631, vlan: UInt16? = nil) throws {
        func add(_ bytes: [UInt8], _ d: KDNetDatagram.Direction) throws {
            let (s, t) = c.ends(d); try capture.add(bytes, from: s, to: t, vlan: vlan)
        }
        try add(c.poke(), .targetToHost)
        try add(c.response(), .hostToTarget)
        try add(c.data(ConnectionCheck(hostIPv4: [10, 0, 0, 1]).encoded(), from: .targetToHost), .targetToHost)
        try add(c.print(text, id: 2), .targetToHost)
        try add(c.versionRequest(), .hostToTarget)
        try add(c.versionReply(KernelVersion(major: 0x000F, build: build, kernelBase: 0xfffff800_12340000), id: 4), .targetToHost)
        try add(c.poke(), .targetToHost)
    }

    func observerKeys(_ keys: DebugKey...) -> [ObserverKey] {
        keys.enumerated().map { ObserverKey(key: $0.element, label: "key \($0.offset + 1)") }
    }

    @Test func severalTargetsKeysRebootsAndNoise() throws {
        let keyA = Conversation.randomKey(), keyB = Conversation.randomKey(), stranger = Conversation.randomKey()
        var a = Conversation(key: keyA, target: Conversation.endpoint("10.0.0.21", 50001), host: hostV4)
        var b = Conversation(key: keyB, target: Conversation.endpoint("10.0.0.22", 50002), host: Conversation.endpoint("10.0.0.1", 50002))
        var c = Conversation(key: stranger, target: Conversation.endpoint("10.0.0.23", 50003), host: Conversation.endpoint("10.0.0.1", 50003))
        var capture = try TemporaryCapture(link: .ethernet)
        try session(&a, into: &capture, text: "first boot\n", vlan: 7)
        try session(&b, into: &capture, text: "target b\n", build: 19045)
        try capture.add(Array("not kdnet at all".utf8), from: Conversation.endpoint("10.0.0.9", 53), to: hostV4)
        try session(&c, into: &capture)   // a key nobody gave: 7 failures
        a.reboot()
        try session(&a, into: &capture, text: "second boot\n", build: 22631)
        // A lost datagram, then a replay of an earlier one, in session 3 of target a.
        a.lose(.targetToHost)
        try capture.add(a.print("after a loss\n", id: 6), from: a.target, to: a.host)
        let early = a.print("late\n", id: 8)
        try capture.add(a.print("later\n", id: 10), from: a.target, to: a.host)
        try capture.add(early, from: a.target, to: a.host)
        try capture.add(early, from: a.target, to: a.host)
        try capture.close()

        var records: [ObservedDatagram] = []
        let s = try CaptureInspector.inspect(file: capture.url.path, keys: observerKeys(keyA, keyB), showDataKeys: true) { records.append($0) }
        #expect(s.datagrams == 7 * 4 + 1 + 4)
        #expect(s.notKdnet == 1 && s.failedAuthentication == 7 && s.authenticated == 7 * 3 + 4 && s.noHandshake == 0)
        #expect(s.sessions.map(\.target) == ["10.0.0.21", "10.0.0.22", "10.0.0.21"])
        #expect(s.sessions.map(\.key) == ["key 1", "key 2", "key 1"])
        #expect(s.sessions.map(\.build) == [22631, 19045, 22631])
        #expect(s.sessions.map(\.startedByReboot) == [false, false, true])
        #expect(s.sessions[2].dataKey != s.sessions[0].dataKey)
        #expect(s.sessions[2].missingTargetToHost == 1 && s.sessions[2].outOfOrder == 1 && s.sessions[2].replayed == 1)
        #expect(s.sessions[0].missingTargetToHost == 0 && s.sessions[1].outOfOrder == 0)
        let texts = records.filter { $0.kind == .kd(.debugIO) }.compactMap(\.text)
        #expect(texts == ["first boot\n", "target b\n", "second boot\n", "after a loss\n", "later\n", "late\n", "late\n"])
        #expect(records.contains { $0.events.contains(.reboot) && $0.source == a.target })
        #expect(records.filter { $0.source == c.target || $0.destination == c.target }.allSatisfy { $0.status == .failedAuthentication })
        #expect(s.problemFound)
    }

    /// The summary's observer makes no text, and that is all it leaves out: the same
    /// statuses, kinds, problems, sessions and kernel versions as the full one.
    @Test func aSummaryOnlyObserverDiffersOnlyInText() throws {
        let key = Conversation.randomKey()
        var a = Conversation(key: key, target: Conversation.endpoint("10.0.0.21", 50001), host: hostV4)
        var datagrams: [[UInt8]] = []
        var capture = try TemporaryCapture(link: .ethernet)
        func add(_ bytes: [UInt8], _ d: KDNetDatagram.Direction) throws {
            let (s, t) = a.ends(d); try capture.add(bytes, from: s, to: t); datagrams.append(bytes)
        }
        try add(a.poke(), .targetToHost)
        try add(a.response(), .hostToTarget)
        try add(a.print("hello from a target with a long line of text\n", id: 2), .targetToHost)
        // A DEBUG_IO too short for its header: undecodable whether or not text is made.
        try add(a.data(KDPacket(leader: .data, type: .debugIO, id: 4, data: [0x30, 0x32, 0, 0]).encoded(), from: .targetToHost), .targetToHost)
        try add(a.versionRequest(), .hostToTarget)
        try add(a.versionReply(KernelVersion(major: 0x000F, build: 26100, kernelBase: 0xfffff800_12340000), id: 6), .targetToHost)
        try capture.close()

        var full = SessionObserver(keys: observerKeys(key))
        var summaryOnly = SessionObserver(keys: observerKeys(key), recordsText: false)
        var texts: [String?] = []
        for bytes in datagrams {
            let f = full.observe(bytes, from: a.target, to: a.host, at: nil)
            var s = summaryOnly.observe(bytes, from: a.target, to: a.host, at: nil)
            #expect(s.text == nil)
            texts.append(f.text)
            s.text = f.text
            #expect(s == f)
        }
        #expect(texts[2] == "hello from a target with a long line of text\n")
        #expect(summaryOnly.sessions == full.sessions && full.sessions.first?.kernelVersion?.build == 26100)

        let withRecords = try CaptureInspector.inspect(file: capture.url.path, keys: observerKeys(key)) { _ in }
        let summary = try CaptureInspector.inspect(file: capture.url.path, keys: observerKeys(key))
        #expect(summary == withRecords)
        #expect(summary.undecodable == 1 && summary.authenticated == 6 && summary.sessions.first?.build == 26100)
    }

    /// `reset` stands for a fresh record: every field a datagram can fill is cleared.
    @Test func aResetRecordIsAFreshOne() throws {
        var record = ObservedDatagram(index: 7, time: 1.5, source: hostV4, destination: hostV4, label: "line", length: 99, status: .malformed)
        record.protocolVersion = 4; record.channel = .data; record.direction = .hostToTarget; record.sequence = 3
        record.session = 2; record.keyIndex = 1; record.kind = .breakIn; record.packetID = 9; record.api = "api"
        record.text = "text"; record.kernelVersion = KernelVersion(major: 0xF, build: 1, kernelBase: 0); record.events = [.late]
        record.problem = "problem"
        // A field added to the record must be added to `reset` and here.
        #expect(Mirror(reflecting: record).children.count == 20)
        #expect(Mirror(reflecting: record).children.allSatisfy { child in
            let value = Mirror(reflecting: child.value)
            return value.displayStyle != .optional || !value.children.isEmpty
        })
        record.reset(index: 1, time: nil, source: nil, destination: hostV4, length: 5, status: .authenticated)
        #expect(record == ObservedDatagram(index: 1, time: nil, source: nil, destination: hostV4, length: 5, status: .authenticated))
    }

    @Test func aRebootFromANewSourcePortIsStillAReboot() throws {
        let key = Conversation.randomKey()
        var a = Conversation(key: key, target: Conversation.endpoint("10.0.0.21", 50001), host: hostV4)
        var capture = try TemporaryCapture(link: .linuxSLL2)
        try session(&a, into: &capture)
        a.reboot()
        a.target = Conversation.endpoint("10.0.0.21", 49999)
        try session(&a, into: &capture, text: "again\n")
        try capture.close()
        let s = try CaptureInspector.inspect(file: capture.url.path, keys: observerKeys(key))
        #expect(s.authenticated == 14 && s.sessions.map(\.port) == [50001, 49999])
        #expect(s.sessions.map(\.startedByReboot) == [false, true])
    }

    @Test(arguments: [LinkType.ethernet, .linuxSLL, .linuxSLL2, .raw, .ipv4, .null, .loop])
    func everyLinkTypeIPv4(link: LinkType) throws { try roundTrip(link: link, target: "192.0.2.10", host: "192.0.2.1") }

    @Test(arguments: [LinkType.ethernet, .linuxSLL, .linuxSLL2, .raw, .ipv6, .null])
    func everyLinkTypeIPv6(link: LinkType) throws { try roundTrip(link: link, target: "fd00::10", host: "fd00::1") }

    func roundTrip(link: LinkType, target: String, host: String) throws {
        let key = Conversation.randomKey()
        var c = Conversation(key: key, target: Conversation.endpoint(target, 50123), host: Conversation.endpoint(host, 50123))
        var capture = try TemporaryCapture(link: link)
        try session(&c, into: &capture)
        try capture.close()
        let s = try CaptureInspector.inspect(file: capture.url.path, keys: observerKeys(key))
        #expect(s.datagrams == 7 && s.authenticated == 7, "\(link)")
        #expect(s.sessions.first?.target == PacketAddress(target)!.description && s.sessions.first?.build == 22631, "\(link)")
    }

    @Test func fragmentsAndShortFramesAreCountedNotDecoded() throws {
        let key = Conversation.randomKey()
        var c = Conversation(key: key, target: Conversation.endpoint("192.0.2.10", 50000), host: Conversation.endpoint("192.0.2.1", 50000))
        var capture = try TemporaryCapture(link: .ethernet)
        let poke = c.poke()
        let eth = FrameBuilder.linkHeader(.ethernet, ethertype: 0x0800)
        let a = c.target.address, b = c.host.address
        try capture.addFrame(eth + FrameBuilder.ipv4(Array(poke.prefix(200)), a, b, moreFragments: true))
        try capture.addFrame(eth + FrameBuilder.ipv4(Array(poke.dropFirst(200)), a, b, fragmentOffset: 25))
        let whole = FrameBuilder.udp(c.poke(), from: c.target, to: c.host, link: .ethernet)
        try capture.writer.append(Array(whole.prefix(100)), time: 1_700_000_100, originalLength: whole.count)
        try capture.addFrame(FrameBuilder.linkHeader(.ethernet, ethertype: 0x0806) + [UInt8](repeating: 0, count: 28))
        try capture.close()
        let s = try CaptureInspector.inspect(file: capture.url.path, keys: observerKeys(key))
        #expect(s.frames == 4 && s.ipFragmentsSkipped == 2 && s.framesCutShort == 1 && s.datagrams == 0)
        #expect(s.diagnosis.contains { $0.contains("fragment") })
    }

    @Test func aFileCutMidPacketReportsWhatWasReadWithAWarning() throws {
        let key = Conversation.randomKey()
        var c = Conversation(key: key, target: Conversation.endpoint("192.0.2.10", 50000), host: Conversation.endpoint("192.0.2.1", 50000))
        var capture = try TemporaryCapture(link: .ethernet)
        try session(&c, into: &capture)
        try capture.close()
        let bytes = try Data(contentsOf: capture.url)
        try bytes.prefix(bytes.count - 30).write(to: capture.url)
        let s = try CaptureInspector.inspect(file: capture.url.path, keys: observerKeys(key))
        #expect(s.frames == 6 && s.authenticated == 6)
        #expect(s.warnings.count == 1 && s.warnings[0].contains(capture.url.path) && s.problemFound)
    }

    @Test func unreadableFilesAreOneLineErrorsNamingTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = folder.appendingPathComponent("notes.txt")
        try Data("this is not a capture, just some text that is long enough\n".utf8).write(to: text)
        let keys = observerKeys(Conversation.randomKey())
        for path in [text.path, folder.appendingPathComponent("missing.pcap").path] {
            do {
                _ = try CaptureInspector.inspect(file: path, keys: keys)
                Issue.record("\(path) was accepted")
            } catch {
                let message = error.errorDescription ?? ""
                #expect(message.contains(path) && !message.contains("\n"))
            }
        }
    }

    @Test func malformedKDNetIsCountedNeverACrash() throws {
        let key = Conversation.randomKey()
        var observer = SessionObserver(keys: observerKeys(key))
        var c = Conversation(key: key, target: Conversation.endpoint("192.0.2.10", 50000), host: Conversation.endpoint("192.0.2.1", 50000))
        var poke = c.poke()
        let cases: [[UInt8]] = [
            Array("MDBG".utf8), Array("MDBG".utf8) + [4, 1] + [UInt8](repeating: 0, count: 20),
            Array("MDBG".utf8) + [9, 1] + [UInt8](repeating: 0, count: 32), Array("MDBG".utf8) + [4, 7] + [UInt8](repeating: 0, count: 32),
        ]
        for bytes in cases {
            // Version 9 is named as an unknown version, not lumped in with the malformed.
            #expect(observer.observe(bytes, from: c.target, to: c.host, at: nil).status == (bytes[4...].first == 9 ? .unsupportedVersion : .malformed))
        }
        poke[20] ^= 1
        #expect(observer.observe(poke, from: c.target, to: c.host, at: nil).status == .failedAuthentication)
        for _ in 0..<200 {
            let junk = Array("MDBG".utf8) + [4, UInt8.random(in: 0...1)] + (0..<(16 * Int.random(in: 1...30) + 16)).map { _ in UInt8.random(in: 0...255) }
            let status = observer.observe(junk, from: c.target, to: c.host, at: nil).status
            #expect(status == .failedAuthentication || status == .noHandshake)
        }
    }

    /// Hostile-input trial #5: a capture full of malformed MDBG datagrams exited 0.
    @Test func malformedMDBGAloneIsAProblem() throws {
        let key = Conversation.randomKey()
        let c = Conversation(key: key, target: Conversation.endpoint("192.0.2.10", 50000), host: Conversation.endpoint("192.0.2.1", 50000))
        var capture = try TemporaryCapture(link: .ethernet)
        for v in [UInt8(4), 9] { try capture.add(Array("MDBG".utf8) + [v, 1] + [UInt8](repeating: 0, count: 20), from: c.target, to: c.host) }
        try capture.close()
        let s = try CaptureInspector.inspect(file: capture.url.path, keys: observerKeys(key), showDataKeys: false) { _ in }
        #expect(s.malformed == 1 && s.unsupportedVersion == 1 && s.unsupportedVersions == [9])
        #expect(s.failedAuthentication == 0 && s.warnings.isEmpty)
        #expect(s.problemFound)
        #expect(s.diagnosis.contains { $0.contains("unknown version 9: a wrong key or a new layout") })
    }

    /// Hostile-input trial #19a: an unknown link type was named "(NULL)".
    @Test func anUnsupportedLinkTypeSaysWhatIsSupported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("user0.pcap")
        // A pcap header (little-endian, version 2.4, snap length 65535) for link type 147, DLT_USER0.
        let header: [UInt8] = [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 147, 0, 0, 0]
        try Data(header).write(to: url)
        #expect(throws: CaptureError.unsupportedLink(url.path, 147)) { try CaptureInspector.inspect(file: url.path, keys: observerKeys(Conversation.randomKey())) }
        let message = CaptureError.unsupportedLink(url.path, 147).errorDescription ?? ""
        #expect(message.contains("link type 147, not supported; kdnetctl reads Ethernet"))
        #expect(!message.contains("NULL") && !message.contains("\n"))
        // A type libpcap can name keeps its name.
        #expect(CaptureError.unsupportedLink("x.pcap", 105).errorDescription?.contains("link type 105 (IEEE802_11)") == true)
    }

    /// Hostile-input trial #19b: zero-length frames were "cut short (snap length too small?)".
    @Test func zeroLengthFramesAreCalledEmpty() throws {
        var capture = try TemporaryCapture(link: .ethernet)
        try capture.addFrame([])
        try capture.addFrame([])
        try capture.close()
        let s = try CaptureInspector.inspect(file: capture.url.path, keys: observerKeys(Conversation.randomKey()))
        #expect(s.frames == 2 && s.emptyFrames == 2 && s.framesCutShort == 0)
        #expect(s.diagnosis.contains { $0.contains("2 zero-length (empty) frame(s)") })
        #expect(!s.diagnosis.contains { $0.contains("snap length") })
    }
}

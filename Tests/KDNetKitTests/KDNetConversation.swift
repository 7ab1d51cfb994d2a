import Foundation
@testable import KDNetKit

/// Builds both sides of a KDNET conversation straight from the codec pieces (poke,
/// response, KD packets, seal), so tests can write captures with known content.
struct KDNetConversation {
    let keys: KDNetKeys
    var target: UDPEndpoint
    let host: UDPEndpoint
    var version: UInt8 = 4
    var controlSequence: UInt64 = 7
    var sequence: [KDNetDatagram.Direction: UInt64] = [.targetToHost: 0, .hostToTarget: 0]
    private(set) var dataKey: SecretBytes?
    private(set) var bound = false

    init(key: DebugKey, target: UDPEndpoint, host: UDPEndpoint) {
        keys = KDNetKeys(key: key); self.target = target; self.host = host
    }

    static func randomKey() -> DebugKey {
        // Every part above 2^40 so byte-order mistakes cannot cancel out.
        DebugKey(parts: (0..<4).map { _ in UInt64.random(in: (1 << 40)...UInt64.max) })
    }

    static func endpoint(_ text: String, _ port: UInt16) -> UDPEndpoint { UDPEndpoint(text, port: port)! }

    private func kdnet(_ e: UDPEndpoint) -> KDNetEndpoint { KDNetEndpoint(e.endpoint) }

    /// The target's poke: zero bound debugger before any session, the host once bound.
    mutating func poke() -> [UInt8] {
        controlSequence += 1
        let poke = Poke(clientKey: [UInt8](repeating: 0x5A, count: 32), target: kdnet(target), host: kdnet(host),
                        boundDebugger: bound ? kdnet(host) : .zero)
        return keys.controlCipher.seal(KDNetDatagram(version: version, channel: .control, sequence: controlSequence,
                                                     direction: .targetToHost, payload: poke.encoded()))
    }

    /// The host's response to the last poke: a new data key, sequences start over.
    mutating func response() -> [UInt8] {
        let body = ControlResponse(clientKey: [UInt8](repeating: 0x5A, count: 32),
                                   hostRandom: (0..<32).map { _ in UInt8.random(in: 0...255) }).encoded()
        dataKey = keys.dataKey(responseBody: body)
        sequence = [.targetToHost: 0, .hostToTarget: 0]
        bound = true
        return keys.controlCipher.seal(KDNetDatagram(version: version, channel: .control, sequence: controlSequence,
                                                     direction: .hostToTarget, payload: body))
    }

    /// A target reboot: the next poke carries no bound debugger again.
    mutating func reboot() { bound = false; dataKey = nil }

    mutating func data(_ payload: [UInt8], from direction: KDNetDatagram.Direction) -> [UInt8] {
        sequence[direction]! += 1
        return keys.dataCipher(dataKey: dataKey!).seal(KDNetDatagram(
            version: version, channel: .data, sequence: sequence[direction]!, direction: direction, payload: payload))
    }

    /// Skips a sequence number, as a datagram lost before the capture point would.
    mutating func lose(_ direction: KDNetDatagram.Direction) { sequence[direction]! += 1 }

    mutating func print(_ text: String, id: UInt32) -> [UInt8] {
        data(KDPacket(leader: .data, type: .debugIO, id: id, data: DebugIO.printString(text)).encoded(), from: .targetToHost)
    }

    mutating func versionReply(_ version: KernelVersion, id: UInt32) -> [UInt8] {
        let state = ManipulateState(api: .getVersion, union: version.encodedUnion())
        return data(KDPacket(leader: .data, type: .stateManipulate, id: id, data: state.encoded()).encoded(), from: .targetToHost)
    }

    mutating func versionRequest() -> [UInt8] {
        data(KDPacket(leader: .data, type: .stateManipulate, id: KDPacket.initialHostPacketID,
                      data: ManipulateState.getVersionRequest().encoded()).encoded(), from: .hostToTarget)
    }

    /// A datagram as it leaves the side it comes from, for `FrameBuilder`.
    func ends(_ direction: KDNetDatagram.Direction) -> (UDPEndpoint, UDPEndpoint) {
        direction == .targetToHost ? (target, host) : (host, target)
    }
}

/// A pcap file in a fresh temporary folder.
struct TemporaryCapture {
    let url: URL
    let writer: PcapWriter
    private var time = 1_700_000_000.0

    init(link: LinkType, name: String = "capture.pcap") throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        url = folder.appendingPathComponent(name)
        writer = try PcapWriter(url: url, linkType: link)
    }

    mutating func add(_ payload: [UInt8], from source: UDPEndpoint, to destination: UDPEndpoint, vlan: UInt16? = nil) throws {
        time += 0.001
        try writer.append(FrameBuilder.udp(payload, from: source, to: destination, link: writer.linkType, vlan: vlan), time: time)
    }

    mutating func addFrame(_ frame: [UInt8]) throws {
        time += 0.001
        try writer.append(frame, time: time)
    }

    func close() throws { try writer.close() }
}

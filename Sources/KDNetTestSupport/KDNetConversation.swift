import Foundation
import KDNetKit

/// Builds both sides of a KDNET conversation straight from the codec pieces (poke,
/// response, KD packets, seal), so tests can write captures with known content.
public struct KDNetConversation {
    public let keys: KDNetKeys
    public var target: UDPEndpoint
    public let host: UDPEndpoint
    public var version: UInt8 = 4
    public var controlSequence: UInt64 = 7
    public var sequence: [KDNetDatagram.Direction: UInt64] = [.targetToHost: 0, .hostToTarget: 0]
    public private(set) var dataKey: SecretBytes?
    public private(set) var bound = false
    /// Keyed once per response, as a real side keys it once per session.
    private var dataCipher: DatagramCipher?

    public init(key: DebugKey, target: UDPEndpoint, host: UDPEndpoint) {
        keys = KDNetKeys(key: key); self.target = target; self.host = host
    }

    public static func randomKey() -> DebugKey {
        // Every part above 2^40 so byte-order mistakes cannot cancel out.
        DebugKey(parts: (0..<4).map { _ in UInt64.random(in: (1 << 40)...UInt64.max) })
    }

    public static func endpoint(_ text: String, _ port: UInt16) -> UDPEndpoint { UDPEndpoint(text, port: port)! }

    private func kdnet(_ e: UDPEndpoint) -> KDNetEndpoint { KDNetEndpoint(e.endpoint) }

    /// The target's poke: zero bound debugger before any session, the host once bound.
    public mutating func poke() -> [UInt8] {
        controlSequence += 1
        let poke = Poke(clientKey: [UInt8](repeating: 0x5A, count: 32), target: kdnet(target), host: kdnet(host),
                        boundDebugger: bound ? kdnet(host) : .zero)
        return keys.controlCipher.seal(KDNetDatagram(version: version, channel: .control, sequence: controlSequence,
                                                     direction: .targetToHost, payload: poke.encoded()))
    }

    /// The host's response to the last poke: a new data key, sequences start over.
    public mutating func response() -> [UInt8] {
        let body = ControlResponse(clientKey: [UInt8](repeating: 0x5A, count: 32),
                                   hostRandom: (0..<32).map { _ in UInt8.random(in: 0...255) }).encoded()
        let key = keys.dataKey(responseBody: body)
        dataKey = key
        dataCipher = keys.dataCipher(dataKey: key)
        sequence = [.targetToHost: 0, .hostToTarget: 0]
        bound = true
        return keys.controlCipher.seal(KDNetDatagram(version: version, channel: .control, sequence: controlSequence,
                                                     direction: .hostToTarget, payload: body))
    }

    /// A target reboot: the next poke carries no bound debugger again.
    public mutating func reboot() { bound = false; dataKey = nil; dataCipher = nil }

    public mutating func data(_ payload: [UInt8], from direction: KDNetDatagram.Direction) -> [UInt8] {
        sequence[direction]! += 1
        return dataCipher!.seal(KDNetDatagram(
            version: version, channel: .data, sequence: sequence[direction]!, direction: direction, payload: payload))
    }

    /// Skips a sequence number, as a datagram lost before the capture point would.
    public mutating func lose(_ direction: KDNetDatagram.Direction) { sequence[direction]! += 1 }

    public mutating func print(_ text: String, id: UInt32) -> [UInt8] {
        data(KDPacket(leader: .data, type: .debugIO, id: id, data: DebugIO.printString(text)).encoded(), from: .targetToHost)
    }

    public mutating func versionReply(_ version: KernelVersion, id: UInt32) -> [UInt8] {
        let state = ManipulateState(api: .getVersion, union: version.encodedUnion())
        return data(KDPacket(leader: .data, type: .stateManipulate, id: id, data: state.encoded()).encoded(), from: .targetToHost)
    }

    public mutating func versionRequest() -> [UInt8] {
        data(KDPacket(leader: .data, type: .stateManipulate, id: KDPacket.initialHostPacketID,
                      data: ManipulateState.getVersionRequest().encoded()).encoded(), from: .hostToTarget)
    }

    /// A datagram as it leaves the side it comes from, for `FrameBuilder`.
    public func ends(_ direction: KDNetDatagram.Direction) -> (UDPEndpoint, UDPEndpoint) {
        direction == .targetToHost ? (target, host) : (host, target)
    }
}

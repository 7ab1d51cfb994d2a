/// What arrived on the port while the doctor listened: the listener's tally, plus
/// where each kind came from, so every verdict can name the sender.
public struct ObservedTraffic: Sendable, Codable, Equatable {
    public var tally = TrafficTally()
    /// Up to `maxSources` senders per kind, in arrival order.
    public var sources: [TrafficClass: [String]] = [:]
    static let maxSources = 8

    public init() {}

    /// Classifies one datagram as the listener does, and counts it.
    public mutating func record(_ bytes: [UInt8], from source: Endpoint, by classifier: TrafficClassifier) {
        noteSender(tally.record(bytes, from: source, by: classifier).kind, source)
    }

    public mutating func record(_ kind: TrafficClass, from source: Endpoint, protocolVersion: UInt8? = nil) {
        tally.record(kind, from: source, protocolVersion: protocolVersion)
        noteSender(kind, source)
    }

    private mutating func noteSender(_ kind: TrafficClass, _ source: Endpoint) {
        let text = source.description
        var seen = sources[kind] ?? []
        if seen.count < Self.maxSources, !seen.contains(text) { seen.append(text) }
        sources[kind] = seen
    }

    func senders(_ kind: TrafficClass) -> String { (sources[kind] ?? []).joined(separator: ", ") }
}

/// Listens on a port without ever sending: the doctor must not answer a target's
/// pokes (another debugger may be the one it should connect to).
enum TrafficWatch {
    static func watch(port: UInt16, seconds: Double, classifier: TrafficClassifier,
                      onTick: (_ secondsLeft: Double, ObservedTraffic) -> Void) throws -> ObservedTraffic {
        let sockets = try UDPSocket.listening(on: port, bind: nil)
        let deadline = MonotonicClock.now() + seconds
        var seen = ObservedTraffic()
        let buffer = ReceiveBuffer()
        while true {
            let left = deadline - MonotonicClock.now()
            if left <= 0 { break }
            onTick(left, seen)
            // Wake at every redraw so the status line's spinner turns and its seconds count.
            let ready = try Poller.wait(sockets.map(\.fd), until: MonotonicClock.now() + min(left, WaitProgress.redrawInterval))
            for socket in sockets where ready.contains(socket.fd) {
                while let (bytes, from) = socket.receive(using: buffer) {
                    seen.record(bytes, from: from, by: classifier)
                }
            }
        }
        return seen
    }
}

/// What arrived on the port while the doctor listened: the listener's tally, plus
/// where each kind came from, so every verdict can name the sender.
public struct ObservedTraffic: Sendable, Codable, Equatable {
    public var tally = TrafficTally()
    /// Up to `maxSources` senders per kind, in arrival order.
    public var sources: [TrafficClass: [String]] = [:]
    static let maxSources = 8

    public init() {}

    public mutating func record(_ kind: TrafficClass, from source: KDNetEndpoint) {
        tally.record(kind, from: source)
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
        while true {
            let left = deadline - MonotonicClock.now()
            if left <= 0 { break }
            onTick(left, seen)
            // Wake at least once a second so the status line counts down.
            let ready = try Poller.wait(sockets.map(\.fd), until: MonotonicClock.now() + min(left, 1))
            for socket in sockets where ready.contains(socket.fd) {
                while let (bytes, from) = socket.receive() {
                    seen.record(classifier.classify(bytes, from: from), from: from)
                }
            }
        }
        return seen
    }
}

import Foundation

/// What `probe listen` saw: every probe it answered and every datagram it refused.
public struct ProbeListenReport: Codable, Sendable {
    public var port: Int
    public var answered: Int
    public var rejected: Int
    /// Probes that arrived but whose answer the kernel refused to send (no route back).
    public var unanswered: Int
    public var peers: [Peer]
    public var stoppedBecause: String
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?

    public struct Peer: Codable, Sendable {
        public var from: Endpoint
        public var probes: Int
    }
}

/// What `probe send` found: loss each way, round trips and NAT.
public struct ProbeSendReport: Codable, Sendable {
    public var target: Endpoint
    public var localAddress: Endpoint?
    public var seenAs: Endpoint?
    public var sent: Int
    public var answered: Int
    /// Requests the responder says it received (nil without any answer).
    public var reachedResponder: Int?
    public var forwardReachable: Bool?
    public var backwardReachable: Bool
    public var lossPercent: Double
    public var rttMs: [Double]
    public var natDetected: Bool?
    public var refusedByIcmp: Int
    public var rejectedAnswers: Int
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?
}

public enum ProbeListenEvent: Sendable {
    /// The port is bound: probes sent from now on are answered.
    case ready(Endpoint)
    case answered(from: Endpoint, seq: UInt32)
    case rejected(from: Endpoint, reason: String)
    /// A valid probe whose answer could not be sent: the listener goes on.
    case replyFailed(to: Endpoint, reason: String)
    case tick(secondsLeft: Double)
}

public enum ProbeSendEvent: Sendable {
    case sent(seq: Int)
    case answered(seq: Int, rttMs: Double)
}

/// The UDP reachability test between host and target (wire format in `ProbeWire`).
public enum UDPProbe {
    /// Answers probes on `port` until `timeout` seconds pass or `max` probes are answered.
    public static func listen(port: Int, address: IPAddress? = nil, key: ProbeKey, timeout: Double, max: Int?,
                              onEvent: (ProbeListenEvent) -> Void = { _ in }) throws -> ProbeListenReport {
        try ProbeLimits.validate(port: port)
        try ProbeLimits.validate(timeout: timeout)
        if let max { try ProbeLimits.validate(max: max) }
        let socket = try DatagramSocket.udp(for: address)
        let bindAddress = address ?? .unspecified(socket.family == AF_INET ? .ipv4 : .ipv6)
        let bound = Endpoint(address: bindAddress, port: UInt16(port))
        try socket.bind(bound)
        onEvent(.ready(bound))
        let deadline = MonotonicClock.now() + timeout
        var perSession: [UInt64: UInt32] = [:]
        var peers: [Endpoint: Int] = [:]
        var order: [Endpoint] = []
        var answered = 0, rejected = 0, unanswered = 0
        var stopped = "timeout"
        while true {
            if let max, answered >= max { stopped = "max"; break }
            let left = deadline - MonotonicClock.now()
            if left <= 0 { break }
            onEvent(.tick(secondsLeft: left))
            guard let (bytes, from) = try socket.receive(until: min(deadline, MonotonicClock.now() + WaitProgress.redrawInterval)) else { continue }
            let request: ProbeWire.Request
            do { request = try ProbeWire.decodeRequest(bytes, key: key) } catch {
                rejected += 1
                onEvent(.rejected(from: from, reason: error.rawValue))
                continue
            }
            // Bounded so a flood of sessions cannot grow memory without limit.
            if perSession[request.session] == nil && perSession.count >= 1024 { perSession.removeAll() }
            let received = (perSession[request.session] ?? 0) + 1
            perSession[request.session] = received
            let reply = ProbeWire.Reply(request: request, responderNanoseconds: MonotonicClock.wallNanoseconds(),
                                        received: received, seen: from)
            do { try socket.send(ProbeWire.encode(reply, key: key), to: from) } catch {
                unanswered += 1
                onEvent(.replyFailed(to: from, reason: error.localizedDescription))
                continue
            }
            answered += 1
            if peers[from] == nil { order.append(from) }
            peers[from, default: 0] += 1
            onEvent(.answered(from: from, seq: request.seq))
        }
        let verdict: CheckVerdict = answered > 0 ? .pass : .fail
        let cause = answered > 0
            ? "answered \(answered) probe\(answered == 1 ? "" : "s") from \(order.map(\.description).joined(separator: ", "))"
            : unanswered > 0 ? "\(unanswered) probe\(unanswered == 1 ? "" : "s") arrived but no answer could be sent back"
            : rejected > 0 ? "\(rejected) datagram\(rejected == 1 ? "" : "s") arrived but none carried a valid tag"
            : "no probe arrived on UDP port \(port)"
        let fix: String? = answered > 0 ? nil : unanswered > 0
            ? "check this machine's route back to the sender (`ip route get` with its address)"
            : rejected > 0
            ? "use the same --key on both machines"
            : "check that `kdnetctl probe send` targets this machine's address and port \(port), and that no firewall drops it (`kdnetctl firewall --port \(port)`)"
        return ProbeListenReport(port: port, answered: answered, rejected: rejected, unanswered: unanswered,
                                 peers: order.map { .init(from: $0, probes: peers[$0]!) },
                                 stoppedBecause: stopped, verdict: verdict, cause: cause, fix: fix)
    }

    /// Sends `count` probes `interval` seconds apart, then waits up to `timeout` seconds
    /// after the last for answers.
    public static func send(to target: Endpoint, key: ProbeKey, count: Int, timeout: Double, interval: Double = 0.2,
                            onEvent: (ProbeSendEvent) -> Void = { _ in }) throws -> ProbeSendReport {
        try ProbeLimits.validate(port: Int(target.port))
        try ProbeLimits.validate(count: count)
        try ProbeLimits.validate(timeout: timeout)
        let socket = try DatagramSocket.udp(for: target.address)
        try socket.connect(target)
        let local = socket.localEndpoint
        let session = SecureRandom.uint64()
        var pending: [UInt32: (nonce: [UInt8], at: Double)] = [:]
        var rtts: [Double] = []
        var seen: Endpoint?
        var reached: UInt32 = 0
        var badAnswers = 0
        var nextSend = MonotonicClock.now()
        var sent = 0
        var deadline = nextSend + timeout

        while sent < count || (MonotonicClock.now() < deadline && !pending.isEmpty) {
            if sent < count && MonotonicClock.now() >= nextSend {
                let req = ProbeWire.Request(session: session, nonce: SecureRandom.bytes(16), seq: UInt32(sent),
                                            sentNanoseconds: MonotonicClock.wallNanoseconds())
                pending[req.seq] = (req.nonce, MonotonicClock.now())
                try socket.send(ProbeWire.encode(req, key: key), to: target)
                onEvent(.sent(seq: sent))
                sent += 1
                nextSend = MonotonicClock.now() + interval
                deadline = MonotonicClock.now() + timeout
            }
            let wakeAt = sent < count ? nextSend : deadline
            guard let (bytes, _) = try socket.receive(until: wakeAt) else { continue }
            guard let reply = try? ProbeWire.decodeReply(bytes, key: key), reply.request.session == session,
                  let mine = pending[reply.request.seq],
                  SecureRandom.constantTimeEqual(mine.nonce, reply.request.nonce) else {
                badAnswers += 1
                continue
            }
            pending[reply.request.seq] = nil
            let rtt = (MonotonicClock.now() - mine.at) * 1000
            rtts.append(rtt)
            seen = reply.seen
            reached = max(reached, reply.received)
            onEvent(.answered(seq: Int(reply.request.seq), rttMs: rtt))
        }
        return summarize(target: target, local: local, seen: seen, sent: sent, rtts: rtts,
                         reached: rtts.isEmpty ? nil : Int(reached), refusals: socket.refusals, badAnswers: badAnswers)
    }

    /// Turns counts into the verdict; pure, so each case is unit-tested.
    static func summarize(target: Endpoint, local: Endpoint?, seen: Endpoint?, sent: Int, rtts: [Double],
                          reached: Int?, refusals: Int, badAnswers: Int) -> ProbeSendReport {
        let answered = rtts.count
        let nat: Bool? = seen.flatMap { s in local.map { $0.address.unmapped.bytes != s.address.unmapped.bytes || $0.port != s.port } }
        let loss = sent == 0 ? 100 : Double(sent - answered) * 100 / Double(sent)
        var verdict: CheckVerdict
        var cause: String
        var fix: String?
        if answered == sent {
            verdict = .pass
            cause = "all \(sent) probes answered"
        } else if answered > 0 {
            verdict = .warn
            let forwardLost = sent - (reached ?? 0)
            cause = "\(answered) of \(sent) probes answered; \(forwardLost) lost on the way there, \((reached ?? 0) - answered) on the way back"
            fix = "the path loses datagrams; KDNET retries, but check cabling, Wi-Fi and switches"
        } else if refusals > 0 {
            verdict = .fail
            cause = "\(target) answered with ICMP unreachable: nothing listens on UDP port \(target.port) there, or its firewall rejects it"
            fix = "start `kdnetctl probe listen --port \(target.port)` on \(target.address) and check its firewall (`kdnetctl firewall --port \(target.port)`)"
        } else if badAnswers > 0 {
            verdict = .fail
            cause = "answers came back but none carried a valid tag for this run"
            fix = "use the same --key on both machines"
        } else {
            verdict = .fail
            cause = "no answer from \(target): the probes or the answers were lost, and from this side alone it cannot be told which"
            fix = "run `kdnetctl probe listen --port \(target.port)` on \(target.address) during the test: if it reports the probes, the way back is blocked (this machine's firewall); if not, the way there is (routing or the other side's firewall)"
        }
        // Scopes (%eth0) are local names, not part of the address the responder saw.
        if nat == true, verdict != .fail {
            verdict = max(verdict, .warn)
            cause += "; a NAT rewrites this machine's address \(local!) to \(seen!)"
            fix = fix ?? "KDNET's target connects to the host's address: give bcdedit the address the target can reach (not one behind a NAT)"
        }
        return ProbeSendReport(target: target, localAddress: local, seenAs: seen, sent: sent, answered: answered,
                               reachedResponder: reached, forwardReachable: reached.map { $0 > 0 },
                               backwardReachable: answered > 0, lossPercent: loss, rttMs: rtts, natDetected: nat,
                               refusedByIcmp: refusals, rejectedAnswers: badAnswers,
                               verdict: verdict, cause: cause, fix: fix)
    }
}

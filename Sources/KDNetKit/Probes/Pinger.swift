import Foundation

public struct PingReport: Codable, Sendable {
    public enum Method: String, Codable, Sendable { case pingSocket = "ping-socket", rawSocket = "raw-socket" }
    public var target: IPAddress
    /// nil when neither kind of ICMP socket was allowed.
    public var method: Method?
    public var sent: Int
    public var received: Int
    public var lossPercent: Double
    public var rttMs: [Double]
    public var refused: Bool
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?
}

public enum PingEvent: Sendable {
    case sent(seq: Int)
    case reply(seq: Int, rttMs: Double)
}

/// ICMP echo through an unprivileged ping socket (SOCK_DGRAM), or a raw socket when
/// running as root and ping sockets are refused by net.ipv4.ping_group_range.
public enum Pinger {
    public static let allowCommand = "sysctl -w net.ipv4.ping_group_range=\"0 2147483647\""

    public static func ping(_ target: IPAddress, count: Int = 3, timeout: Double = 2, interval: Double = 0.5,
                            onEvent: (PingEvent) -> Void = { _ in }) throws -> PingReport {
        try ProbeLimits.validate(count: count)
        try ProbeLimits.validate(timeout: timeout)
        let family = target.isIPv4 ? AF_INET : AF_INET6
        let proto = target.isIPv4 ? Int32(IPPROTO_ICMP) : Int32(IPPROTO_ICMPV6)
        let socket: DatagramSocket
        let method: PingReport.Method
        if let s = try? DatagramSocket(family: family, type: Int32(SOCK_DGRAM.rawValue), protocol: proto) {
            (socket, method) = (s, .pingSocket)
        } else if let s = try? DatagramSocket(family: family, type: Int32(SOCK_RAW.rawValue), protocol: proto) {
            (socket, method) = (s, .rawSocket)
        } else {
            return refusedReport(target: target, count: count, range: currentRange())
        }
        let destination = Endpoint(address: target, port: 0)
        let token = SecureRandom.bytes(8)
        let identifier = UInt16(truncatingIfNeeded: SecureRandom.uint64())
        var sentAt: [UInt16: Double] = [:]
        var rtts: [Double] = []
        var sent = 0
        var nextSend = MonotonicClock.now()
        var deadline = nextSend + timeout
        while sent < count || (MonotonicClock.now() < deadline && rtts.count < sent) {
            if sent < count && MonotonicClock.now() >= nextSend {
                let seq = UInt16(sent)
                sentAt[seq] = MonotonicClock.now()
                try socket.send(ICMPEcho.request(ipv4: target.isIPv4, identifier: identifier, seq: seq, payload: token),
                                to: destination)
                onEvent(.sent(seq: sent))
                sent += 1
                nextSend = MonotonicClock.now() + interval
                deadline = MonotonicClock.now() + timeout
            }
            guard let (bytes, _) = try socket.receive(until: sent < count ? nextSend : deadline) else { continue }
            // Raw IPv4 sockets hand over the IP header too; ping sockets and IPv6 do not.
            let icmp = method == .rawSocket && target.isIPv4 ? ICMPEcho.stripIPv4Header(bytes) : bytes
            guard let seq = ICMPEcho.replySeq(icmp, ipv4: target.isIPv4, payload: token),
                  let at = sentAt.removeValue(forKey: seq) else { continue }
            let rtt = (MonotonicClock.now() - at) * 1000
            rtts.append(rtt)
            onEvent(.reply(seq: Int(seq), rttMs: rtt))
        }
        return report(target: target, method: method, sent: sent, rtts: rtts)
    }

    static func report(target: IPAddress, method: PingReport.Method, sent: Int, rtts: [Double]) -> PingReport {
        let received = rtts.count
        let loss = Double(sent - received) * 100 / Double(max(sent, 1))
        let verdict: CheckVerdict
        let cause: String
        var fix: String?
        if received == sent {
            verdict = .pass
            cause = "\(target) answered all \(sent) ping\(sent == 1 ? "" : "s")"
        } else if received > 0 {
            verdict = .warn
            cause = "\(target) answered \(received) of \(sent) pings"
            fix = "the path loses packets; check cabling, Wi-Fi and switches"
        } else {
            verdict = .warn
            cause = "no answer from \(target); that may only mean it blocks ping (Windows does by default), not that it is unreachable"
            fix = "test the KDNET path itself with `kdnetctl probe listen` on one side and `kdnetctl probe send` on the other, or allow ICMP echo in the target's firewall"
        }
        return PingReport(target: target, method: method, sent: sent, received: received, lossPercent: loss,
                          rttMs: rtts, refused: false, verdict: verdict, cause: cause, fix: fix)
    }

    static func refusedReport(target: IPAddress, count: Int, range: String?) -> PingReport {
        let setting = range.map { "net.ipv4.ping_group_range is \"\($0)\"" } ?? "net.ipv4.ping_group_range excludes your group"
        return PingReport(target: target, method: nil, sent: 0, received: 0, lossPercent: 100, rttMs: [], refused: true,
                          verdict: .fail,
                          cause: "ICMP sockets are refused: \(setting), which keeps ping sockets from your group (gid \(getegid())), and raw sockets need root",
                          fix: "allow ping sockets with `\(allowCommand)` (as root; add it to /etc/sysctl.d/ to keep it), or run as root")
    }

    static func currentRange() -> String? {
        (try? String(contentsOfFile: "/proc/sys/net/ipv4/ping_group_range", encoding: .utf8))?
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
    }
}

/// ICMP and ICMPv6 echo messages; pure so they are unit-tested.
enum ICMPEcho {
    static func request(ipv4: Bool, identifier: UInt16, seq: UInt16, payload: [UInt8]) -> [UInt8] {
        var p: [UInt8] = [ipv4 ? 8 : 128, 0, 0, 0]
        p.appendBig(identifier)
        p.appendBig(seq)
        p += payload
        // The kernel fills ICMPv6 checksums itself (it needs the pseudo-header); ICMPv4's is ours.
        if ipv4 { p.replaceSubrange(2..<4, with: withUnsafeBytes(of: checksum(p).bigEndian) { Array($0) }) }
        return p
    }

    /// The sequence number of an echo reply that carries our payload; ping sockets
    /// rewrite the identifier, so the random payload is what proves it is ours.
    static func replySeq(_ p: [UInt8], ipv4: Bool, payload: [UInt8]) -> UInt16? {
        guard p.count >= 8 + payload.count, p[0] == (ipv4 ? 0 : 129), p[1] == 0,
              Array(p[8..<(8 + payload.count)]) == payload else { return nil }
        return UInt16(big: Array(p[6..<8]))
    }

    static func stripIPv4Header(_ p: [UInt8]) -> [UInt8] {
        guard let first = p.first else { return p }
        let ihl = Int(first & 0x0f) * 4
        return p.count > ihl ? Array(p[ihl...]) : []
    }

    static func checksum(_ p: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < p.count { sum += UInt32(p[i]) << 8 | UInt32(p[i + 1]); i += 2 }
        if i < p.count { sum += UInt32(p[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

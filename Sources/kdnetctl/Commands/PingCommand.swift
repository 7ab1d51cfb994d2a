import ArgumentParser
import KDNetKit

struct PingCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Send ICMP echo requests (IPv4 or IPv6) to the target or host.",
        discussion: """
            Uses an unprivileged ping socket, or a raw socket when run as root. When both \
            are refused, says how to allow ping sockets (net.ipv4.ping_group_range). No \
            answer may only mean the other side blocks ping; `kdnetctl probe` tests the \
            KDNET path itself. Exits 1 unless every ping is answered.
            """
    )
    @Argument(help: "The address to ping, e.g. 192.168.1.20 or fe80::1%eth0.") var address: IPAddress
    @Option(parsing: .unconditional, help: "How many echo requests to send (1-1000).", transform: ArgumentValue.wholeNumber) var count = 3
    @Option(parsing: .unconditional, help: "Seconds to wait for the last answer.", transform: ArgumentValue.anySeconds) var timeout = 2.0
    @OptionGroup var output: OutputOptions

    func execute() async throws {
        let target = address
        let status = StatusLine(enabled: Console.stderrIsTerminal && !output.json)
        var answered = 0
        let report = try ValidationError.fromFlags(refusing: [ProbeInputError.self]) {
            try Pinger.ping(target, count: count, timeout: timeout) { event in
                switch event {
                case .sent(let seq): status.update("ping \(target): sent \(seq + 1)/\(count), \(answered) answered…")
                case .reply: answered += 1
                }
            }
        }
        status.finish()
        if output.json { try Console.json(report) } else { render(report) }
        if report.verdict != .pass { throw ExitCode(1) }
    }

    private func render(_ r: PingReport) {
        for (i, rtt) in r.rttMs.enumerated() { Console.out("reply \(i + 1) from \(r.target): \(Render.ms(rtt))") }
        if let m = r.method { Console.out("\(r.sent) sent, \(r.received) received (\(m.rawValue))") }
        Render.verdict(r.verdict, r.cause, r.fix)
    }
}

import ArgumentParser
import Foundation
import KDNetKit

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Test UDP reachability between host and target, and check the port and route locally.",
        discussion: """
            Run `probe listen` on one machine and `probe send` on the other with the same \
            --key (the KDNET key or any shared passphrase): probes are authenticated with \
            HMAC-SHA256, so only a real responder can answer. `probe port` shows who holds \
            a UDP port here; `probe route` tells whether an address is on a directly \
            connected subnet or behind a router.
            """,
        subcommands: [Listen.self, Send.self, Port.self, Route.self]
    )

    struct Listen: KdnetctlCommand {
        static let configuration = CommandConfiguration(
            commandName: "listen",
            abstract: "Answer probes on a UDP port until --timeout or --max; exits 1 if none arrived.")
        @Option(parsing: .unconditional, help: "UDP port to listen on (any; one outside KDNET's 49152-65535 is taken with a warning).", transform: ArgumentValue.udpPort) var port: Int
        @Option(help: "Shared key: the KDNET key or any passphrase (same on both sides).") var key: String
        @Option(help: "Local address to bind (default: all).") var address: IPAddress?
        @Option(parsing: .unconditional, help: "Stop after this many seconds.", transform: ArgumentValue.anySeconds) var timeout = 60.0
        @Option(parsing: .unconditional, help: "Stop after answering this many probes.", transform: ArgumentValue.wholeNumber) var max: Int?
        @OptionGroup var output: OutputOptions

        func execute() async throws {
            PortPolicyWarning.warn(port)
            let (probeKey, bind) = (try ValidationError.fromFlags { try ProbeKey(key) }, address)
            let status = StatusLine(json: output.json)
            var answered = 0
            let report = try ValidationError.fromFlags(refusing: [ProbeInputError.self]) {
                try UDPProbe.listen(port: port, address: bind, key: probeKey, timeout: timeout, max: max) { event in
                    switch event {
                    case .ready(let bound):
                        // Said in every mode: scripts and tests wait for this line, not a sleep.
                        Console.err("listening on UDP \(bound); answering probes")
                    case .tick(let left):
                        status.waiting(WaitProgress(elapsed: timeout - left, limit: timeout),
                                       "answering probes on UDP port \(port), \(answered) answered so far")
                    case .answered(let from, let seq):
                        answered += 1
                        status.finish()
                        if !output.json { Console.out("probe \(seq) from \(from): answered") }
                    case .rejected(let from, let reason):
                        status.finish()
                        if !output.json { Console.out("datagram from \(from) refused: \(reason)") }
                    case .replyFailed(let to, let reason):
                        status.finish()
                        if !output.json { Console.out("probe from \(to) not answered: \(reason)") }
                    }
                }
            }
            status.finish()
            if output.json { try Console.json(report) } else { Render.verdict(report.verdict, report.cause, report.fix) }
            if report.verdict == .fail { throw ExitCode(1) }
        }
    }

    struct Send: KdnetctlCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Send probes to a `probe listen` and report reachability both ways, RTT, loss and NAT.")
        @Argument(help: "Address of the machine running `probe listen`.") var address: IPAddress
        @Option(parsing: .unconditional, help: "Its UDP port (any; one outside KDNET's 49152-65535 is taken with a warning).", transform: ArgumentValue.udpPort) var port: Int
        @Option(help: "Shared key: the KDNET key or any passphrase (same on both sides).") var key: String
        @Option(parsing: .unconditional, help: "How many probes to send (1-1000).", transform: ArgumentValue.wholeNumber) var count = 3
        @Option(parsing: .unconditional, help: "Seconds to wait for answers after the last probe.", transform: ArgumentValue.anySeconds) var timeout = 2.0
        @OptionGroup var output: OutputOptions

        func execute() async throws {
            PortPolicyWarning.warn(port)
            let (probeKey, target) = (try ValidationError.fromFlags { try ProbeKey(key) }, address)
            let status = StatusLine(enabled: Console.stderrIsTerminal && !output.json)
            var answered = 0
            let report = try ValidationError.fromFlags(refusing: [ProbeInputError.self]) {
                try UDPProbe.send(to: Endpoint(address: target, port: UInt16(port)), key: probeKey,
                                   count: count, timeout: timeout) { event in
                    switch event {
                    case .sent(let seq): status.update("probing \(target) port \(port): sent \(seq + 1)/\(count), \(answered) answered…")
                    case .answered: answered += 1
                    }
                }
            }
            status.finish()
            if output.json { try Console.json(report) } else { render(report) }
            if report.verdict == .fail { throw ExitCode(1) }
        }

        private func render(_ r: ProbeSendReport) {
            Console.out("sent \(r.sent), answered \(r.answered) (\(Render.percent(r.lossPercent)) loss)")
            if let reached = r.reachedResponder { Console.out("there: \(reached)/\(r.sent) reached the responder; back: \(r.answered)/\(reached) returned") }
            if !r.rttMs.isEmpty { Console.out("round trip: " + r.rttMs.map(Render.ms).joined(separator: ", ")) }
            if let local = r.localAddress { Console.out("this side: \(local)" + (r.seenAs.map { ", seen by the responder as \($0)" } ?? "")) }
            Render.verdict(r.verdict, r.cause, r.fix)
        }
    }

    struct Port: KdnetctlCommand {
        static let configuration = CommandConfiguration(
            commandName: "port",
            abstract: "Tell whether a UDP port is free here, and which process holds it if not; exits 1 if held.")
        @Option(parsing: .unconditional, help: "UDP port to check (any; one outside KDNET's 49152-65535 is taken with a warning).", transform: ArgumentValue.udpPort) var port: Int
        @OptionGroup var output: OutputOptions

        func execute() async throws {
            PortPolicyWarning.warn(port)
            let report = try ValidationError.fromFlags(refusing: [ProbeInputError.self]) { try PortOwnership.check(port: port) }
            if output.json { try Console.json(report) } else {
                for h in report.holders {
                    Console.out("\(h.local)  pid \(h.pid.map(String.init) ?? "?")  \(TerminalText.escaped(h.command ?? "?"))  uid \(h.uid)")
                }
                Render.verdict(report.verdict, report.cause, report.fix)
                if !report.sawAllProcesses && !report.free { Console.err("note: not every process could be inspected; run as root to see them all") }
            }
            if report.verdict == .fail { throw ExitCode(1) }
        }
    }

    struct Route: KdnetctlCommand {
        static let configuration = CommandConfiguration(
            commandName: "route",
            abstract: "Tell whether an address is on a directly connected subnet or behind a router.",
            discussion: "Reads this machine's routes with libnl, its own addresses included. Exits 1 when there is no route, or when a link-local address would have to cross a router.")
        @Argument(help: "The other machine's address (the target's, when run on the host).") var address: IPAddress
        @Option(name: .customLong("host-ip"), help: "This machine's address as given to bcdedit, checked for being link-local too.")
        var hostIP: IPAddress?
        @OptionGroup var output: OutputOptions

        func execute() async throws {
            let report = RouteDecision.decide(target: address, routes: try NetlinkRouteSource().routes(), hostAddress: hostIP)
            if output.json { try Console.json(report) } else { Render.verdict(report.verdict, report.cause, report.fix) }
            if report.verdict == .fail { throw ExitCode(1) }
        }
    }
}

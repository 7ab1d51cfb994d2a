import ArgumentParser
import Foundation
import KDNetKit

struct ListenCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Wait for a target's KDNET poke, connect, read its Windows build, and leave it running.",
        discussion: """
            Listens on UDP (IPv4 and IPv6) like WinDbg does. When a poke authenticates with the key, \
            it answers, breaks in, reads the version (build, architecture, kernel base), continues \
            the target so it keeps running, reports, and exits 0. When it gives up (--timeout) it \
            says why: no-traffic, not-kdnet (another program's datagrams), unsupported-version (KDNET of \
            a version not seen before that does not authenticate: "unknown version N: a wrong key or \
            a new layout"), malformed (MDBG datagrams that are not well-formed KDNET), wrong-key, \
            unexpected-source (--expect or the config's address), or incomplete; and exits 1. A \
            target that uses DHCP (the default) asks for its own address before its first poke and, \
            without a DHCP server, falls back to a link-local one after a wait that is not \
            documented: during the first 60 s of silence (kdnetctl's choice) listen names this \
            possibility once, and nodhcp with what it costs.

            Any KDNET version that authenticates is answered in that version, as WinDbg does (the \
            tag covers the version byte). One not seen before (\(KDNetVersion.knownText) are) is said \
            once per session ("KDNET version 6, not seen before: answered as the target speaks it"; \
            --json: protocol_version_seen_before false), and a later datagram of that session that \
            does not parse is named with the byte it fails at.

            --follow never breaks in: it acknowledges every packet, prints the target's DbgPrint \
            output on stdout, continues every state change, and starts a new session when the target \
            reboots. Ctrl-C leaves the target running.

            --target ADDR sends a connect request (a host-to-target poke sealed with the key) to \
            ADDR at the port every 3 s until the target pokes. A KDNET target starts every session \
            itself by poking the host it was configured with; no public capture shows a real target \
            answering a request from the host, so against real Windows this only opens stateful \
            firewalls or NAT on the way back. `kdnetctl simulate-target` answers it with a poke at once.

            A target whose pokes name a bound debugger (left running by an earlier listen or \
            WinDbg session) is answered only when no session is live here: that re-keys it, so \
            running listen again works without rebooting the target.
            """
    )

    @Option(parsing: .unconditional, help: "The UDP port the target sends to (bcdedit /dbgsettings ... port:P), 49152-65535.")
    var port: DebugPort?
    @OptionGroup var keySource: KeySourceOptions
    @Option(help: "Listen on this local address only (default: every IPv4 and IPv6 address).") var bind: IPAddress?
    @Option(parsing: .unconditional, help: "Give up after this many seconds (default 120; with --follow, run until stopped).",
            transform: ArgumentValue.seconds(ArgumentValue.waitRange)) var timeout: Double?
    @Option(help: "The listener.json written by `kdnetctl plan`: every target's port and key at once (mode 0600; one others can access is refused).") var config: String?
    @Option(help: "The address the target must send from; pokes from elsewhere are reported, not answered.") var expect: IPAddress?
    @Option(help: "Send connect requests to this target address (at --port) instead of only waiting.") var target: IPAddress?
    @Flag(help: "Stay connected without breaking in and stream the target's debug output to stdout.") var follow = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if config != nil {
            guard port == nil, keySource.key == nil, keySource.keyFile == nil, expect == nil else { throw ValidationError(ListenOptionError.configAndPort) }
            guard target == nil else { throw ValidationError(ListenOptionError.targetNeedsPort) }
        }
    }

    func execute() async throws {
        let (targets, remembered) = try makeTargets()
        let stop = WakePipe()
        let signals = SignalRoute { stop.wake() }
        defer { signals.cancel() }
        let options = ListenOptions(targets: targets, bind: bind, timeout: timeout ?? (follow ? nil : 120),
                                    mode: follow ? .follow : .confirm, connectTo: target)
        let listener = try ValidationError.fromFlags(refusing: [ListenOptionError.self]) { try HostListener(options: options, stop: stop) }
        let status = StatusLine(json: output.json)
        var narrator = Narrator(targets: targets, json: output.json, follow: follow, status: status, limit: options.timeout)
        // Once bound, so that a refusal stays one line.
        if let remembered { Console.err(remembered.usingLine(otherwise: "--port/--key or --config")) }
        narrator.announce(bind: bind)
        let results = try listener.run(tickInterval: status.tickInterval, onTick: { narrator.tick($0) },
                                       onSendFailure: { narrator.unsent($0, $1) }) { narrator.handle($0, $1, $2) }
        status.finish()
        try report(results.map { r in var r = r; r.noteDHCPWait(narrator.dhcp); return r }, stoppedBySignal: stop.isWoken, fleet: config != nil || remembered?.madeBy == .plan)
    }

    /// From the flags, or else from the setup the last wizard or plan remembered.
    private func makeTargets() throws -> (targets: [ListenTarget], remembered: RememberedSetup?) {
        if let config {
            return (try ListenTarget.from(try ListenerConfig.load(from: URL(fileURLWithPath: config))), nil)
        }
        let key = try keySource.resolve()
        if port == nil, key == nil, let setup = try SetupMemory().recall() {
            let targets = try ListenTarget.from(try setup.loadListenerConfig()).map { t in
                var t = t
                if let expect { t.expectedAddress = expect }
                return t
            }
            return (targets, setup)
        }
        guard let port, let key else { throw ValidationError(ListenOptionError.needsPortAndKey) }
        return ([ListenTarget(port: port.value, key: key, expectedAddress: expect)], nil)
    }

    /// A fleet (--config, or a remembered plan) prints the fleet document; one target
    /// (the flags, or a remembered wizard setup) its own.
    private func report(_ results: [ListenResult], stoppedBySignal: Bool, fleet: Bool) throws {
        let ok = follow ? (stoppedBySignal || results.allSatisfy(\.connected)) : results.allSatisfy(\.connected)
        if output.json {
            if fleet { try Self.printFleetJSON(results) } else { try Console.json(results[0]) }
        } else {
            for r in results { Console.err(Self.render(r, follow: follow)) }
        }
        if !ok { throw ExitCode(1) }
    }

    /// The `ListenFleetResult` document, encoded one target at a time: encoding thousands
    /// of results in one go held several KB per target at once.
    private static func printFleetJSON(_ results: [ListenResult]) throws {
        Console.out("{\n  \"targets\" : [", terminator: "")
        for (i, r) in results.enumerated() {
            let body = try JSONOutput.string(r).split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
            Console.out((i == 0 ? "\n" : ",\n") + body, terminator: "")
        }
        Console.out("\n  ]\n}")
    }

    static func render(_ r: ListenResult, follow: Bool) -> String {
        let who = r.name.map { "\(TerminalText.escaped($0)) (port \(r.port ?? 0))" } ?? "target"
        guard r.connected, let t = r.target else {
            let d = r.diagnosis ?? .noTraffic
            var lines = ["\(Console.paint("not connected", .red, stderr: true)): \(who): \(d.rawValue)",
                         "  \(r.explanation ?? d.explanation)", "  fix: \(d.fix)"]
            if let s = r.seen, s.total > 0 {
                lines.append("  seen: \(s.total) datagrams (\(s.authenticated) authenticated, \(s.wrongKey) wrong key, \(s.unsupportedVersion) of an unknown KDNET version, \(s.malformed) malformed, \(s.notKdnet) not KDNET, \(s.unexpectedSource) from an unexpected address) from \(s.sources.joined(separator: ", "))")
            }
            return lines.joined(separator: "\n")
        }
        var lines = ["\(Console.paint("connected", .green, stderr: true)): \(who) at \(t.address) port \(t.port)" + (t.mac.map { ", MAC \($0)" } ?? "")]
        let protocolText = "KDNET protocol \(r.protocolVersion ?? 0)" + (r.protocolVersionSeenBefore == false ? " (not seen before)" : "")
        if let b = r.build {
            lines.append("  \(protocolText), Windows build \(b), \(r.machine ?? "?"), kernel base \(r.kernelBase ?? "?")")
            lines.append("  confirmed in \(r.confirmMs ?? 0) ms; the target was continued and keeps running")
        } else if follow {
            lines.append("  \(protocolText), \(r.sessions ?? 0) session(s); the target keeps running")
        }
        if let s = r.seen, s.total > s.authenticated {
            lines.append("  ignored: \(s.notKdnet) not KDNET, \(s.unsupportedVersion) of an unknown KDNET version, \(s.wrongKey) wrong key, \(s.unexpectedSource) from an unexpected address, \(s.kdnetData) unverifiable data, \(s.outOfSequence) replayed or out of order, \(s.malformed) malformed, \(s.refusedTakeover) pokes from elsewhere during the session")
        }
        return lines.joined(separator: "\n")
    }
}

/// Turns session events into the live status line and one-off explanations on stderr,
/// and (with --follow) the target's debug output on stdout.
struct Narrator {
    let targets: [ListenTarget]
    let json: Bool
    let follow: Bool
    let status: StatusLine
    /// The --timeout, shown as "waiting 12 s of 120".
    let limit: Double?
    private var explained: Set<String> = []
    private let started = MonotonicClock.now()
    /// What the status line says after the time: the traffic so far.
    private var state = "no datagrams yet"
    /// Targets with a live --follow session: once all have one, nothing is waited for.
    private var following: Set<Int> = []
    /// Neither the flags nor a remembered setup say nodhcp, so the targets are taken to use
    /// DHCP (the default), whose wait for an address may be the early silence.
    private(set) var dhcp = DHCPWaitNotice(DHCPWait())
    /// Datagrams each target's port has had: the hint is for silence only.
    private var heard: [Int: Int] = [:]

    init(targets: [ListenTarget], json: Bool, follow: Bool, status: StatusLine, limit: Double?) {
        self.targets = targets; self.json = json; self.follow = follow; self.status = status; self.limit = limit
    }

    /// Said once every port is bound, in every mode: scripts and tests wait for this
    /// line instead of sleeping.
    func announce(bind: IPAddress?) {
        Console.err("listening on \(ListeningPorts.describe(targets.map(\.port), bind: bind)); waiting for the target's poke, Ctrl-C to stop")
        showStatus(elapsed: 0)
    }

    /// The listener's clock ticking while nothing arrives: the spinner turns, the seconds count.
    mutating func tick(_ elapsed: Double) {
        if let hint = dhcp.due(datagrams: heard.values.reduce(0, +)) {
            note("dhcp-wait", "no poke after \(Int(dhcp.elapsed)) s: \(hint)")
        }
        showStatus(elapsed: elapsed)
    }

    private func showStatus(elapsed: Double? = nil) {
        if follow && following.count == targets.count {
            status.update(state)
        } else {
            status.waiting(WaitProgress(elapsed: elapsed ?? MonotonicClock.now() - started, limit: limit), state)
        }
    }

    private func who(_ index: Int) -> String {
        targets[index].name.map { "\(TerminalText.escaped($0)): " } ?? (targets.count > 1 ? "port \(targets[index].port): " : "")
    }

    /// A reply the kernel refused to send: said once per reason, the listener goes on.
    mutating func unsent(_ index: Int, _ error: ListenerError) {
        let line = error.localizedDescription
        note("unsent \(line)", "\(who(index))\(line)")
    }

    mutating func handle(_ index: Int, _ event: SessionEvent, _ tally: TrafficTally) {
        let who = self.who(index)
        if case .connected = event, follow { following.insert(index) }
        if case .rebooted = event { following.remove(index) }
        if case .debugPrint(let text) = event {
            if follow, !json {
                status.finish()
                let shown = TerminalText.escaped(text, layout: .multiLine)
                // The target's own lines, as it wrote them.
                Console.out(shown, terminator: shown.hasSuffix("\n") ? "" : "\n", wrap: false)
            }
        } else if let line = SessionEventText.host(event, following: follow) {
            if let key = SessionEventText.onceKey(event) { note(key, who + line) } else { say(who + line) }
        }
        heard[index] = tally.total
        let from = tally.sources.prefix(2).joined(separator: ", ") + (tally.sources.count > 2 ? ", …" : "")
        state = "\(who)\(tally.total) datagrams from \(from.isEmpty ? "nowhere" : from): \(tally.authenticated) authenticated, \(tally.wrongKey) wrong key, \(tally.unsupportedVersion) unknown version, \(tally.malformed) malformed, \(tally.notKdnet) not KDNET"
        showStatus()
    }

    private func say(_ line: String) {
        guard !json else { return }
        status.finish()
        Console.err(line)
    }

    private mutating func note(_ key: String, _ line: String) {
        guard explained.insert(key).inserted else { return }
        say(line)
    }
}

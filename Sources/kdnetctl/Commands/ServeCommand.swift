import ArgumentParser
import Foundation
import KDNetKit
import Logging

extension LabHTTPBinding: TypedArgument {
    public init(argumentText: String) throws { self = try Self.parse(argumentText) }
}

struct ServeCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Watch every target of a listener.json for days: keep them connected and running, log their DbgPrint output.",
        discussion: """
            The lab service. Listens on each target's UDP port (IPv4 and IPv6). A target that \
            pokes with its key is connected: broken in once to read its build, architecture and \
            kernel base, continued, and then kept running (every packet acknowledged, every state \
            change continued, its DbgPrint output appended to DIR/NAME.log with --log-dir, rotated \
            by size). After a reboot it is confirmed again. A target is never left stopped, also \
            not on SIGTERM.

            Each target is waiting (no session yet), connected, silent (connected, then no \
            authentic datagram for --silence seconds), wrong_key (datagrams sealed with another \
            key and no live session: re-keyed or re-imaged?) or lost (after a session, data of a \
            session another debugger started, or silent for --lost-after seconds). Traffic from \
            another address than the config's is counted and said.

            A config entry that does not check out is refused (said in the log) and the rest run. \
            SIGHUP re-reads the config: unchanged targets keep their session, new ones are bound, \
            removed ones closed, changed ones re-keyed; a config that no longer reads is said and \
            the running one kept. SIGTERM or SIGINT stops, leaving the targets running, exit 0.

            The log goes to stderr, one line per event, no colour: `TIME LEVEL: NAME: message`, \
            or `<N>NAME: message` (syslog priority, read by journald) when stderr is the journal. \
            --json makes every line one JSON object instead, with the keys time, level, event, \
            target, message and the event's own (state, from, address, build, ...), numbers as \
            JSON numbers, lists as lists and text raw: the one exception to "one JSON document \
            on stdout", since a service's log is a stream. On stdout --json prints one document \
            when serve ends: the fleet as /api/targets has it, or {"error": ...} when serve \
            cannot start. Once every port is bound it says `serving N targets on UDP ...` \
            (event `ready`).

            The status page (--http, default \(LabHTTPBinding.default)): GET / is one table of \
            the fleet that updates live (server-sent events on /events); /api/targets is the \
            fleet as JSON, /api/targets/NAME/log a target's recent DbgPrint text, /metrics the \
            Prometheus metrics (kdnet_target_up is 1 while connected). Keys are never served. \
            On an address other hosts can reach it needs a token of at least 16 characters \
            (--http-token TOKEN, or --http-token-file FILE, mode 0600): clients send \
            `Authorization: Bearer TOKEN`, and a browser opens /?token=TOKEN once (a cookie \
            then holds it). There is no TLS: keep the page on loopback or a trusted network.

            Against DNS rebinding, token or not, only a Host header naming this server is \
            answered: the --http address (every address of this host when it is 0.0.0.0 or \
            [::]), localhost, this host's name and FQDN, and each --http-host NAME, at any \
            port (a forward names its own). Any other Host, or none on HTTP/1.1, gets 421. A browser page of \
            another origin (an Origin header naming none of these) gets 403 on /events and \
            on anything but GET and HEAD.
            """
    )

    @Option(help: "The listener.json written by `kdnetctl plan`.") var config: String
    @Option(name: .customLong("log-dir"), help: "Append each target's DbgPrint output to DIR/NAME.log (created if missing).") var logDir: String?
    @Option(parsing: .unconditional, help: "Seconds without an authentic datagram before a connected target is silent, 1-86400 (default 30).",
            transform: ArgumentValue.seconds(1...86_400)) var silence: Double = 30
    @Option(name: .customLong("lost-after"), parsing: .unconditional, help: "Seconds of silence before a target is lost, 1-604800 (default 600).",
            transform: ArgumentValue.seconds(1...604_800)) var lostAfter: Double = 600
    @Option(name: .customLong("log-max-mib"), parsing: .unconditional, help: "Rotate NAME.log when it would pass this many MiB, 1-1024 (default 8).",
            transform: ArgumentValue.count(1...1024)) var logMaxMiB: Int = 8
    @Option(name: .customLong("log-keep"), parsing: .unconditional, help: "Old logs kept (NAME.log.1 ... NAME.log.N), 1-99 (default 3).",
            transform: ArgumentValue.count(1...99)) var logKeep: Int = 3
    @Option(help: "Listen on this local address only (default: every IPv4 and IPv6 address).") var bind: IPAddress?
    @Option(help: "The status page's address, ADDR:PORT (default \(LabHTTPBinding.default)).") var http: LabHTTPBinding?
    @Option(name: .customLong("http-host"), help: ArgumentHelp("A name browsers use for this host (a DNS alias, a proxy's name) that the status page answers to, besides its addresses, localhost and this host's own names; repeatable.", valueName: "name")) var httpHosts: [String] = []
    @Option(name: .customLong("http-token"), help: "Bearer token the status page requires, at least 16 characters (`openssl rand -hex 16`); needed when --http is not a loopback address.") var httpToken: String?
    @Option(name: .customLong("http-token-file"), help: ArgumentHelp("Read the token from FILE (its one line; mode 0600), so it is not in the process list.", valueName: "file")) var httpTokenFile: String?
    @Flag(name: .customLong("no-http"), help: "No status page; only the UDP side and the log.") var noHTTP = false
    @Flag(help: "Log one JSON object per line on stderr (stable keys, typed values, raw text) instead of text lines; on stdout, the fleet document when serve ends.") var json = false

    var output: OutputOptions {
        var o = OutputOptions()
        o.json = json
        return o
    }

    var binding: LabHTTPBinding { http ?? .default }

    func validate() throws {
        if noHTTP {
            let given = [(http != nil, "--http"), (!httpHosts.isEmpty, "--http-host"), (httpToken != nil, "--http-token"),
                         (httpTokenFile != nil, "--http-token-file")].filter(\.0).map(\.1)
            if let first = given.first {
                throw ValidationError("--no-http turns the status page off, but \(first) configures it; give one or the other")
            }
        }
        if httpToken != nil, httpTokenFile != nil {
            throw ValidationError("--http-token and --http-token-file both give the token; give one (the file keeps it out of the process list)")
        }
        do throws(LabHTTPBindingError) {
            try binding.check(token: httpToken, hasToken: httpTokenFile != nil, serving: !noHTTP)
            for name in httpHosts { _ = try LabHTTPHostRule.extraName(name) }
        } catch {
            switch error {
            case .unusableToken, .shortToken: throw ValidationError("--http-token: " + Console.describe(error))
            case .badHostName: throw ValidationError("--http-host: " + Console.describe(error))
            default: throw ValidationError(error)
            }
        }
        guard lostAfter > silence else {
            throw ValidationError("--lost-after \(ArgumentValueError.format(lostAfter)) must be longer than --silence \(ArgumentValueError.format(silence)); e.g. --silence 30 --lost-after 600")
        }
    }

    func execute() async throws {
        let format = ServiceLogHandler.format(json: json)
        let logger = Logger(label: "kdnetctl.serve") { _ in ServiceLogHandler(format: format) }
        let stop = WakePipe()
        let reload = WakePipe()
        let signals = SignalRoute { stop.wake() }
        let hangups = SignalRoute([SIGHUP]) { reload.wake() }
        defer { signals.cancel(); hangups.cancel() }
        var options = LabServiceOptions(configPath: config, thresholds: .init(silence: silence, lost: lostAfter),
                                        logDirectory: logDir.map { URL(fileURLWithPath: $0, isDirectory: true) },
                                        rotation: .init(maxBytes: logMaxMiB << 20, keep: logKeep), bind: bind)
        options.releaseTimeout = 5
        options.httpConnections = noHTTP ? 0 : LabHTTPServer.Limits().connections
        // The token file is read before anything is bound: a bad one stops serve at once.
        let token = try httpTokenFile.map { path throws(LabHTTPTokenFileError) in try LabHTTPTokenFile.read(path: path) } ?? httpToken
        let watcher = try LabWatcher(options: options, stop: stop, reload: reload) { logger.log($0) }
        let page = try startHTTP(board: watcher.board, token: token)
        logger.log(LabEvent(.info, "ready", Self.readiness(ports: watcher.ports, bind: bind, page: page),
                            fields: ["targets": .number(watcher.ports.count), "ports": .integers(watcher.ports.map(Int.init))]))
        // The watcher blocks in poll; on a thread of its own it leaves Swift's cooperative
        // threads (two on a 2-core host) to the HTTP side.
        try await Self.onOwnThread { try watcher.run() }
        page?.stop()
        logger.log(LabEvent(.info, "stopped", "stopped; every target was left running"))
        // The one document on stdout: the fleet as it was left, as /api/targets serves it.
        if json { Console.out(LabTargetsDocument(watcher.board.snapshot()).json(), wrap: false) }
    }

    /// What the status page needs to stop; nil when there is none.
    struct StatusPage {
        var url: String
        var stop: () -> Void
    }

    /// The status page, bound before the readiness line (a busy port is said before
    /// any serving) and serving on a thread of its own from the board the watcher
    /// publishes to; nil with --no-http.
    private func startHTTP(board: LabStatusBoard, token: String?) throws -> StatusPage? {
        guard !noHTTP else { return nil }
        let names = httpHosts.compactMap { try? LabHTTPHostRule.extraName($0) }
        let server = LabHTTPServer(bind: binding.endpoint, token: token, source: board, hostNames: names)
        try server.start()
        let url = server.local.map { LabHTTPBinding($0).url } ?? binding.url
        return StatusPage(url: url, stop: { server.stop() })
    }

    static func readiness(ports: [UInt16], bind: IPAddress?, page: StatusPage?) -> String {
        let http = page.map { "status on \($0.url)" } ?? "no status page (--no-http)"
        return "serving \(ports.count) target\(ports.count == 1 ? "" : "s") on \(ListeningPorts.describe(ports, bind: bind)); \(http)"
    }

    private static func onOwnThread(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
            let thread = Thread {
                do { try body(); done.resume() } catch { done.resume(throwing: error) }
            }
            thread.name = "kdnetctl-serve-udp"
            thread.start()
        }
    }
}

import ArgumentParser
import Foundation
import KDNetKit
import Synchronization

/// Set by SIGINT so a live capture ends with its report rather than mid-document.
private let interruptRequested = Atomic<Bool>(false)

struct InspectCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode KDNET traffic in a capture (pcap, pcapng) or live on an interface.",
        discussion: """
            Finds KDNET datagrams on any UDP port (MDBG magic), authenticates and decrypts \
            them with the key(s) given, follows each target's sessions (data key from each \
            host response, reboots), decodes KD packets (types, APIs, DbgPrint text, version \
            replies) and summarises targets, sessions, failures and sequence gaps.

            Link types: Ethernet (with VLAN tags), Linux cooked v1/v2 (tcpdump -i any), raw \
            IPv4/IPv6, BSD/OpenBSD loopback; IPv4 and IPv6. IP fragments are counted and \
            skipped. A file cut short mid-packet is reported up to the cut, with a warning.

            --live IFACE captures UDP on an interface (root or CAP_NET_RAW), on a machine \
            on the path between a target and its debugger host; it stops after --count \
            datagrams, after --duration seconds, or on Ctrl-C, then reports.

            Statuses: authenticated; failed_authentication (wrong key, or damaged); \
            no_handshake (data of a session whose poke/response was not captured: not a \
            wrong key); not_kdnet; unsupported_version (MDBG of a KDNET version not seen before \
            that no key opens: "unknown version N: a wrong key or a new layout"); malformed. A \
            datagram of a version not seen before (\(KDNetVersion.knownText) are) that a key opens is \
            decoded like any other: authenticated, its record marked protocol_version_seen_before \
            false, and a payload that does not parse names the byte it fails at.

            --json prints one document: {"records": [one per UDP datagram: index, time, \
            source, destination, channel, direction, sequence, session, key, status, kind, \
            packet_id, api, text, version, protocol_version, protocol_version_seen_before, events, \
            problem], "summary": {datagrams, authenticated, failed_authentication, no_handshake, \
            not_kdnet, unsupported_version, unsupported_versions, new_versions, malformed, \
            sessions: [{target, port, protocol_version, protocol_version_seen_before, build, machine, datagrams, ...}], \
            diagnosis, warnings}}. Records are streamed, so memory stays flat.

            Exit codes: 0 the capture was read and every KDNET datagram in it opened (or \
            it holds no KDNET at all), whatever its version; 1 some datagram failed \
            authentication (of an unknown version too) or starts with MDBG but is not \
            well-formed KDNET, the file is cut short or damaged, or it cannot be read; 64 bad flags.
            """
    )

    @Argument(help: ArgumentHelp("The capture file (pcap or pcapng), or with --hex-lines a file of `name hex` lines.", valueName: "file"))
    var file: String?

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp("A key to try (repeat for captures of several targets).", valueName: "key"))
    var key: [DebugKey] = []

    @Option(name: .customLong("key-file"), help: ArgumentHelp("A file holding a key to try, alone, which only its owner may access (chmod 600; also: $KDNETCTL_KEY).", valueName: "file"))
    var keyFile: String?

    @Option(name: .long, help: ArgumentHelp("A listener.json whose targets' keys to try.", valueName: "listener.json"))
    var config: String?

    @Flag(name: .long, help: "FILE holds one UDP payload per line as `name hex` (no addresses; lines up to 1 MiB).")
    var hexLines = false

    @Option(name: .long, help: ArgumentHelp("Capture live on this interface instead of reading a file.", valueName: "iface"))
    var live: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("With --live: stop after this many UDP datagrams.", valueName: "n"), transform: ArgumentValue.wholeNumber)
    var count: Int?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("With --live: stop after this many seconds.", valueName: "seconds"), transform: ArgumentValue.anySeconds)
    var duration: Double?

    @Option(name: .long, help: ArgumentHelp("With --live: a pcap-filter expression instead of `udp`, e.g. `udp port 50000`.", valueName: "expression"))
    var filter: String?

    @Flag(name: .shortAndLong, help: "Print one line per datagram before the summary.")
    var verbose = false

    @Flag(name: .long, help: "Show each session's derived data key (a secret).")
    var showDataKeys = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if live != nil && file != nil { throw ValidationError("give either a capture FILE or --live IFACE, not both") }
        if live == nil && file == nil { throw ValidationError("give a capture FILE to read, or --live IFACE to capture") }
        if live == nil && (count != nil || duration != nil || filter != nil) { throw ValidationError("--count, --duration and --filter only apply with --live IFACE") }
        if live != nil && hexLines { throw ValidationError("--hex-lines reads a FILE; it does not combine with --live") }
        if let count, count < 1 { throw ValidationError("--count \(count) must be at least 1") }
        if let duration, !(duration > 0) { throw ValidationError("--duration \(duration) must be above 0 seconds") }
    }

    func execute() async throws {
        // A missing file is the first thing to say, before asking for its key.
        if let file, access(file, R_OK) != 0 { throw CaptureError.cannotOpen(file, LineReader.reason(errno)) }
        let (keys, remembered) = try observerKeys()
        let streamRecords = output.json || verbose
        var printer = RecordPrinter(json: output.json)
        let onRecord: ((ObservedDatagram) -> Void)? = streamRecords ? { printer.add($0) } : nil
        let summary: InspectSummary
        if let live {
            summary = try inspectLive(interface: live, keys: keys, remembered: remembered, onRecord: onRecord ?? { _ in })
        } else if hexLines {
            summary = try CaptureInspector.inspect(hexLines: file!, keys: keys, showDataKeys: showDataKeys, onRecord: onRecord ?? { _ in })
        } else {
            summary = try CaptureInspector.inspect(file: file!, keys: keys, showDataKeys: showDataKeys, onRecord: onRecord)
        }
        if output.json {
            try printer.end(summary: summary)
        } else {
            printer.flush()
            render(summary)
        }
        if summary.problemFound { throw ExitCode(1) }
    }

    /// The keys given, or for a live capture without any, the remembered setup's.
    private func observerKeys() throws -> (keys: [ObserverKey], remembered: RememberedSetup?) {
        var keys: [ObserverKey] = []
        for (i, key) in key.enumerated() { keys.append(ObserverKey(key: key, label: "key \(i + 1)")) }
        if let extra = try KeySourceOptions.fileOrEnvironment(keyFile) {
            keys.append(ObserverKey(key: extra, label: keyFile == nil ? KeyFile.environmentVariable : "key file"))
        }
        var config = try self.config.map { try ListenerConfig.load(from: URL(fileURLWithPath: $0)) }
        // A live capture without keys decodes the remembered setup's traffic; a file may
        // come from anywhere, so it is never guessed for.
        var remembered: RememberedSetup?
        if live != nil, keys.isEmpty, config == nil, let setup = try SetupMemory().recall() {
            config = try setup.loadListenerConfig()
            remembered = setup
        }
        for t in config?.targets ?? [] { keys.append(ObserverKey(key: try DebugKey(parsing: t.key), label: t.name)) }
        if keys.isEmpty { throw ValidationError("give the key the target uses with --key K, --key-file FILE or $KDNETCTL_KEY (or --config listener.json)") }
        return (keys, remembered)
    }

    private func inspectLive(interface: String, keys: [ObserverKey], remembered: RememberedSetup?, onRecord: (ObservedDatagram) -> Void) throws -> InspectSummary {
        let signals = SignalRoute([SIGINT]) { interruptRequested.store(true, ordering: .relaxed) }
        defer { signals.cancel() }
        let status = StatusLine(json: output.json)
        defer { status.finish() }
        let started = MonotonicClock.now()
        return try CaptureInspector.inspect(
            interface: interface, keys: keys, limits: .init(count: count, duration: duration, filter: filter), showDataKeys: showDataKeys,
            interrupted: { interruptRequested.load(ordering: .relaxed) },
            // Said in every mode once the capture is open: scripts wait for this line.
            ready: {
                if let remembered { Console.err(remembered.usingLine(otherwise: "--key, --key-file or --config")) }
                Console.err("capturing on \(TerminalText.escaped(interface)) (\(filter ?? "udp")); Ctrl-C to stop")
            },
            progress: { s in
                status.waiting(WaitProgress(elapsed: MonotonicClock.now() - started, limit: duration),
                               "\(TerminalText.escaped(interface)), \(s.datagrams) UDP datagrams, \(s.kdnetDatagrams) KDNET, \(s.authenticated) authenticated (Ctrl-C to stop)",
                               verb: "capturing")
            },
            onRecord: onRecord)
    }

    private func render(_ s: InspectSummary) {
        let link = s.linkType.map { " (\($0))" } ?? ""
        Console.out(Console.paint(TerminalText.escaped(s.source), .bold) + link + ": \(s.frames) frames, \(s.datagrams) UDP datagrams, \(s.kdnetDatagrams) KDNET")
        let failed = s.failedAuthentication > 0 ? Console.paint("\(s.failedAuthentication)", .red) : "0"
        Console.out("  authenticated \(s.authenticated), failed authentication \(failed), no handshake \(s.noHandshake), unknown version \(s.unsupportedVersion), malformed \(s.malformed), not KDNET \(s.notKdnet)")
        if s.ipFragmentsSkipped > 0 || s.framesCutShort > 0 || s.emptyFrames > 0 {
            Console.out("  IP fragments skipped \(s.ipFragmentsSkipped), frames cut short \(s.framesCutShort), empty frames \(s.emptyFrames)")
        }
        if !s.sessions.isEmpty { Console.out("sessions:") }
        for x in s.sessions {
            var line = "  #\(x.number) target \(x.target ?? "?")" + (x.port.map { ":\($0)" } ?? "")
            if let host = x.host { line += " <-> host \(host)" }
            line += ", \(TerminalText.escaped(x.key)), KDNET v\(x.protocolVersion)\(x.protocolVersionSeenBefore ? "" : " (not seen before)"), \(x.datagrams) datagrams"
            if x.startedByReboot { line += ", after a reboot" }
            Console.out(line)
            if let build = x.build {
                Console.out("     Windows build \(build) \(x.machine ?? "")" + (x.bootDebugger == true ? " (boot debugger, major \(x.major ?? ""))" : " (kernel, major \(x.major ?? ""))"))
            }
            if x.missingTargetToHost + x.missingHostToTarget > 0 || x.outOfOrder + x.replayed > 0 {
                Console.out("     gaps: \(x.missingTargetToHost) missing target->host, \(x.missingHostToTarget) missing host->target, \(x.outOfOrder) out of order, \(x.replayed) replayed")
            }
            if let dataKey = x.dataKey { Console.out("     data key \(dataKey)") }
        }
        for w in s.warnings { Console.err(Console.paint("warning:", .yellow, stderr: true) + " " + TerminalText.escaped(w)) }
        for d in s.diagnosis { Console.out("- " + TerminalText.escaped(d)) }
    }
}

/// Streams records out as they are made: in JSON as the `records` array of the one
/// document (keys sort `records` before `summary`, so the summary can come last), or
/// as one line each for `-v`, before the summary.
private struct RecordPrinter {
    let json: Bool
    private var buffer: [UInt8] = []
    private var first = true
    private var startTime: Double?
    private let writer = RecordJSONWriter()

    /// Large writes: a quarter MiB per write(2), a few hundred records.
    private static let flushAt = 1 << 18

    init(json: Bool) { self.json = json; buffer.reserveCapacity(Self.flushAt + 1 << 16) }

    /// Nothing reaches stdout before the capture is open, so an error stays the only document.
    private var begun = false
    private mutating func beginIfNeeded() {
        if !begun { buffer += Array("{\n  \"records\" : [".utf8); begun = true }
    }

    mutating func add(_ record: ObservedDatagram) {
        if json {
            beginIfNeeded()
            (first ? "\n    " as StaticString : ",\n    ").withUTF8Buffer { buffer.append(contentsOf: $0) }
            first = false
            writer.append(record, to: &buffer)
            if buffer.count > Self.flushAt { flush() }
        } else {
            if first { buffer += Array("datagrams:\n".utf8); first = false; startTime = record.time }
            buffer.append(contentsOf: Self.line(record, since: startTime).utf8)
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count > Self.flushAt { flush() }
        }
    }

    mutating func end(summary: InspectSummary) throws {
        beginIfNeeded()
        let body = try JSONOutput.string(summary).replacingOccurrences(of: "\n", with: "\n  ")
        buffer += Array(((first ? "" : "\n  ") + "],\n  \"summary\" : " + body + "\n}\n").utf8)
        flush()
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        // Handed over without a copy: the buffer outlives the write.
        buffer.withUnsafeMutableBytes { FileHandle.standardOutput.write(Data(bytesNoCopy: $0.baseAddress!, count: $0.count, deallocator: .none)) }
        buffer.removeAll(keepingCapacity: true)
    }

    static func line(_ r: ObservedDatagram, since start: Double?) -> String {
        var parts: [String] = ["#\(r.index + 1)"]
        if let t = r.time, let start { parts.append(String(format: "+%.6f", t - start)) }
        if let label = r.label { parts.append(TerminalText.escaped(label)) }
        if let s = r.source, let d = r.destination { parts.append("\(s) > \(d)") }
        parts.append(r.status.rawValue)
        if let v = r.protocolVersion, r.protocolVersionSeenBefore == false { parts.append("v\(v) (not seen before)") }
        if let c = r.channel { parts.append(c.name) }
        if let d = r.direction { parts.append(d == .targetToHost ? "T>H" : "H>T") }
        if let seq = r.sequence { parts.append("seq \(seq)") }
        if let n = r.session { parts.append("session \(n)") }
        if let k = r.kind { parts.append(k.name) }
        if let id = r.packetID { parts.append("id 0x" + String(id, radix: 16)) }
        if let api = r.api { parts.append(api) }
        if let v = r.kernelVersion { parts.append("build \(v.build) \(v.machineName)" + (v.isBootDebugger ? " (boot debugger)" : "")) }
        // Quoted so its blanks are visible; DbgPrint text is the target's, so escaped too.
        if let text = r.text { parts.append("\"" + TerminalText.escaped(text) + "\"") }
        for e in r.events { parts.append("[\(e.text)]") }
        if let p = r.problem { parts.append("(\(TerminalText.escaped(p)))") }
        return parts.joined(separator: " ")
    }
}

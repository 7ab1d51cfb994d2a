import ArgumentParser
import Foundation
import KDNetKit

struct SimulateTargetCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-target",
        abstract: "Act as a Windows KDNET target: poke a host, connect, print, answer a break-in and GetVersion.",
        discussion: """
            Sends from --port to --host-ip at --port (source port = destination port, as a real \
            target does), poking every --poke-interval seconds. For a host on this machine (a \
            loopback address or one of its own), where `kdnetctl listen` holds the port, it sends \
            from another loopback address (127.0.0.2 ...), or from another port when the listener \
            holds the port on every address or the host is ::1 (IPv6's only loopback address), \
            and says why; --bind chooses the source instead. After a host answers it sends the \
            connection check, a few DbgPrint lines, answers a break-in with a breakpoint state change, \
            RESET, GetVersion (reporting --build, --machine) and Continue2, and drops out-of-sequence \
            datagrams. Once connected its pokes name the bound debugger (keepalives).

            How long it runs: exactly --duration seconds if given; otherwise until 3 s after a host \
            continued it, or 60 s at most. --max-pokes stops it at the poke after the Nth. \
            --reboot-after S restarts it once after S seconds (new client key, no bound debugger). \
            Exits 0 when a host connected, 1 when none did.
            """
    )

    @Option(name: .customLong("host-ip"), help: "The host's address (bcdedit /dbgsettings net hostip:A).") var hostIP: IPAddress
    @Option(parsing: .unconditional, help: "The UDP port (bcdedit ... port:P), 49152-65535; also the source port.")
    var port: DebugPort
    @OptionGroup var keySource: KeySourceOptions
    @Option(name: .customLong("poke-interval"), parsing: .unconditional, help: "Seconds between pokes, 0.05-60 (a real target: about 3).", transform: ArgumentValue.anySeconds) var pokeInterval: Double = 3
    @Option(parsing: .unconditional, help: "The Windows build to report.") var build: UInt16 = 19041
    @Option(help: "The architecture to report: x64, x86 or arm64.") var machine: String = "x64"
    @Option(name: .customLong("protocol-version"), parsing: .unconditional, help: "The KDNET protocol version to speak, 1-255 (real targets were seen speaking \(KDNetVersion.knownText); another tests a version not seen before).", transform: ArgumentValue.wholeNumber) var protocolVersion: Int = 2
    @Option(help: "The source address to send from (default: for a host on this machine, another loopback address or port).") var bind: IPAddress?
    @Option(parsing: .unconditional, help: "Run exactly this many seconds, 0.1-86400.", transform: ArgumentValue.anySeconds) var duration: Double?
    @Option(name: .customLong("max-pokes"), parsing: .unconditional, help: "Stop at the poke after this many, 1-10000.", transform: ArgumentValue.wholeNumber) var maxPokes: Int?
    @Option(name: .customLong("reboot-after"), parsing: .unconditional, help: "Reboot once after this many seconds, 0.1-86400.", transform: ArgumentValue.anySeconds) var rebootAfter: Double?
    @OptionGroup var output: OutputOptions

    func execute() async throws {
        guard let key = try keySource.resolve() else { throw ValidationError(ListenOptionError.needsKey) }
        let options = try ValidationError.fromFlags { try makeOptions(key: key) }
        let stop = WakePipe()
        let signals = SignalRoute { stop.wake() }
        defer { signals.cancel() }
        let simulator = try ValidationError.fromFlags(refusing: [ListenOptionError.self]) { try TargetSimulator(options: options, stop: stop) }
        let status = StatusLine(enabled: Console.stderrIsTerminal && !output.json)
        let json = output.json
        // Said in every mode once the socket is bound: scripts wait for this line.
        Console.err("simulated target \(simulator.ownEndpoint) poking \(simulator.host) every \(options.pokeInterval) s (build \(options.kernel.build), \(options.kernel.machineName), KDNET \(options.protocolVersion))")
        if !json {
            if let why = simulator.otherPortReason {
                Console.err("\(why), so it sends from port \(simulator.ownEndpoint.port); a real target sends from port \(options.port) itself")
            }
        }
        var unsentReasons: Set<String> = []
        let report = try simulator.run(onSendFailure: { error in
            // Once per reason: a target that cannot reach its host keeps poking.
            if !json, unsentReasons.insert(error.localizedDescription).inserted { status.finish(); Console.err(error.localizedDescription) }
        }) { event, session in
            if !json, let line = SessionEventText.target(event) { status.finish(); Console.err(line) }
            status.update("pokes \(session.record.pokes), \(session.isConnected ? "connected" : "not connected")\(session.isHalted ? ", halted" : "")")
        }
        status.finish()
        if json {
            try Console.json(report)
        } else {
            Console.err("\(report.connected ? "connected" : "no host connected"); \(report.record.pokes) pokes, stopped: \(report.stoppedBecause)")
        }
        if !report.connected { throw ExitCode(1) }
    }

    private func makeOptions(key: DebugKey) throws -> SimulatorOptions {
        guard let machineValue = KernelVersion.machine(named: machine), machineValue != 0x1C4 else { throw ListenOptionError.badMachine(machine) }
        guard KDNetVersion.speakable.contains(protocolVersion) else { throw ListenOptionError.badProtocolVersion(protocolVersion) }
        var o = SimulatorOptions(hostIP: hostIP, port: port.value, key: key, kernel: .simulated(machine: machineValue, build: build))
        o.pokeInterval = pokeInterval
        o.protocolVersion = UInt8(protocolVersion)
        o.bind = bind
        o.duration = duration
        o.maxPokes = maxPokes
        o.rebootAfter = rebootAfter
        return o
    }
}

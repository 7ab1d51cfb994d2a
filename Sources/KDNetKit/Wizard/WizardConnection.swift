import Foundation

/// The connection step over the real listener, with the built-in simulated target
/// running beside it when asked.
struct WizardConnection {
    let request: ConnectRequest
    let stop: WakePipe?

    /// The simulated target reports the newest release, as a freshly installed target would.
    static let simulatedKernel = KernelVersion.simulated(machine: 0x8664, build: UInt16(WindowsRelease.newest.build))

    /// `note` says the DHCP hint once the silence lasts (the wizard's target uses DHCP, the
    /// default: it never sets nodhcp).
    func run(status: (String) -> Void, note: (String) -> Void = { _ in }) throws -> ConnectionOutcome {
        let port = request.port.value
        // On one machine the listener and the simulated target both bind the port (a target
        // sends from the KDNET port itself), so the listener takes the host address only and
        // the simulated target picks a source beside it (SimulatorSource).
        let listenBind = request.simulated != nil ? request.hostAddress.address : nil
        let options = ListenOptions(targets: [ListenTarget(port: port, key: request.key)], bind: listenBind,
                                    timeout: request.timeout, mode: .confirm)
        let listener = try HostListener(options: options, stop: stop)
        let simulation = try request.simulated.map { try startSimulator($0) }
        defer { simulation?.stop() }

        let start = MonotonicClock.now()
        var dhcp = DHCPWaitNotice(DHCPWait())
        var heard = 0
        status("listening on UDP port \(port) for up to \(Int(request.timeout))s" + (simulation != nil ? "; the simulated target is booting" : "; reboot the target now"))
        let results = try listener.run(tickInterval: 1, onTick: { _ in
            if let hint = dhcp.due(datagrams: heard) { note("no poke after \(Int(dhcp.elapsed)) s: \(hint)") }
        }) { _, event, tally in
            heard = tally.total
            if let text = SessionEventText.host(event) {
                status("\(text) (\(Int(MonotonicClock.now() - start))s, \(tally.total) datagrams)")
            }
        }
        let waited = MonotonicClock.now() - start
        guard var r = results.first else { return ConnectionOutcome(connected: false, waitedSeconds: waited) }
        r.noteDHCPWait(dhcp)
        return ConnectionOutcome(connected: r.connected, from: r.target.map { "\($0.address):\($0.port)" },
                                 build: r.build.map(Int.init), architecture: r.machine,
                                 diagnosis: r.diagnosis?.rawValue, explanation: r.explanation, fix: r.fix,
                                 waitedSeconds: (waited * 10).rounded() / 10)
    }

    private func startSimulator(_ sim: SimulatedTarget) throws -> RunningSimulation {
        let host = request.hostAddress
        var o = SimulatorOptions(hostIP: host.address, port: request.port.value, key: sim.key ?? request.key, kernel: Self.simulatedKernel)
        o.pokeInterval = 1
        o.maxDuration = request.timeout + 1
        let stop = WakePipe()
        // Made here so a bind failure is reported at once; the thread is its only user after.
        let handOff = HandOff(try TargetSimulator(options: o, stop: stop))
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            _ = try? handOff.value.run { _, _ in }
            done.signal()
        }
        thread.start()
        return RunningSimulation(stopPipe: stop, done: done)
    }
}

/// The simulated target's thread, stopped and joined when the wait ends.
struct RunningSimulation {
    let stopPipe: WakePipe
    let done: DispatchSemaphore

    func stop() {
        stopPipe.wake()
        _ = done.wait(timeout: .now() + 5)
    }
}

/// Moves a non-Sendable object to the one thread that uses it from then on.
private final class HandOff<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

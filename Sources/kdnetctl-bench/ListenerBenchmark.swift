import Foundation
import KDNetKit

/// The listener as a lab uses it, over loopback: one `kdnetctl listen --config` for 100
/// simulated targets on ports 50000-50099; the time from a target's first poke to the
/// confirmed connection; and the CPU an idle listener uses (it must block, not poll).
enum ListenerBenchmark {
    static let basePort = 50000
    static let targets = 100

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnetctl-bench-listen-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func results(_ file: URL) -> [[String: Any]] {
        guard let data = try? Data(contentsOf: file),
              let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return (doc["targets"] as? [[String: Any]]) ?? [doc]
    }

    static func run() throws -> [Figure] {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keys = (0..<targets).map { _ in DebugKey.generate() }
        let config = ListenerConfig(hostIp: "127.0.0.1", targets: keys.enumerated().map { i, k in
            .init(name: "t\(i)", port: UInt16(basePort + i), key: k.text)
        })
        let configURL = dir.appendingPathComponent("listener.json")
        try config.write(to: configURL)

        // A target sends from the port it sends to, so on one machine host and targets need
        // their own loopback addresses: the listener binds 127.0.0.1, the targets 127.0.0.2.
        // Idle: a listener on 100 ports that hears nothing for 3 s.
        // Measured inside one running listener, after its readiness line and half a second
        // for start-up to settle, from the scheduler's run time: comparing a 3 s run with a
        // short one measured their start-ups' jitter (a 6 s run cost what a 3 s one did).
        let idleErr = dir.appendingPathComponent("idle.err")
        let idle = Spawn.start(Spawn.kdnetctl, ["listen", "--config", configURL.path, "--bind", "127.0.0.1", "--timeout", "30", "--json"],
                               stderr: idleErr.path)
        guard ServeBenchmark.waitForLine("listening on", in: idleErr, seconds: 30) else { fatalError("the idle listener never said it listens") }
        let startupCPUms = ProcStat.cpuSeconds(idle.pid) * 1000
        usleep(500_000)
        let idleStart = ProcStat.runNanoseconds(idle.pid)
        usleep(3_000_000)
        let idleCPUms = Double(ProcStat.runNanoseconds(idle.pid) - idleStart) / 1e6
        kill(idle.pid, SIGTERM)
        _ = Spawn.wait(idle)
        print("idle listener on \(targets) ports for 3 s: \(String(format: "%.2f", idleCPUms)) ms CPU (start-up: \(String(format: "%.1f", startupCPUms)) ms)")

        // Scale: 100 targets poking at once.
        let out = dir.appendingPathComponent("fleet.json")
        let listener = Spawn.start(Spawn.kdnetctl, ["listen", "--config", configURL.path, "--bind", "127.0.0.1", "--timeout", "40", "--json"], stdout: out.path,
                                   watched: true)
        usleep(400_000)
        let sims = keys.enumerated().map { i, k in
            Spawn.start(Spawn.kdnetctl, ["simulate-target", "--host-ip", "127.0.0.1", "--bind", "127.0.0.2", "--port", "\(basePort + i)", "--key", k.text,
                                         "--poke-interval", "1", "--duration", "12"])
        }
        let fleet = Spawn.wait(listener)
        sims.forEach { kill($0.pid, SIGTERM) }
        sims.forEach { _ = Spawn.wait($0) }
        let docs = results(out)
        let confirmed = docs.filter { ($0["connected"] as? Bool) == true && $0["build"] != nil }
        let worst = confirmed.compactMap { $0["confirm_ms"] as? Int }.max() ?? Int.max
        print("\(targets) targets: \(confirmed.count) confirmed with their build, slowest \(worst) ms from first poke; listener peak \(fleet.peakText), \(String(format: "%.2f", fleet.cpuSeconds)) s CPU")

        // Poke to confirmed connection, one target at a time.
        var times: [Double] = []
        for round in 0..<15 {
            let key = keys[round]
            let port = "\(basePort + 200 + round)"
            let result = dir.appendingPathComponent("one-\(round).json")
            let l = Spawn.start(Spawn.kdnetctl, ["listen", "--port", port, "--key", key.text, "--bind", "127.0.0.1", "--timeout", "10", "--json"], stdout: result.path)
            usleep(150_000)
            let s = Spawn.start(Spawn.kdnetctl, ["simulate-target", "--host-ip", "127.0.0.1", "--bind", "127.0.0.2", "--port", port, "--key", key.text, "--duration", "3"])
            _ = Spawn.wait(l)
            kill(s.pid, SIGTERM)
            _ = Spawn.wait(s)
            if let ms = results(result).first?["confirm_ms"] as? Int { times.append(Double(ms)) }
        }
        let median = times.isEmpty ? Double.infinity : Measure.median(times)
        print("poke to confirmed connection on loopback: median \(Measure.format(median)) ms over \(times.count) runs (min \(Measure.format(times.min() ?? .infinity)), max \(Measure.format(times.max() ?? .infinity)))")

        return [
            Figure(name: "listener: 100 targets confirmed", value: Double(confirmed.count), unit: "targets", goal: "100", met: confirmed.count == targets),
            Figure(name: "listener: slowest confirmation", value: Double(worst), unit: "ms from first poke", goal: "<= 5000 ms", met: worst <= 5000),
            Figure(name: "listener: peak memory, 100 targets", value: Double(fleet.peakRSSKiB) / 1024, unit: "MiB", goal: "< 64 MiB", met: fleet.peakRSSKiB < 64 * 1024),
            Figure(name: "listener: CPU while idle 3 s", value: idleCPUms, unit: "ms (start-up: \(String(format: "%.1f", startupCPUms)) ms)", goal: "< 20 ms (no polling)", met: idleCPUms < 20),
            Figure(name: "poke to confirmed, median", value: median, unit: "ms", goal: "< 50 ms", met: median < 50),
        ]
    }
}

import Foundation

/// Start-up of the real binary, spawned as a user would: median of many runs of
/// `kdnetctl --version` and `kdnetctl key generate`, next to `/bin/true` spawned the
/// same way (the cost of process creation itself on this machine).
enum StartupBenchmark {
    static func spawnMedianMs(_ path: String, _ args: [String], runs: Int = 41) -> Double {
        Measure.median((0..<runs).map { _ in Spawn.run(path, args).wallMs })
    }

    static func run() -> [Figure] {
        let base = spawnMedianMs("/bin/true", [])
        let version = spawnMedianMs(Spawn.kdnetctl, ["--version"])
        let key = spawnMedianMs(Spawn.kdnetctl, ["key", "generate"])
        print("spawn /bin/true: \(Measure.format(base)) ms median")
        print("kdnetctl --version: \(Measure.format(version)) ms median (\(String(format: "%.1f", version / base))x /bin/true)")
        print("kdnetctl key generate: \(Measure.format(key)) ms median (\(String(format: "%.1f", key / base))x /bin/true)")
        return [
            Figure(name: "startup --version", value: version, unit: "ms median", goal: "< 30 ms", met: version < 30),
            Figure(name: "startup key generate", value: key, unit: "ms median", goal: "< 30 ms", met: key < 30),
        ]
    }
}

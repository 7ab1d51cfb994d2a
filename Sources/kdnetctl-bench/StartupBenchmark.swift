import Foundation

/// Start-up of the real binary, spawned as a user would: median of many runs of
/// `kdnetctl --version` and `kdnetctl key generate`, next to `/bin/true` spawned the
/// same way (the cost of process creation itself on this machine).
enum StartupBenchmark {
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["KDNETCTL"] { return b }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return me.deletingLastPathComponent().appendingPathComponent("kdnetctl").path
    }

    static func spawnMedianMs(_ path: String, _ args: [String], runs: Int = 41) -> Double {
        var times: [Double] = []
        // posix_spawn directly: Foundation's Process adds tens of milliseconds of its own.
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        for _ in 0..<runs {
            var pid: pid_t = 0
            let start = Measure.now()
            guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else {
                fatalError("cannot run \(path); build it first (swift build -c release --product kdnetctl)")
            }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            times.append(Double(Measure.now() - start) / 1e6)
        }
        return Measure.median(times)
    }

    static func run() -> [Figure] {
        let base = spawnMedianMs("/bin/true", [])
        let version = spawnMedianMs(binary, ["--version"])
        let key = spawnMedianMs(binary, ["key", "generate"])
        print("spawn /bin/true: \(Measure.format(base)) ms median")
        print("kdnetctl --version: \(Measure.format(version)) ms median (\(String(format: "%.1f", version / base))x /bin/true)")
        print("kdnetctl key generate: \(Measure.format(key)) ms median (\(String(format: "%.1f", key / base))x /bin/true)")
        return [
            Figure(name: "startup --version", value: version, unit: "ms median", goal: "< 30 ms", met: version < 30),
            Figure(name: "startup key generate", value: key, unit: "ms median", goal: "< 30 ms", met: key < 30),
        ]
    }
}

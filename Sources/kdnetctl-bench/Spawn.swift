import Foundation
import KDNetTestSupport

/// Runs a program the way a user's shell would (posix_spawn: Foundation's Process adds
/// tens of milliseconds of its own) and reports what the kernel measured for it alone.
struct SpawnResult {
    var status: Int32
    var wallMs: Double
    var cpuSeconds: Double
    var peakRSSKiB: Int
}

enum Spawn {
    /// $KDNETCTL, else the kdnetctl built beside the benchmark; stops with what to build when missing.
    static let kdnetctl: String = {
        do { return try BuiltProduct.url("kdnetctl", overriddenBy: "KDNETCTL").path } catch { fatalError("\(error)") }
    }()

    static func run(_ path: String, _ args: [String], stdout: String = "/dev/null") -> SpawnResult {
        wait(start(path, args, stdout: stdout))
    }

    struct Running { var pid: pid_t; var started: UInt64 }

    /// Starts a program without waiting; its stdout and stderr go to the files named.
    static func start(_ path: String, _ args: [String], stdout: String = "/dev/null", stderr: String = "/dev/null") -> Running {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let started = Measure.now()
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else {
            fatalError("cannot run \(path); build it first (swift build -c release --product kdnetctl)")
        }
        return Running(pid: pid, started: started)
    }

    static func wait(_ running: Running) -> SpawnResult {
        let pid = running.pid, start = running.started
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        let wall = Double(Measure.now() - start) / 1e6
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return SpawnResult(status: (status >> 8) & 0xFF, wallMs: wall, cpuSeconds: cpu, peakRSSKiB: usage.ru_maxrss)
    }
}

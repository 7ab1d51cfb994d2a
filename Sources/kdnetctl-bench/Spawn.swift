import CSpawnPeak
import Foundation
import KDNetTestSupport

/// Runs a program the way a user's shell would (posix_spawn: Foundation's Process adds
/// tens of milliseconds of its own) and reports what the kernel measured for it alone.
struct SpawnResult {
    var status: Int32
    var wallMs: Double
    var cpuSeconds: Double
    /// The child's own peak resident memory (VmHWM just before it exits) when it was
    /// watched; else ru_maxrss, which for a posix_spawn'd child is at least the parent's
    /// resident size at the time (the child borrows the parent's memory until it execs,
    /// and the kernel carries that peak over), so an upper bound only.
    var peakRSSKiB: Int
    var peakIsTheChildsOwn: Bool

    var peakText: String { peakIsTheChildsOwn ? "\(peakRSSKiB / 1024) MiB" : "at most \(peakRSSKiB / 1024) MiB (ru_maxrss)" }
}

enum Spawn {
    /// $KDNETCTL, else the kdnetctl built beside the benchmark; stops with what to build when missing.
    static let kdnetctl: String = {
        do { return try BuiltProduct.url("kdnetctl", overriddenBy: "KDNETCTL").path } catch { fatalError("\(error)") }
    }()

    /// How the kdnetctl measured was linked. The Debian package links the Swift runtime in
    /// (`--static-swift-stdlib`), which starts in half the time and runs `inspect` about a
    /// fifth faster than a plain `swift build`'s binary, so the figures say which they are of.
    static var kdnetctlBuild: String {
        guard let binary = try? Data(contentsOf: URL(fileURLWithPath: kdnetctl), options: .alwaysMapped) else {
            return "kdnetctl measured: \(kdnetctl) (unreadable, so how it was linked is unknown)"
        }
        // A dynamically linked one names the runtime among the libraries it needs; the
        // linked-in runtime names it nowhere.
        if binary.range(of: Data("libswiftCore.so".utf8)) == nil {
            return "kdnetctl measured: \(kdnetctl), the Swift runtime linked in, as the Debian package ships it"
        }
        return "kdnetctl measured: \(kdnetctl), linked to the Swift runtime dynamically (a plain swift build), not as the Debian "
            + "package ships it; build both products with --static-swift-stdlib (README, Benchmarks) to measure that"
    }

    /// Runs to the end, watching the child (ptrace, stopping it once just before it exits)
    /// for its own peak memory.
    static func run(_ path: String, _ args: [String], stdout: String = "/dev/null") -> SpawnResult {
        wait(start(path, args, stdout: stdout, watched: true))
    }

    struct Running { var pid: pid_t; var started: UInt64 }

    /// Starts a program without waiting; its stdout and stderr go to the files named. A
    /// `watched` child stops just before it exits (and for every signal it is sent) until
    /// `wait` resumes it: watch only a child that is waited for next, and never signalled
    /// while nobody waits.
    static func start(_ path: String, _ args: [String], stdout: String = "/dev/null", stderr: String = "/dev/null",
                      watched: Bool = false) -> Running {
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
            fatalError("cannot run \(path); build it first (swift build -c release --static-swift-stdlib --product kdnetctl)")
        }
        // Fails only when the child is gone already; its peak is then ru_maxrss's bound.
        if watched { _ = kdnet_spawn_seize_for_exit(pid) }
        return Running(pid: pid, started: started)
    }

    static func wait(_ running: Running) -> SpawnResult {
        let pid = running.pid, start = running.started
        var status: Int32 = 0
        var usage = rusage()
        var ownPeak: Int?
        while true {
            guard wait4(pid, &status, 0, &usage) == pid else {
                if errno == EINTR { continue }
                fatalError("cannot wait for child \(pid): \(String(cString: strerror(errno)))")
            }
            // Stopped (only a watched child stops): before its exit, or for a signal to pass on.
            guard status & 0xFF == 0x7F else { break }
            let signal = (status >> 8) & 0xFF
            if status >> 16 == kdnet_spawn_exit_event() {
                let hwm = ProcStat.memoryKiB(pid, "VmHWM")
                ownPeak = hwm > 0 ? hwm : nil
                _ = kdnet_spawn_continue(pid, 0)
            } else {
                _ = kdnet_spawn_continue(pid, signal == SIGTRAP ? 0 : signal)
            }
        }
        let wall = Double(Measure.now() - start) / 1e6
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return SpawnResult(status: (status >> 8) & 0xFF, wallMs: wall, cpuSeconds: cpu, peakRSSKiB: ownPeak ?? usage.ru_maxrss,
                           peakIsTheChildsOwn: ownPeak != nil)
    }
}

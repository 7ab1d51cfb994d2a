import Foundation

/// Wall-clock and CPU measurement helpers. Every figure the benchmarks print is
/// also given as a ratio to a baseline measured in the same run, so the goals hold
/// on a noisy or slower machine.
enum Measure {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// CPU time of this thread: unlike wall time, it does not count the time other
    /// processes on a shared machine take the core away.
    static func threadCPU() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Runs `body` repeatedly for about `seconds`, returning operations per second.
    static func rate(seconds: Double = 1.0, batch: Int = 1000, _ body: () -> Void) -> Double {
        for _ in 0..<batch { body() }  // warm-up
        let start = threadCPU()
        var ops = 0
        while Double(threadCPU() - start) < seconds * 1e9 {
            for _ in 0..<batch { body() }
            ops += batch
        }
        return Double(ops) / (Double(threadCPU() - start) / 1e9)
    }

    /// Measures two workloads in alternating rounds and keeps the best rate of each, so
    /// a burst of load elsewhere cannot favour one side of a ratio.
    static func bestRates(rounds: Int = 5, seconds: Double = 0.4, batch: Int = 500,
                          _ a: () -> Void, _ b: () -> Void) -> (Double, Double) {
        var bestA = 0.0, bestB = 0.0
        for _ in 0..<rounds {
            bestA = max(bestA, rate(seconds: seconds, batch: batch, a))
            bestB = max(bestB, rate(seconds: seconds, batch: batch, b))
        }
        return (bestA, bestB)
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func format(_ v: Double) -> String { String(format: v >= 100 ? "%.0f" : "%.2f", v) }

    /// Peak resident set size of finished children (getrusage RUSAGE_CHILDREN), in KiB.
    static func childrenPeakRSSKiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return usage.ru_maxrss
    }

    static func selfPeakRSSKiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }
}

/// One line of benchmark output: a name, a value, its unit, and how it stands against its goal.
struct Figure: Codable {
    var name: String
    var value: Double
    var unit: String
    var goal: String
    var met: Bool
}

func report(_ f: Figure) {
    let mark = f.met ? "ok " : "MISS"
    print("[\(mark)] \(f.name): \(Measure.format(f.value)) \(f.unit)  (goal: \(f.goal))")
}

import Foundation

/// The clocks the socket layers read; the protocol state machines never read a clock
/// themselves, they are handed the time.
public enum MonotonicClock {
    /// Seconds on the monotonic clock: immune to the wall clock being set.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Wall-clock time, for timestamps a peer will read.
    public static func wallNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

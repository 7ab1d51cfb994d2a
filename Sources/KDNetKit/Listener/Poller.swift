import Foundation

/// One `poll(2)` over every socket: idle means blocked in the kernel until a datagram
/// arrives or the next session deadline, never busy-waiting.
enum Poller {
    /// Returns the descriptors that are readable. `until` nil waits without a timeout.
    static func wait(_ fds: [Int32], until deadline: SessionTime?) throws -> Set<Int32> {
        var set = PollSet(fds)
        return Set(try set.wait(until: deadline).map { fds[$0] })
    }
}

/// The same `poll(2)` over descriptors kept between waits: a service with hundreds of
/// ports waits thousands of times a second under load, and making the array, and a set
/// of the ready ones, each time cost more than the wait.
struct PollSet {
    private var entries: [pollfd]
    /// How many of the descriptors, from the first, the next wait watches.
    var count: Int {
        didSet { count = min(max(0, count), entries.count) }
    }

    init(_ fds: [Int32]) {
        entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        count = entries.count
    }

    /// Waits until a descriptor is readable or `deadline` (nil: no timeout); returns the
    /// positions (in the order given to `init`) of the readable ones.
    mutating func wait(until deadline: SessionTime?) throws -> [Int] {
        let timeout: Int32
        if let deadline {
            let ms = (deadline - MonotonicClock.now()) * 1000
            timeout = Int32(max(0, min(ms.rounded(.up), 3_600_000)))
        } else {
            timeout = -1
        }
        let n = count
        let rc = entries.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t(n), timeout) }
        if rc < 0 {
            if errno == EINTR { return [] }
            throw ListenerError.pollFailed(String(cString: strerror(errno)))
        }
        guard rc > 0 else { return [] }
        var ready: [Int] = []
        ready.reserveCapacity(Int(rc))
        // Every event poll can report counts: one that was not looked at would make the
        // next poll return at once, for ever (POLLHUP of a closed pipe end, say).
        for k in 0..<n where entries[k].revents != 0 {
            if entries[k].revents & Int16(POLLNVAL) != 0 {
                throw ListenerError.pollFailed("descriptor \(entries[k].fd) is not open (a socket closed while watched)")
            }
            ready.append(k)
        }
        return ready
    }
}

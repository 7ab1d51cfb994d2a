import Foundation

/// One `poll(2)` over every socket: idle means blocked in the kernel until a datagram
/// arrives or the next session deadline, never busy-waiting.
enum Poller {
    /// Returns the descriptors that are readable. `until` nil waits without a timeout.
    static func wait(_ fds: [Int32], until deadline: SessionTime?) throws -> Set<Int32> {
        var entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let timeout: Int32
        if let deadline {
            let ms = (deadline - MonotonicClock.now()) * 1000
            timeout = Int32(max(0, min(ms.rounded(.up), 3_600_000)))
        } else {
            timeout = -1
        }
        let rc = poll(&entries, nfds_t(entries.count), timeout)
        if rc < 0 {
            if errno == EINTR { return [] }
            throw ListenerError.pollFailed(String(cString: strerror(errno)))
        }
        return Set(entries.filter { $0.revents & Int16(POLLIN | POLLERR) != 0 }.map(\.fd))
    }
}

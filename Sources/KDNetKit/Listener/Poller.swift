import Foundation

/// Lets another thread (a signal handler's queue) interrupt a blocked `poll`.
public final class WakePipe: @unchecked Sendable {
    let readFD: Int32
    let writeFD: Int32
    private let lock = NSLock()
    private var woken = false

    public init() {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]; writeFD = fds[1]
    }

    deinit { close(readFD); close(writeFD) }

    public func wake() {
        lock.lock(); woken = true; lock.unlock()
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    public var isWoken: Bool { lock.lock(); defer { lock.unlock() }; return woken }
}

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

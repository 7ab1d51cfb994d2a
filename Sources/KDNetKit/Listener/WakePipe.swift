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

    /// For a wake that repeats (SIGHUP): whether it was woken since the last call, and
    /// ready to be woken again (the pipe is drained, so `poll` blocks once more).
    public func consume() -> Bool {
        lock.lock(); defer { lock.unlock() }
        var drain = [UInt8](repeating: 0, count: 64)
        while read(readFD, &drain, drain.count) > 0 {}
        defer { woken = false }
        return woken
    }
}

import Foundation

/// Writes files all-or-nothing: into a temporary file beside the target, created with
/// the final mode from the start (so a key is never world-readable, even briefly),
/// flushed, then renamed over the target. A failure leaves no half-written file.
public enum AtomicFile {
    public static let secretMode: mode_t = 0o600

    public static func write(_ data: Data, to url: URL, mode: mode_t = 0o644) throws {
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
        try create(temp, contents: data, mode: mode, reportedAs: url.path)
        guard rename(temp.path, url.path) == 0 else {
            let code = errno
            unlink(temp.path)
            throw FileWriteError(path: url.path, errno: code)
        }
    }

    public static func write(_ text: String, to url: URL, mode: mode_t = 0o644) throws {
        try write(Data(text.utf8), to: url, mode: mode)
    }

    /// Creates `url`, which must not exist, with exactly `mode`, flushed to disk unless
    /// `flush` is false (the caller then flushes it before renaming it anywhere); removes
    /// it again on failure. Errors name `path`, the file the user asked for.
    static func create(_ url: URL, contents data: Data, mode: mode_t, reportedAs path: String, flush: Bool = true) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileWriteError(path: path, errno: errno) }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(url.path) }
        }
        // The umask may have narrowed the mode at creation; set it exactly.
        guard fchmod(fd, mode) == 0 else { throw FileWriteError(path: path, errno: errno) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileWriteError(path: path, errno: errno)
                }
                offset += n
            }
        }
        guard !flush || fsync(fd) == 0 else { throw FileWriteError(path: path, errno: errno) }
        ok = true
    }
}

public struct FileWriteError: Error, LocalizedError, Sendable {
    public let path: String
    public let code: Int32
    public init(path: String, errno: Int32) { self.path = path; self.code = errno }
    public var errorDescription: String? {
        "cannot write \(path): \(String(cString: strerror(code))); check that the folder exists and is writable"
    }
}

import Foundation

/// The DbgPrint output of one target, appended to `DIR/NAME.log` with size-based
/// rotation (`NAME.log.1` is the newest old one). A failing write (a full disk) never
/// stops the service: the lines are dropped and counted, said once when it starts
/// failing and once when writing works again.
public final class TargetLogFile {
    public struct Rotation: Sendable, Equatable {
        /// Rotate before the file would grow past this many bytes.
        public var maxBytes: Int
        /// Old files kept: NAME.log.1 ... NAME.log.N.
        public var keep: Int

        public init(maxBytes: Int = 8 << 20, keep: Int = 3) {
            self.maxBytes = maxBytes; self.keep = keep
        }
    }

    /// What one append did, for the service's log.
    public enum Outcome: Sendable, Equatable {
        case written
        /// The first failure after a good write: say it (the lines are dropped).
        case startedFailing(String)
        /// Still failing; already said.
        case dropped
        /// Written again after `dropped` lines were lost.
        case recovered(dropped: Int)
    }

    /// The write(2) the file uses; tests put a failing one in (ENOSPC) instead of filling a disk.
    public typealias Writer = @Sendable (_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int

    public let url: URL
    public let rotation: Rotation
    private let writer: Writer
    private var fd: Int32 = -1
    private var size = 0
    private var failing = false
    private var droppedLines = 0

    /// `name` comes from the config; whatever it holds, the file stays inside `directory`.
    public init(directory: URL, name: String, rotation: Rotation = Rotation(),
                writer: @escaping Writer = { fd, bytes in Glibc.write(fd, bytes.baseAddress, bytes.count) }) {
        url = directory.appendingPathComponent(Self.fileName(for: name), isDirectory: false)
        self.rotation = rotation
        self.writer = writer
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// A file name from a target name: NAME.log for every name `TargetName` allows, which
    /// is every name a listener.json may hold. Anything else (only a caller bypassing the
    /// config reader) has every other character made `_` and a hash of the name added, so
    /// two names never share a file and none leaves DIR.
    public static func fileName(for name: String) -> String {
        if TargetName.problem(name) == nil { return name + ".log" }
        let cleaned = String(String.UnicodeScalarView(name.unicodeScalars.prefix(64).map {
            $0.isASCII && CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" ? $0 : "_"
        }))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in name.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return cleaned + "-" + String(hash, radix: 16) + ".log"
    }

    /// Appends lines (each gets a UTC timestamp and a newline).
    public func append(_ lines: [String], at date: Date = Date()) -> Outcome {
        guard !lines.isEmpty else { return .written }
        let stamp = Self.timestamp(date)
        let text = lines.map { "\(stamp) \($0)\n" }.joined()
        let bytes = Array(text.utf8)
        if let problem = writeAll(bytes) {
            droppedLines += lines.count
            if failing { return .dropped }
            failing = true
            return .startedFailing(problem)
        }
        if failing {
            failing = false
            defer { droppedLines = 0 }
            return .recovered(dropped: droppedLines)
        }
        return .written
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// nil when written; otherwise why not.
    private func writeAll(_ bytes: [UInt8]) -> String? {
        if fd < 0, let problem = open() { return problem }
        if size > 0, size + bytes.count > rotation.maxBytes { rotate(); if let problem = open() { return problem } }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { writer(fd, UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                size += offset
                return "cannot write \(url.path): \(reason)"
            }
            offset += n
        }
        size += offset
        return nil
    }

    private func open() -> String? {
        let opened = Glibc.open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard opened >= 0 else { return "cannot open \(url.path): \(String(cString: strerror(errno)))" }
        fd = opened
        var st = stat()
        size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        return nil
    }

    /// NAME.log.(keep-1) -> NAME.log.keep ... NAME.log -> NAME.log.1; the oldest falls off.
    private func rotate() {
        close()
        let path = url.path
        if rotation.keep > 0 {
            for n in stride(from: rotation.keep - 1, through: 1, by: -1) { rename("\(path).\(n)", "\(path).\(n + 1)") }
            rename(path, "\(path).1")
        } else {
            unlink(path)
        }
        size = 0
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

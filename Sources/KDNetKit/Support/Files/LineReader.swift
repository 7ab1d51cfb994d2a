import Foundation

/// Reads a text file one line at a time from a buffer of fixed size, so a file of any size
/// is read in bounded memory: a line longer than `maxLineLength` (an input without a
/// newline, such as /dev/zero) stops the reading, and `tooLongLine` says which line.
public final class LineReader {
    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// The unread bytes are buffer[start..<end].
    private var start = 0
    private var end = 0
    private var atEnd = false
    /// The longest line accepted, without its line break.
    public let maxLineLength: Int
    /// Why reading stopped before the end, in words, e.g. "is a directory".
    public private(set) var failure: String?
    /// The number of the line that was longer than `maxLineLength`, when one stopped the reading.
    public private(set) var tooLongLine: Int?
    /// Lines handed out since the start (or the last `rewind`).
    public private(set) var linesRead = 0

    /// Enough for any line of text kdnetctl reads (a UDP payload of 64 KiB is 128 KiB of hex).
    public static let defaultMaxLineLength = 1 << 20
    private static let chunk = 64 << 10

    /// nil when the file cannot be opened; `LineReader.reason(errno)` says why.
    public convenience init?(path: String, maxLineLength: Int = defaultMaxLineLength) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.init(descriptor: fd, maxLineLength: maxLineLength)
    }

    /// Reads `descriptor`, which it closes when done (give it a `dup` of standard input).
    public init(descriptor fd: Int32, maxLineLength: Int = defaultMaxLineLength) {
        self.fd = fd
        self.maxLineLength = maxLineLength
        // A whole line and its line break, plus room to read a chunk beside it.
        capacity = maxLineLength + 1 + Self.chunk
        buffer = .allocate(capacity: capacity)
    }

    /// The C library's words for an error number, starting lower-case to fit in a sentence.
    public static func reason(_ code: Int32) -> String {
        if code == ENOENT { return "no such file" }
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Calls `body` with each line's bytes, without its line break, valid only during
    /// the call; stops early when `body` returns false, or at a line longer than the bound
    /// (`tooLongLine`). Returns the number of lines read.
    @discardableResult
    public func forEachLine(_ body: (UnsafeRawBufferPointer) throws -> Bool) rethrows -> Int {
        var count = 0
        while true {
            if let newline = memchr(buffer + start, 0x0A, end - start) {
                let at = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                guard at - start <= maxLineLength else { tooLongLine = linesRead + 1; return count }
                count += 1
                linesRead += 1
                let line = UnsafeRawBufferPointer(start: buffer + start, count: at - start)
                start = at + 1
                guard try body(line) else { return count }
                continue
            }
            guard end - start <= maxLineLength else { tooLongLine = linesRead + 1; return count }
            if atEnd {
                guard end > start else { return count }
                count += 1
                linesRead += 1
                let line = UnsafeRawBufferPointer(start: buffer + start, count: end - start)
                start = end
                _ = try body(line)
                return count
            }
            fill()
        }
    }

    /// Moves the unread bytes to the front and reads what fits after them.
    private func fill() {
        if start > 0 {
            memmove(buffer, buffer + start, end - start)
            end -= start
            start = 0
        }
        while true {
            let n = read(fd, buffer + end, capacity - end)
            if n < 0, errno == EINTR { continue }
            if n < 0 { failure = Self.reason(errno) }
            if n <= 0 { atEnd = true } else { end += n }
            return
        }
    }

    /// Starts again from the first line; false when the input cannot be re-read (a pipe).
    public func rewind() -> Bool {
        guard lseek(fd, 0, SEEK_SET) == 0 else { return false }
        start = 0; end = 0; atEnd = false
        failure = nil; tooLongLine = nil; linesRead = 0
        return true
    }

    /// The next line as text (invalid UTF-8 repaired), without its line break; nil at the
    /// end, at a line over the bound (`tooLongLine`) or on a failure (`failure`).
    public func nextLine() -> String? {
        var text: String?
        forEachLine { line in
            text = String(decoding: line, as: UTF8.self)
            return false
        }
        return text
    }
}

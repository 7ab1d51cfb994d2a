import Foundation

/// Reads a text file one line at a time into a reused buffer, so a file of any size is
/// read in the memory of its longest line.
public final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0
    /// Why reading stopped before the end, in words, e.g. "is a directory".
    public private(set) var failure: String?

    /// nil when the file cannot be opened; `LineReader.reason(errno)` says why.
    public init?(path: String) {
        guard let file = fopen(path, "r") else { return nil }
        self.file = file
    }

    /// The C library's words for an error number, starting lower-case to fit in a sentence.
    public static func reason(_ code: Int32) -> String {
        if code == ENOENT { return "no such file" }
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    /// Calls `body` with each line's bytes, without its line break, valid only during
    /// the call; stops early when `body` returns false. Returns the number of lines read.
    @discardableResult
    public func forEachLine(_ body: (UnsafeRawBufferPointer) throws -> Bool) rethrows -> Int {
        var count = 0
        while true {
            let n = getline(&buffer, &capacity, file)
            if n < 0, ferror(file) != 0 { failure = Self.reason(errno) }
            guard n >= 0, let buffer else { return count }
            count += 1
            var length = n
            if length > 0, buffer[length - 1] == 0x0A { length -= 1 }
            guard try body(UnsafeRawBufferPointer(start: buffer, count: length)) else { return count }
        }
    }

    /// Starts again from the first line; false when the input cannot be re-read (a pipe).
    public func rewind() -> Bool {
        clearerr(file)
        failure = nil
        return fseeko(file, 0, SEEK_SET) == 0
    }
}

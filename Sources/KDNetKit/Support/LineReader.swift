import Foundation

/// Reads a text file one line at a time into a reused buffer, so a file of any size is
/// read in the memory of its longest line.
public final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0

    /// nil when the file cannot be opened; `errno` says why.
    public init?(path: String) {
        guard let file = fopen(path, "r") else { return nil }
        self.file = file
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
        return fseeko(file, 0, SEEK_SET) == 0
    }

    /// True when reading stopped on an error rather than at the end.
    public var failed: Bool { ferror(file) != 0 }
}

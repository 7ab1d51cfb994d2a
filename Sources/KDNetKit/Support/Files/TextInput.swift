import Foundation

/// Reads a text file the user hands over (a paste, an inventory, a config) the same way
/// everywhere: from a regular file, a pipe (`<(...)`, `/dev/stdin`) or standard input,
/// decoded by its byte-order mark. PowerShell 5.1's `>` writes UTF-16LE with a BOM, so
/// UTF-16 is common for files made on Windows; anything else must be UTF-8.
public enum TextInput {
    /// Enough for any paste or inventory; stops `/dev/zero` or a stray disk image early.
    public static let defaultLimit = 16 << 20

    /// Reads `path` (any file that can be opened for reading, pipes included).
    /// `expecting` completes the messages: "give <expecting>".
    public static func read(path: String, expecting: String, limit: Int = defaultLimit) throws(TextInputError) -> String {
        try readWithAccess(path: path, expecting: expecting, limit: limit).text
    }

    /// Reads `path` as `read` does, with the owner and mode of the file that was read (from
    /// the open descriptor), for a file that may hold a secret (`SecretFile`).
    public static func readWithAccess(path: String, expecting: String,
                                      limit: Int = defaultLimit) throws(TextInputError) -> (text: String, access: SecretFile.Access?) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TextInputError(source: path, problem: .unreadable(errno), expecting: expecting) }
        defer { close(fd) }
        var info = stat()
        let access = fstat(fd, &info) == 0 ? SecretFile.Access(info) : nil
        return (try read(fd: fd, source: path, expecting: expecting, limit: limit), access)
    }

    /// Reads standard input to its end.
    public static func readStandardInput(expecting: String, limit: Int = defaultLimit) throws(TextInputError) -> String {
        try read(fd: STDIN_FILENO, source: TextInputError.standardInput, expecting: expecting, limit: limit)
    }

    static func read(fd: Int32, source: String, expecting: String, limit: Int) throws(TextInputError) -> String {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TextInputError(source: source, problem: .unreadable(errno), expecting: expecting)
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if data.count > limit { throw TextInputError(source: source, problem: .tooLarge(limit), expecting: expecting) }
        }
        return try decode(data, source: source, expecting: expecting)
    }

    /// UTF-8 (with or without BOM), or UTF-16 LE/BE with a BOM. Blank input is refused:
    /// an empty pipe is almost always a command that failed upstream.
    public static func decode(_ data: Data, source: String, expecting: String) throws(TextInputError) -> String {
        let bytes = [UInt8](data)
        let text: String
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let littleEndian = bytes[0] == 0xFF
            guard bytes.count % 2 == 0 else { throw TextInputError(source: source, problem: .badUTF16, expecting: expecting) }
            let units = stride(from: 2, to: bytes.count, by: 2).map { i in
                littleEndian ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
            }
            guard let decoded = String(validating: units, as: UTF16.self) else {
                throw TextInputError(source: source, problem: .badUTF16, expecting: expecting)
            }
            text = decoded
        } else {
            let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
            // NUL is valid UTF-8 but never in text: UTF-16 that lost its BOM, or a binary file.
            if let nul = body.firstIndex(of: 0) {
                throw TextInputError(source: source, problem: .notText(offset: nul, utf16: utf16Guess(body)), expecting: expecting)
            }
            guard let decoded = String(validating: body, as: UTF8.self) else {
                let bad = firstInvalidUTF8(body)
                throw TextInputError(source: source, problem: .notUTF8(offset: bad, byte: body[bad]), expecting: expecting)
            }
            text = decoded
        }
        guard text.contains(where: { !$0.isWhitespace }) else {
            throw TextInputError(source: source, problem: .empty, expecting: expecting)
        }
        return text
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while case .valid(let scalar) = parser.parseScalar(from: &iterator) { offset += scalar.count }
        return min(offset, bytes.count - 1)
    }

    /// ASCII text in UTF-16 has a NUL in every other byte (odd ones little-endian, even
    /// ones big-endian) and few elsewhere; the iconv name of the one it looks like.
    static func utf16Guess(_ bytes: [UInt8]) -> String? {
        let sample = Array(bytes.prefix(512))
        let even = stride(from: 0, to: sample.count, by: 2).map { sample[$0] }
        let odd = stride(from: 1, to: sample.count, by: 2).map { sample[$0] }
        func mostlyZero(_ b: [UInt8]) -> Bool { !b.isEmpty && b.filter { $0 == 0 }.count * 10 >= b.count * 9 }
        func rarelyZero(_ b: [UInt8]) -> Bool { b.filter { $0 == 0 }.count * 10 <= b.count }
        if mostlyZero(odd), rarelyZero(even) { return "utf-16le" }
        if mostlyZero(even), rarelyZero(odd) { return "utf-16be" }
        return nil
    }
}

/// Why a text input could not be used; one line naming the input and the fix.
public struct TextInputError: Error, Equatable, Sendable, LocalizedError {
    public enum Problem: Equatable, Sendable {
        case unreadable(Int32)
        case empty
        case tooLarge(Int)
        case notUTF8(offset: Int, byte: UInt8)
        case notText(offset: Int, utf16: String?)
        case badUTF16
    }
    public static let standardInput = "standard input"

    public let source: String
    public let problem: Problem
    public let expecting: String

    public init(source: String, problem: Problem, expecting: String) {
        self.source = source; self.problem = problem; self.expecting = expecting
    }

    /// "16 MiB", "4 KiB", "100 bytes".
    public static func sizeText(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    private var fileArgument: String { source == Self.standardInput ? "FILE" : ShellWord.quoted(source) }

    public var errorDescription: String? {
        switch problem {
        case .unreadable(let code):
            return "cannot read \(source): \(String(cString: strerror(code))); give \(expecting)"
        case .empty:
            return source == Self.standardInput
                ? "standard input was empty (nothing was piped in); give \(expecting)"
                : "\(source) is empty; give \(expecting)"
        case .tooLarge(let limit):
            return "\(source) is larger than \(Self.sizeText(limit)), so it is not \(expecting); kdnetctl reads at most \(Self.sizeText(limit)) of it"
        case .notUTF8(let offset, let byte):
            return "\(source) is not UTF-8 text (byte 0x\(String(byte, radix: 16, uppercase: true)) at offset \(offset)); convert it with `iconv -f latin1 -t utf-8 \(fileArgument)` (or from its real encoding)"
        case .notText(let offset, let utf16):
            guard let utf16 else { return "\(source) is not a text file (a NUL byte at offset \(offset)); give \(expecting)" }
            return "\(source) looks like UTF-16 without a byte-order mark; convert it with `iconv -f \(utf16) -t utf-8 \(fileArgument)`"
        case .badUTF16:
            return "\(source) starts with a UTF-16 byte-order mark but is not valid UTF-16; save it again, or convert it with `iconv -f utf-16 -t utf-8 \(fileArgument)`"
        }
    }
}

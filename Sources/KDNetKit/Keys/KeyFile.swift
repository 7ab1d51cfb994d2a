import Foundation

/// A key kept in a file (`kdnetctl key generate > k; chmod 600 k`), so that it never
/// shows in the process list as `--key` does.
///
/// The file holds the key on its only non-blank line. A file that its group or other
/// users have any access to is refused (`SecretFile`): the key in it is already exposed,
/// and using it would hide that.
public enum KeyFile {
    /// The environment variable that may hold the key instead of a flag or a file.
    public static let environmentVariable = "KDNETCTL_KEY"

    /// Key files are a line long; anything far larger is the wrong file.
    public static let sizeLimit = 4096

    /// The mode is judged on the descriptor that is read (no swap between check and read),
    /// and only once the file is known to hold a key: a file that holds none (`/etc/passwd`)
    /// is the wrong file, and advice to chmod it would be harmful.
    public static func read(path: String) throws(KeyFileError) -> DebugKey {
        // Non-blocking, so that a FIFO is refused below instead of waiting for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .unreadable(path, LineReader.reason(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path, LineReader.reason(errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notAFile(path) }
        var bytes = [UInt8](repeating: 0, count: sizeLimit + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw .unreadable(path, LineReader.reason(errno)) }
            if n == 0 { break }
            count += n
        }
        guard count <= sizeLimit else { throw .tooLarge(path) }
        let text: String
        do { text = try TextInput.decode(Data(bytes[..<count]), source: path, expecting: "a file holding the key alone") } catch {
            throw error.problem == .empty ? .malformed(path, "it is empty") : .notText(error.errorDescription ?? path)
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.count == 1 else {
            throw .malformed(path, lines.isEmpty ? "it is empty" : "it has \(lines.count) lines; a key file holds the key alone")
        }
        let key: DebugKey
        do { key = try DebugKey(parsing: lines[0]) } catch {
            throw .malformed(path, error.errorDescription ?? "it holds no key")
        }
        if let problem = SecretFile.problem(SecretFile.Access(info), path: path, holding: "the key") { throw .exposed(problem) }
        return key
    }

    /// The key in `KDNETCTL_KEY`, if that is set.
    public static func fromEnvironment(_ environment: [String: String]) throws(KeyFileError) -> DebugKey? {
        guard let text = environment[environmentVariable] else { return nil }
        do {
            return try DebugKey(parsing: text)
        } catch {
            throw .badEnvironment(error.errorDescription ?? "it holds no key")
        }
    }
}

public enum KeyFileError: Error, Equatable, Sendable, LocalizedError {
    case unreadable(String, String)
    case notAFile(String)
    case exposed(SecretFileError)
    case tooLarge(String)
    case notText(String)
    case malformed(String, String)
    case badEnvironment(String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the key file \(path): \(reason); give the file that holds the key (`kdnetctl key generate > FILE; chmod 600 FILE`)"
        case .notAFile(let path):
            return "the key file \(path) is not a regular file; give the file that holds the key"
        case .exposed(let problem):
            return problem.errorDescription
        case .tooLarge(let path):
            return "\(path) is larger than \(KeyFile.sizeLimit) bytes, too large to be a key file; a key file holds one key on one line"
        case .notText(let why):
            return why
        case .malformed(let path, let reason):
            return "the key file \(path) holds no usable key: \(reason)"
        case .badEnvironment(let reason):
            return "\(KeyFile.environmentVariable) holds no usable key: \(reason)"
        }
    }
}

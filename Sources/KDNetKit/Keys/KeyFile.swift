import Foundation

/// A key kept in a file (`kdnetctl key generate > k; chmod 600 k`), so that it never
/// shows in the process list as `--key` does.
///
/// The file holds the key on its only non-blank line. A file that others can read is
/// refused: the key in it is already exposed, and using it would hide that.
public enum KeyFile {
    /// The environment variable that may hold the key instead of a flag or a file.
    public static let environmentVariable = "KDNETCTL_KEY"

    public static func read(path: String) throws(KeyFileError) -> DebugKey {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notAFile(path) }
        if info.st_mode & S_IROTH != 0 { throw .readableByOthers(path, mode: info.st_mode & 0o777) }
        // Key files are a line long; anything far larger is the wrong file.
        guard info.st_size <= 4096 else { throw .tooLarge(path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path, "permission denied") }
        guard let text = String(data: data, encoding: .utf8) else { throw .malformed(path, "it is not text") }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.count == 1 else {
            throw .malformed(path, lines.isEmpty ? "it is empty" : "it has \(lines.count) lines; a key file holds the key alone")
        }
        do {
            return try DebugKey(parsing: lines[0])
        } catch {
            throw .malformed(path, error.errorDescription ?? "it holds no key")
        }
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
    case readableByOthers(String, mode: mode_t)
    case tooLarge(String)
    case malformed(String, String)
    case badEnvironment(String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the key file \(path): \(reason); give the file that holds the key (`kdnetctl key generate > FILE; chmod 600 FILE`)"
        case .notAFile(let path):
            return "the key file \(path) is not a regular file; give the file that holds the key"
        case .readableByOthers(let path, let mode):
            return "the key file \(path) is readable by every user (mode \(String(mode, radix: 8))); run `chmod 600 \(ShellWord.quoted(path))` and consider the key exposed (make a new one with `kdnetctl key generate`)"
        case .tooLarge(let path):
            return "\(path) is too large to be a key file; a key file holds one key on one line"
        case .malformed(let path, let reason):
            return "the key file \(path) holds no usable key: \(reason)"
        case .badEnvironment(let reason):
            return "\(KeyFile.environmentVariable) holds no usable key: \(reason)"
        }
    }
}

import Foundation
import Glibc

/// `serve --http-token-file FILE`: the status page's token on the file's one non-blank
/// line, so it sits neither in the process list nor in a unit file. The token is a
/// secret, so a file that its group or others may use in any way is refused.
public enum LabHTTPTokenFile {
    /// A token is a line; a file far larger is the wrong file.
    public static let limit = 4096
    /// What is read at most, should the file grow after it was looked at.
    static let readLimit = 1 << 20

    public static func read(path: String) throws(LabHTTPTokenFileError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notAFile(path) }
        if let problem = tokenFilePermissionProblem(path: path, mode: info.st_mode, owner: info.st_uid, user: geteuid()) {
            throw .exposed(problem)
        }
        guard info.st_size <= limit else { throw .tooLarge(path, Int(info.st_size)) }
        let text: String
        do {
            text = try TextInput.read(path: path, expecting: "a file holding the token alone (`openssl rand -hex 16 > FILE; chmod 600 FILE`)", limit: readLimit)
        } catch {
            throw .text(error)
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.count == 1 else { throw .lines(path, lines.count) }
        do {
            try LabHTTPBinding.check(token: lines[0])
        } catch {
            throw .badToken(path, error)
        }
        return lines[0]
    }

    /// Why a file holding a secret must not be used as it is, or nil: any permission bit
    /// for group or others (0640 lets the group read it). The `chmod` advice is given
    /// only to the file's owner: nobody else can follow it.
    public static func tokenFilePermissionProblem(path: String, mode: mode_t, owner: uid_t, user: uid_t) -> String? {
        let permissions = mode & 0o777
        guard permissions & 0o077 != 0 else { return nil }
        let octal = String(permissions, radix: 8)
        let what = "\(path) holds a secret, but its mode \(String(repeating: "0", count: 4 - octal.count) + octal) gives users other than its owner access to it"
        if owner == user {
            return "\(what); run `chmod 600 \(ShellWord.quoted(path))`"
        }
        return "\(what), and it is not yours; ask its owner to make it 0600, or copy it to a file of your own with `install -m 600 \(ShellWord.quoted(path)) FILE`"
    }
}

/// A `--http-token-file` that cannot be used: a runtime failure (1), naming the file.
public enum LabHTTPTokenFileError: Error, Equatable, Sendable, LocalizedError {
    case unreadable(String, String)
    case notAFile(String)
    case exposed(String)
    case tooLarge(String, Int)
    case text(TextInputError)
    case lines(String, Int)
    case badToken(String, LabHTTPBindingError)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let why):
            return "cannot read the token file \(path): \(why); give a file holding the token (`openssl rand -hex 16 > FILE; chmod 600 FILE`)"
        case .notAFile(let path):
            return "the token file \(path) is not a regular file; give a file holding the token (`openssl rand -hex 16 > FILE; chmod 600 FILE`)"
        case .exposed(let problem):
            return problem
        case .tooLarge(let path, let size):
            return "the token file \(path) is \(size) bytes; a token file holds one line of at most \(LabHTTPTokenFile.limit) bytes (`openssl rand -hex 16 > FILE`)"
        case .text(let e):
            return e.errorDescription
        case .lines(let path, let count):
            return count == 0
                ? "the token file \(path) holds no token; write one with `openssl rand -hex 16 > FILE`"
                : "the token file \(path) has \(count) lines; it holds the token alone, on one line"
        case .badToken(let path, let e):
            return "the token file \(path): \(e.errorDescription ?? "not a usable token")"
        }
    }
}

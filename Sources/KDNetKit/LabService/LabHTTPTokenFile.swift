import Foundation
import Glibc

/// `serve --http-token-file FILE`: the status page's token on the file's one non-blank
/// line, so it sits neither in the process list nor in a unit file. The token is a
/// secret: the file follows SecretFile's rule, as key files do.
public enum LabHTTPTokenFile {
    /// A token is a line; a file far larger is the wrong file.
    public static let limit = 4096
    /// What is read at most, should the file grow after it was looked at.
    static let readLimit = 1 << 20

    public static func read(path: String) throws(LabHTTPTokenFileError) -> String {
        // By path first only to keep a FIFO from blocking the open; the mode that decides
        // is the read descriptor's (SecretFile's rule).
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notAFile(path) }
        guard info.st_size <= limit else { throw .tooLarge(path, Int(info.st_size)) }
        let text: String
        do {
            text = try SecretFile.readText(path: path, holding: "the status page's token",
                                           expecting: "a file holding the token alone (`openssl rand -hex 16 > FILE; chmod 600 FILE`)", limit: readLimit)
        } catch let error as SecretFileError {
            throw .exposed(error)
        } catch let error as TextInputError {
            throw .text(error)
        } catch {
            throw .unreadable(path, error.localizedDescription)
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
}

/// A `--http-token-file` that cannot be used: a runtime failure (1), naming the file.
public enum LabHTTPTokenFileError: Error, Equatable, Sendable, LocalizedError {
    case unreadable(String, String)
    case notAFile(String)
    case exposed(SecretFileError)
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
            return problem.errorDescription
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

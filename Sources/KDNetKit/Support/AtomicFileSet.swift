import Foundation

/// Writes several files into one existing folder all-or-nothing: each is written into a
/// hidden staging folder inside it (same file system, so renames are atomic), then all
/// are renamed into place. Files they replace are hard-linked into the staging folder
/// first, so a failed rename puts every earlier one back. On failure the folder holds
/// exactly what it held before.
public enum AtomicFileSet {
    public struct File: Sendable, Equatable {
        public var name: String
        public var contents: Data
        public var mode: mode_t
        public init(name: String, contents: Data, mode: mode_t) {
            self.name = name; self.contents = contents; self.mode = mode
        }
    }

    public static let stagingPrefix = ".kdnetctl-staging."

    /// Writes `files` (plain names, no slashes) into `dir`, in order.
    public static func write(_ files: [File], into dir: URL) throws {
        for f in files {
            var info = stat()
            // A folder cannot be renamed over; find that before anything changes.
            if lstat(dir.appendingPathComponent(f.name).path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
                throw AtomicFileSetError.blocked(name: f.name, folder: dir.path)
            }
        }
        var template = Array(dir.appendingPathComponent(stagingPrefix + "XXXXXX").path.utf8CString)
        guard let made = mkdtemp(&template) else { throw FileWriteError(path: dir.path, errno: errno) }
        let staging = URL(fileURLWithPath: String(cString: made))
        defer { try? FileManager.default.removeItem(at: staging) }

        for f in files {
            try AtomicFile.create(staging.appendingPathComponent(f.name), contents: f.contents, mode: f.mode,
                                  reportedAs: dir.appendingPathComponent(f.name).path)
        }

        var placed: [(target: String, backup: String?)] = []
        for f in files {
            let target = dir.appendingPathComponent(f.name).path
            let backup = staging.appendingPathComponent(".previous." + f.name).path
            let kept = link(target, backup) == 0 ? backup : nil
            guard rename(staging.appendingPathComponent(f.name).path, target) == 0 else {
                let code = errno
                for p in placed.reversed() {
                    if let b = p.backup { rename(b, p.target) } else { unlink(p.target) }
                }
                throw FileWriteError(path: target, errno: code)
            }
            placed.append((target, kept))
        }
        // The renames are durable once the folder itself is flushed.
        let fd = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}

public enum AtomicFileSetError: Error, LocalizedError, Sendable, Equatable {
    case blocked(name: String, folder: String)

    public var errorDescription: String? {
        switch self {
        case .blocked(let name, let folder):
            return "cannot write \(name) into \(folder): a folder of that name is in the way; move it away and run again (nothing was written)"
        }
    }
}

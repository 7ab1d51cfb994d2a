import CShims
import Foundation

/// Writes several files into one existing folder all-or-nothing, and may remove others
/// with them: each is written into a hidden staging folder inside it (same file system,
/// so renames are atomic), then all are renamed into place. Files they replace are
/// hard-linked into the staging folder first, and files removed are renamed into it, so
/// a failed rename puts every earlier change back. On failure the folder holds exactly
/// what it held before.
///
/// Durability: the staged files' data is flushed with one syncfs(2) of the staging
/// folder's file system before the first rename (an fsync of a folder would persist its
/// entries, not its files' data), then the folder is fsynced once after the renames.
/// One syncfs instead of an fsync per file: `plan` with 10,000 targets writes 20,002 files.
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

    /// The system calls that make the set durable and put it in place; tests replace them
    /// to see the order (data flushed before any rename) and to make a rename fail.
    struct Calls {
        /// Flushes every file written in the staging folder (given open); -1 with errno on failure.
        var flushFiles: (_ stagingFolder: Int32) -> Int32 = { kdnet_syncfs($0) }
        var rename: (_ from: String, _ to: String) -> Int32 = { Glibc.rename($0, $1) }
        /// Makes the renames durable.
        var flushFolder: (_ folder: Int32) -> Void = { _ = fsync($0) }
    }

    /// Writes `files` (plain names, no slashes) into `dir`, in order, and removes the
    /// regular files named in `removing` (plain names) that are there. The last file is
    /// renamed last, after the removals: when it is an index of the others (listener.json),
    /// a run cut short leaves the old index, which still names what was to go. Returns the
    /// names removed.
    @discardableResult
    public static func write(_ files: [File], into dir: URL, removing: [String] = []) throws -> [String] {
        try write(files, into: dir, removing: removing, calls: Calls())
    }

    static func write(_ files: [File], into dir: URL, removing: [String], calls: Calls) throws -> [String] {
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
                                  reportedAs: dir.appendingPathComponent(f.name).path, flush: false)
        }
        // Data durable before any rename: a crash after one must not leave an empty file in place.
        let stagingFD = open(staging.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard stagingFD >= 0 else { throw FileWriteError(path: dir.path, errno: errno) }
        let flushed = calls.flushFiles(stagingFD)
        let flushError = errno
        close(stagingFD)
        guard flushed == 0 else { throw FileWriteError(path: dir.path, errno: flushError) }

        // Each change done, with how to undo it.
        var undo: [() -> Void] = []
        func rollBack() { for u in undo.reversed() { u() } }
        func place(_ f: File) throws {
            let target = dir.appendingPathComponent(f.name).path
            let backup = staging.appendingPathComponent(".previous." + f.name).path
            let kept = link(target, backup) == 0
            guard calls.rename(staging.appendingPathComponent(f.name).path, target) == 0 else {
                let code = errno
                rollBack()
                throw FileWriteError(path: target, errno: code)
            }
            undo.append { if kept { _ = calls.rename(backup, target) } else { unlink(target) } }
        }
        var removed: [String] = []
        // A name written now is never removed, whatever its case (a file system may ignore case).
        let writing = Set(files.map { $0.name.lowercased() })
        for f in files.dropLast() { try place(f) }
        for name in removing where !name.contains("/") && !writing.contains(name.lowercased()) {
            let target = dir.appendingPathComponent(name).path
            var info = stat()
            // Only a plain file: never a folder, a link or a device someone put there.
            guard lstat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let aside = staging.appendingPathComponent(".removed." + name).path
            guard calls.rename(target, aside) == 0 else {
                let code = errno
                rollBack()
                throw FileWriteError(path: target, errno: code)
            }
            undo.append { _ = calls.rename(aside, target) }
            removed.append(name)
        }
        if let last = files.last { try place(last) }

        let fd = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { calls.flushFolder(fd); close(fd) }
        return removed
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

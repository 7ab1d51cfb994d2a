import Foundation

/// kdnetctl's own state, per user: `$XDG_STATE_HOME/kdnetctl` (default
/// `~/.local/state/kdnetctl`), kept 0700 because what it points at leads to keys.
public struct StateDirectory: Sendable, Equatable {
    public let url: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".local/state")
        url = base.appendingPathComponent("kdnetctl")
    }

    /// A folder inside, such as `vm-backups`.
    public func appending(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Creates the directory 0700, or narrows an existing one to 0700 (the user may have
    /// made it with their umask). Parents are created with the umask, as `mkdir -p` does.
    public func prepare() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if mkdir(url.path, 0o700) != 0 && errno != EEXIST { throw FileWriteError(path: url.path, errno: errno) }
        guard chmod(url.path, 0o700) == 0 else { throw FileWriteError(path: url.path, errno: errno) }
    }
}

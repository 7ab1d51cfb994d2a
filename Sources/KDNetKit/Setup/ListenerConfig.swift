import Foundation

/// The listener configuration `kdnetctl plan` writes and `kdnetctl listen --config` reads:
/// one port and key per target, all listened on at once. It holds keys, so it is
/// written with mode 0600.
public struct ListenerConfig: Codable, Sendable, Equatable {
    public struct Target: Codable, Sendable, Equatable {
        /// The target's name from the inventory.
        public var name: String
        /// The UDP port the target sends to (and the host listens on).
        public var port: UInt16
        /// The full key text; this file is a secret.
        public var key: String
        /// The address the target is expected to send from, when known.
        public var address: String?

        public init(name: String, port: UInt16, key: String, address: String? = nil) {
            self.name = name; self.port = port; self.key = key; self.address = address
        }
    }

    public var version: Int
    /// The host address the targets were told to send to.
    public var hostIp: String?
    public var targets: [Target]

    public init(hostIp: String?, targets: [Target]) {
        self.version = 1; self.hostIp = hostIp; self.targets = targets
    }

    /// Reads and validates a config: every key parses, every port is unique.
    public static func load(from url: URL) throws -> ListenerConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ListenerConfigError.unreadable(url.path)
        }
        let config: ListenerConfig
        do { config = try JSONOutput.decoder().decode(ListenerConfig.self, from: data) } catch {
            throw ListenerConfigError.malformed(url.path)
        }
        try config.validate(path: url.path)
        return config
    }

    public func validate(path: String) throws {
        guard !targets.isEmpty else { throw ListenerConfigError.noTargets(path) }
        var seen: [UInt16: String] = [:]
        for t in targets {
            do { _ = try DebugKey(parsing: t.key) } catch { throw ListenerConfigError.badKey(path, t.name, error) }
            if let other = seen[t.port] { throw ListenerConfigError.duplicatePort(path, t.port, other, t.name) }
            seen[t.port] = t.name
        }
    }

    public func write(to url: URL) throws {
        try AtomicFile.write(try JSONOutput.encoder().encode(self), to: url, mode: AtomicFile.secretMode)
    }
}

public enum ListenerConfigError: Error, LocalizedError, Sendable {
    case unreadable(String)
    case malformed(String)
    case noTargets(String)
    case badKey(String, String, KeyError)
    case duplicatePort(String, UInt16, String, String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let p): return "cannot read listener config \(p); give the listener.json that `kdnetctl plan` wrote"
        case .malformed(let p): return "\(p) is not a listener config; give the listener.json that `kdnetctl plan` wrote"
        case .noTargets(let p): return "\(p) lists no targets; add targets to the inventory and run `kdnetctl plan` again"
        case .badKey(let p, let n, let e): return "\(p): the key of target \(n) is invalid: \(e.errorDescription ?? "")"
        case .duplicatePort(let p, let port, let a, let b): return "\(p): targets \(a) and \(b) both use port \(port); each target needs its own port"
        }
    }
}

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
        self.version = Self.supportedVersion; self.hostIp = hostIp; self.targets = targets
    }

    public static let supportedVersion = 1

    /// Reads and checks a config. Every problem is reported with the entry (target name, or
    /// `targets[i]` when it has none) and the field, since the file may be edited by hand.
    /// It holds every target's key, so one that others can get at is refused (`SecretFile`),
    /// once it is known to be a listener config: a file that is not one gets that message,
    /// never `chmod` advice.
    public static func load(from url: URL) throws -> ListenerConfig {
        let (text, access) = try text(of: url)
        let config = try parse(Data(text.utf8), source: url.path)
        try refuseIfExposed(access, path: url.path)
        return config
    }

    /// What a listener config holds, in `SecretFile`'s messages.
    public static let secretDescription = "the targets' keys"

    private static func text(of url: URL) throws -> (String, SecretFile.Access?) {
        do throws(TextInputError) {
            return try TextInput.readWithAccess(path: url.path, expecting: "the listener.json that `kdnetctl plan` wrote")
        } catch {
            if error.problem == .empty { throw ListenerConfigError.damaged(url.path, "it is empty") }
            throw error
        }
    }

    private static func refuseIfExposed(_ access: SecretFile.Access?, path: String) throws {
        if let access, let problem = SecretFile.problem(access, path: path, holding: secretDescription) { throw problem }
    }

    /// Checks JSON text as `load` does; `source` names it in errors.
    public static func parse(_ data: Data, source: String) throws -> ListenerConfig {
        try ListenerConfigReader(source: source).config(try root(of: data, source: source), lenient: false).config
    }

    /// What a long-running service reads: the good targets, and one problem per entry
    /// refused (a bad field, a name or port used twice). The file as a whole (JSON, the
    /// top level, an empty list) must still be right, or it throws as `parse` does.
    public struct Lenient: Sendable, Equatable {
        public var config: ListenerConfig
        /// `.invalid` errors, one per refused entry, in file order.
        public var refused: [ListenerConfigError]
    }

    public static func loadLenient(from url: URL) throws -> Lenient {
        let (text, access) = try text(of: url)
        let lenient = try parseLenient(Data(text.utf8), source: url.path)
        try refuseIfExposed(access, path: url.path)
        return lenient
    }

    public static func parseLenient(_ data: Data, source: String) throws -> Lenient {
        let (config, refused) = try ListenerConfigReader(source: source).config(try root(of: data, source: source), lenient: true)
        return Lenient(config: config, refused: refused)
    }

    private static func root(of data: Data, source: String) throws -> JSONValue {
        do { _ = try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) } catch {
            throw ListenerConfigError.damaged(source, damageLocation(error, in: data))
        }
        do { return try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw ListenerConfigError.damaged(source, "it is not valid JSON")
        }
    }

    /// Foundation says "around character N" (a byte offset) or "Unexpected end of file";
    /// turn that into what an editor shows.
    static func damageLocation(_ error: Error, in data: Data) -> String {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? ""
        if detail.localizedCaseInsensitiveContains("end of file") { return "it ends early, as if cut off" }
        guard let range = detail.range(of: #"character \d+"#, options: .regularExpression),
              let offset = Int(detail[range].dropFirst("character ".count)) else {
            return "it is not valid JSON"
        }
        let before = data.prefix(offset)
        let line = before.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let column = before.count - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "it is not valid JSON at line \(line), column \(column)"
    }

    /// Refuses (writing nothing) a config its readers would refuse, such as a target name
    /// outside the rule: the wizard makes one from a VM's name.
    public func write(to url: URL) throws {
        let data = try JSONOutput.data(self)
        _ = try Self.parse(data, source: url.path)
        try AtomicFile.write(data, to: url, mode: AtomicFile.secretMode)
    }

    /// This config with `target` appended, checked as a file is: a name (ignoring case)
    /// or port already used, a bad port or key is refused with the reader's message.
    public func adding(target: Target, source: String = "listener.json") throws -> ListenerConfig {
        var grown = self
        grown.targets.append(target)
        return try Self.parse(try JSONOutput.data(grown), source: source)
    }

    /// Appends `target` to the listener.json at `url`, replacing the file atomically
    /// (the lab service re-reads it on SIGHUP); nothing is written when it is refused.
    @discardableResult
    public static func add(target: Target, toFileAt url: URL) throws -> ListenerConfig {
        let grown = try load(from: url).adding(target: target, source: url.path)
        try grown.write(to: url)
        return grown
    }
}

/// Walks the JSON of a listener config, checking each field as it goes.
struct ListenerConfigReader {
    let source: String

    private func problem(_ entry: String?, _ text: String) -> ListenerConfigError {
        .invalid(source, entry: entry, problem: text)
    }

    /// A value as the user wrote it: text quoted by `TerminalText.quoted`, anything else
    /// as compact JSON, escaped and cut short alike.
    private func shown(_ value: JSONValue) -> String {
        value.string.map(shown) ?? TerminalText.escaped(String(value.compact.prefix(40)))
    }
    private func shown(_ text: String) -> String { TerminalText.quoted(text) }

    /// `lenient`: a bad entry is refused (returned with its problem) instead of failing the whole file.
    func config(_ root: JSONValue, lenient: Bool) throws(ListenerConfigError) -> (config: ListenerConfig, refused: [ListenerConfigError]) {
        guard let object = root.object else {
            throw problem(nil, "the top level is not a JSON object; a listener config is an object with version, host_ip and targets, as `kdnetctl plan` writes it")
        }
        try onlyKnown(object, ["version", "host_ip", "targets"], entry: nil, what: "the top level has")
        guard let version = object["version"] else { throw problem(nil, "version is missing; a listener config starts with \"version\": \(ListenerConfig.supportedVersion)") }
        guard version.int == ListenerConfig.supportedVersion else {
            throw problem(nil, "version \(shown(version)) is not supported: this kdnetctl reads version \(ListenerConfig.supportedVersion); run `kdnetctl plan` again to write one it reads")
        }
        var hostIp: String?
        if let value = object["host_ip"], value != .null {
            guard let text = value.string else { throw problem(nil, "host_ip \(shown(value)) is not text; give the host's address in quotes") }
            do { _ = try HostAddress(parsing: text) } catch {
                throw problem(nil, "host_ip \(shown(text)) is not an IPv4 or IPv6 address; give the address the targets send to")
            }
            hostIp = text
        }
        guard let entries = object["targets"]?.array else {
            throw problem(nil, object["targets"] == nil ? "targets is missing; give a list of targets with name, port and key"
                                                         : "targets is not a list; give a list of targets with name, port and key")
        }
        guard !entries.isEmpty else {
            throw problem(nil, "targets is empty; add targets to the inventory and run `kdnetctl plan` again")
        }
        var targets: [ListenerConfig.Target] = []
        var refused: [ListenerConfigError] = []
        var names: [String: String] = [:]
        var ports: [UInt16: String] = [:]
        for (index, value) in entries.enumerated() {
            do throws(ListenerConfigError) {
                let t = try target(value, index: index)
                let entry = "target \(shown(t.name))"
                if let other = names[t.name.lowercased()] {
                    throw problem("targets[\(index)]", "its name \(shown(t.name)) is also used by \(other); names must be unique (ignoring case)")
                }
                if let other = ports[t.port] {
                    throw problem(entry, "port \(t.port) is also used by \(other); each target needs its own port")
                }
                names[t.name.lowercased()] = "targets[\(index)]"; ports[t.port] = entry
                targets.append(t)
            } catch {
                guard lenient else { throw error }
                refused.append(error)
            }
        }
        return (ListenerConfig(hostIp: hostIp, targets: targets), refused)
    }

    private func target(_ value: JSONValue, index: Int) throws(ListenerConfigError) -> ListenerConfig.Target {
        var entry = "targets[\(index)]"
        guard let object = value.object else { throw problem(entry, "is not an object with name, port and key") }
        guard let nameValue = object["name"] else { throw problem(entry, "name is missing") }
        guard let name = nameValue.string else { throw problem(entry, "name \(shown(nameValue)) is not text; give the target's name in quotes") }
        // The inventory's rule: the name is a file name here (serve's DIR/NAME.log) as it was there.
        if let bad = TargetName.problem(name) {
            throw problem(entry, "name \(shown(name)) \(TargetName.explanation(name, bad))")
        }
        entry = "target \(shown(name))"
        try onlyKnown(object, ["name", "port", "key", "address"], entry: entry, what: "it has")
        guard let portValue = object["port"] else { throw problem(entry, "port is missing; give the UDP port the target sends to (50000-50039)") }
        guard case .number(let number) = portValue, number == number.rounded(), abs(number) < 1e9 else {
            throw problem(entry, "port \(shown(portValue)) is not a whole number; give the UDP port the target sends to (50000-50039)")
        }
        let port: DebugPort
        do { port = try DebugPort(validating: Int(number)) } catch { throw problem(entry, error.errorDescription ?? "") }
        guard let keyValue = object["key"] else { throw problem(entry, "key is missing; give the target's key (a.b.c.d)") }
        guard let key = keyValue.string else { throw problem(entry, "key is not text; give the target's key in quotes") }
        do { _ = try DebugKey(parsing: key) } catch { throw problem(entry, "the key is invalid: \(error.errorDescription ?? "")") }
        var address: String?
        if let value = object["address"], value != .null {
            guard let text = value.string, IPAddress(text) != nil else {
                throw problem(entry, "address \(shown(value)) is not an IPv4 or IPv6 address; give the address the target sends from, or leave it out")
            }
            address = text
        }
        return ListenerConfig.Target(name: name, port: port.value, key: key, address: address)
    }

    private func onlyKnown(_ object: [String: JSONValue], _ known: [String], entry: String?, what: String) throws(ListenerConfigError) {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw problem(entry, "\(what) an unknown field \(shown(unknown)); the fields are \(known.joined(separator: ", "))")
        }
    }
}

public enum ListenerConfigError: Error, LocalizedError, Sendable, Equatable {
    /// Not JSON any more (cut off, overwritten): the file plan wrote is gone.
    case damaged(String, String)
    /// JSON, but a field is wrong; `entry` is the target (by name or index) or nil for the top level.
    case invalid(String, entry: String?, problem: String)

    public var errorDescription: String? {
        switch self {
        case .damaged(let p, let detail):
            return "\(p) is damaged (\(detail)); to write it again, move it aside and re-run `kdnetctl plan` with the same inventory and --out (targets without a key in the inventory then get new ones; host-table.txt still lists the old keys)"
        case .invalid(let p, let entry, let problem):
            return "\(p): " + (entry.map { "\($0): " } ?? "") + problem
        }
    }
}

/// What a re-read config changes, target by target (matched by name): the lab service
/// keeps the sessions of `kept`, starts new sessions on the same sockets for `rekeyed`,
/// moves `moved` to their new port, binds `added` and closes `removed`.
public struct LabConfigDiff: Sendable, Equatable {
    /// Same name, port, key and address: the live session goes on.
    public var kept: [String] = []
    /// Same name and port, another key or address: a new session on the same port.
    public var rekeyed: [String] = []
    /// Same name, another port.
    public var moved: [String] = []
    public var added: [String] = []
    public var removed: [String] = []

    public init(old: [ListenerConfig.Target], new: [ListenerConfig.Target]) {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Set(new.map(\.name))
        for t in new {
            guard let was = before[t.name] else { added.append(t.name); continue }
            if was == t { kept.append(t.name) } else if was.port == t.port { rekeyed.append(t.name) } else { moved.append(t.name) }
        }
        removed = old.map(\.name).filter { !names.contains($0) }
    }

    public var isEmpty: Bool { rekeyed.isEmpty && moved.isEmpty && added.isEmpty && removed.isEmpty }
}

import Foundation

/// The parts of `nft -j list ruleset` the input-path evaluation needs.
public struct NftRuleset: Sendable, Equatable {
    public struct ChainKey: Sendable, Hashable { public var family, table, name: String }

    public struct Chain: Sendable, Equatable {
        public var key: ChainKey
        public var type: String?
        public var hook: String?
        public var priority: Int
        public var policy: String?
        public var rules: [Rule]
    }

    public struct Rule: Sendable, Equatable {
        public var handle: Int?
        public var expr: [JSONValue]
    }

    public struct SetKey: Sendable, Hashable { public var family, table, name: String }

    public var chains: [ChainKey: Chain] = [:]
    public var sets: [SetKey: [JSONValue]] = [:]
    public var tableCount = 0

    public var isEmpty: Bool { tableCount == 0 && chains.isEmpty }

    public init() {}

    /// Parses libnftables' JSON output (the `{"nftables": [...]}` document).
    public init(json data: Data) throws(FirewallError) {
        guard let doc = try? JSONDecoder().decode(JSONValue.self, from: data), let items = doc["nftables"]?.array else {
            throw .unreadableRuleset("the JSON has no \"nftables\" array")
        }
        var pending: [(ChainKey, Rule)] = []
        for item in items {
            guard let (kind, body) = item.tagged else { continue }
            let family = body["family"]?.string ?? "", table = body["table"]?.string ?? ""
            switch kind {
            case "table":
                tableCount += 1
            case "chain":
                guard let name = body["name"]?.string else { continue }
                let key = ChainKey(family: family, table: table, name: name)
                chains[key] = Chain(key: key, type: body["type"]?.string, hook: body["hook"]?.string,
                                    priority: Self.priority(body["prio"]), policy: body["policy"]?.string, rules: [])
            case "rule":
                guard let chain = body["chain"]?.string else { continue }
                pending.append((ChainKey(family: family, table: table, name: chain),
                                Rule(handle: body["handle"]?.int, expr: body["expr"]?.array ?? [])))
            case "set", "map":
                guard let name = body["name"]?.string else { continue }
                sets[SetKey(family: family, table: table, name: name)] = body["elem"]?.array ?? []
            default:
                continue
            }
        }
        for (key, rule) in pending { chains[key]?.rules.append(rule) }
    }

    /// `prio` is a number, or with newer nft a `{"prio": n}`-like object.
    private static func priority(_ v: JSONValue?) -> Int {
        if let n = v?.int { return n }
        if let n = v?["offset"]?.int { return n }
        return 0
    }

    /// Base chains on the input hook that see a packet of `family` (inet sees both), in
    /// the order the kernel runs them: lowest priority first.
    func inputChains(for family: IPAddress.Family) -> [Chain] {
        chains.values.filter { c in
            c.hook == "input" && (c.type ?? "filter") == "filter"
                && (c.key.family == "inet" || c.key.family == family.nftFamily)
        }.sorted { ($0.priority, $0.key.family, $0.key.table) < ($1.priority, $1.key.family, $1.key.table) }
    }
}

public enum FirewallError: Error, LocalizedError, Sendable, Equatable {
    case unreadableRuleset(String)
    case notPermitted
    case listFailed(String)

    public var errorDescription: String? {
        switch self {
        case .unreadableRuleset(let why): return "cannot read the nftables ruleset: \(why); check `nft -j list ruleset` by hand"
        case .notPermitted: return "reading the nftables ruleset needs root (CAP_NET_ADMIN); run kdnetctl firewall with sudo"
        case .listFailed(let why): return "nft list ruleset failed: \(why); check that the nf_tables kernel module is available"
        }
    }
}

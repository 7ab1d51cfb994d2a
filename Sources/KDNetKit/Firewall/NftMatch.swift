import Foundation

/// Decides one `match` expression of a rule against the packet.
struct NftMatch {
    let packet: InboundPacket
    let ruleset: NftRuleset
    let family: String
    let table: String

    func evaluate(_ match: JSONValue) -> Tri {
        guard let left = match["left"], let right = match["right"] else { return .unknown("a match without operands") }
        let op = match["op"]?.string ?? "=="
        let value = packet.value(of: left)
        switch value {
        case .absent: return .no
        case .unknown(let why): return .unknown("\(RuleText.expression(left)) depends on \(why)")
        case .someInterface:
            if case .unknown(let why) = contains(right, value) { return .unknown("\(RuleText.expression(left)) depends on \(why)") }
        case .unsupported(let what): return .unknown("kdnetctl does not understand `\(what)`")
        default: break
        }
        switch op {
        case "==", "in": return contains(right, value)
        case "!=": return contains(right, value).negated
        case "<", ">", "<=", ">=":
            guard case .number(let n) = value, let r = right.int else { return .unknown("`\(op)` on \(RuleText.expression(left))") }
            switch op {
            case "<": return n < r ? .yes : .no
            case ">": return n > r ? .yes : .no
            case "<=": return n <= r ? .yes : .no
            default: return n >= r ? .yes : .no
            }
        default:
            return .unknown("the operator `\(op)`")
        }
    }

    /// Whether `right` (a value, set, range, prefix, list or @named set) holds `value`.
    func contains(_ right: JSONValue, _ value: PacketValue) -> Tri {
        if case .flags(let flags) = value {
            let wanted = right.array?.compactMap(\.string) ?? right.string.map { [$0] } ?? []
            return wanted.contains { flags.contains($0) } ? .yes : .no
        }
        switch right {
        case .array(let items):
            return Tri.any(items.map { contains($0, value) })
        case .string(let s) where s.hasPrefix("@"):
            guard let elements = ruleset.sets[.init(family: family, table: table, name: String(s.dropFirst()))] else {
                return .unknown("the set \(s) is not in the ruleset")
            }
            return Tri.any(elements.map { contains($0, value) })
        case .object:
            guard let (kind, body) = right.tagged else { return .unknown("the value \(right.compact)") }
            switch kind {
            case "set": return Tri.any((body.array ?? [body]).map { contains($0, value) })
            case "elem": return body["val"].map { contains($0, value) } ?? .unknown("a set element without value")
            case "range":
                guard let ends = body.array, ends.count == 2 else { return .unknown("the range \(body.compact)") }
                return inRange(value, ends[0], ends[1])
            case "prefix":
                guard case .address(let a) = value, let p = body["addr"]?.string.flatMap(IPAddress.init),
                      let len = body["len"]?.int else { return .unknown("the prefix \(body.compact)") }
                return a.unmapped.isIn(prefix: p, length: len) ? .yes : .no
            default:
                return .unknown("the value `\(kind)`")
            }
        default:
            return equal(right, value)
        }
    }

    private func equal(_ right: JSONValue, _ value: PacketValue) -> Tri {
        switch (value, right) {
        case (.number(let n), .number): return right.int == n ? .yes : .no
        case (.number(let n), .string(let s)):
            if let r = Int(s) { return r == n ? .yes : .no }
            return .unknown("the service name \"\(s)\"")
        case (.proto(_, let n), .number): return right.int == n ? .yes : .no
        case (.proto(let name, let n), .string(let s)): return s == name || Int(s) == n ? .yes : .no
        case (.someInterface, .string(let s)):
            return s == "lo" ? .no : .unknown("the input interface (pass --interface)")
        case (.string(let v), .string(let s)):
            // nftables interface names take a trailing `*` as a prefix wildcard.
            if s.hasSuffix("*") && !s.hasSuffix("\\*") { return v.hasPrefix(s.dropLast()) ? .yes : .no }
            return v == s ? .yes : .no
        case (.address(let a), .string(let s)):
            guard let r = IPAddress(s) else { return .unknown("the address \"\(s)\"") }
            return a.unmapped.bytes == r.bytes ? .yes : .no
        default:
            return .unknown("comparing with \(right.compact)")
        }
    }

    private func inRange(_ value: PacketValue, _ low: JSONValue, _ high: JSONValue) -> Tri {
        switch value {
        case .number(let n):
            guard let l = low.int, let h = high.int else { return .unknown("the range \(low.compact)-\(high.compact)") }
            return (l...h).contains(n) ? .yes : .no
        case .address(let a):
            guard let l = low.string.flatMap(IPAddress.init), let h = high.string.flatMap(IPAddress.init),
                  l.bytes.count == a.bytes.count else { return .unknown("the range \(low.compact)-\(high.compact)") }
            return l.bytes.lexicographicallyPrecedes(a.bytes) || l.bytes == a.bytes
                ? (a.bytes.lexicographicallyPrecedes(h.bytes) || a.bytes == h.bytes ? .yes : .no) : .no
        default:
            return .unknown("a range on \(value)")
        }
    }
}

import Foundation

/// Renders nftables JSON rules back into nft's own syntax, close enough for a person
/// to recognise the rule in `nft list ruleset`; unknown parts stay JSON.
enum RuleText {
    static func rule(_ expr: [JSONValue]) -> String {
        expr.map(statement).joined(separator: " ")
    }

    static func statement(_ s: JSONValue) -> String {
        guard let (kind, body) = s.tagged else { return s.compact }
        switch kind {
        case "match":
            let op = body["op"]?.string ?? "=="
            let l = body["left"].map(expression) ?? "?"
            let r = body["right"].map { value($0, quoted: l.hasPrefix("iifname") || l.hasPrefix("iif")) } ?? "?"
            return op == "==" || op == "in" ? "\(l) \(r)" : "\(l) \(op) \(r)"
        case "accept", "drop", "return", "continue": return kind
        case "jump", "goto": return "\(kind) \(body["target"]?.string ?? "?")"
        case "reject":
            guard let type = body["type"]?.string else { return "reject" }
            return "reject with \(type) \(body["expr"]?.string ?? "")".trimmingCharacters(in: .whitespaces)
        case "counter", "log", "notrack": return kind
        case "limit":
            return "limit rate \(body["rate"]?.compact ?? "?")/\(body["per"]?.string ?? "second")"
        default:
            return "\(kind) \(body.compact)"
        }
    }

    static func expression(_ e: JSONValue) -> String {
        guard let (kind, body) = e.tagged else { return e.compact }
        switch kind {
        case "meta":
            let key = body["key"]?.string ?? "?"
            return ["iifname", "iif", "oifname", "oif"].contains(key) ? key : "meta \(key)"
        case "payload": return "\(body["protocol"]?.string ?? "raw") \(body["field"]?.string ?? "?")"
        case "ct": return "ct \(body["key"]?.string ?? "?")"
        case "fib": return "fib \((body["flags"]?.array ?? []).compactMap(\.string).joined(separator: " . ")) \(body["result"]?.string ?? "?")"
        default: return "\(kind) \(body.compact)"
        }
    }

    static func value(_ v: JSONValue, quoted: Bool = false) -> String {
        switch v {
        case .string(let s): return quoted ? "\"\(s)\"" : s
        case .number: return v.compact
        case .array(let items): return items.map { value($0, quoted: quoted) }.joined(separator: ",")
        default:
            guard let (kind, body) = v.tagged else { return v.compact }
            switch kind {
            case "set": return "{ " + (body.array ?? [body]).map { value($0, quoted: quoted) }.joined(separator: ", ") + " }"
            case "range": return (body.array ?? []).map { value($0) }.joined(separator: "-")
            case "prefix": return "\(body["addr"]?.string ?? "?")/\(body["len"]?.compact ?? "?")"
            case "elem": return body["val"].map { value($0, quoted: quoted) } ?? body.compact
            default: return v.compact
            }
        }
    }
}

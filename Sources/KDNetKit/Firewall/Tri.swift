/// Three-valued match result: a rule may match, not match, or depend on something unknown.
enum Tri: Equatable {
    case yes, no
    case unknown(String)

    static func any(_ items: [Tri]) -> Tri {
        if items.contains(.yes) { return .yes }
        return items.first { if case .unknown = $0 { return true }; return false } ?? .no
    }

    var negated: Tri {
        switch self {
        case .yes: return .no
        case .no: return .yes
        case .unknown: return self
        }
    }
}

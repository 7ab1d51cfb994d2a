/// The answers every diagnostic check gives, so `doctor`, `vm check`, the probes and the
/// wizard line them up alike.
public enum CheckVerdict: String, Codable, Sendable, Comparable {
    case pass, warn, fail
    /// The check could not run here (its part is not available in this build); only the
    /// wizard says it, for a service it lacks. Ranked below warn: nothing is known to be wrong,
    /// but nothing was checked either.
    case unavailable

    private var rank: Int {
        switch self {
        case .pass: return 0
        case .unavailable: return 1
        case .warn: return 2
        case .fail: return 3
        }
    }
    public static func < (a: CheckVerdict, b: CheckVerdict) -> Bool { a.rank < b.rank }
}

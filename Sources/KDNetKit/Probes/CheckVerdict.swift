/// The three answers every diagnostic check gives, so `doctor` can line them up.
public enum CheckVerdict: String, Codable, Sendable, Comparable {
    case pass, warn, fail

    private var rank: Int { self == .pass ? 0 : self == .warn ? 1 : 2 }
    public static func < (a: CheckVerdict, b: CheckVerdict) -> Bool { a.rank < b.rank }
}

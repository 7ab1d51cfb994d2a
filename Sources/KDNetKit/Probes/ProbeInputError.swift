import Foundation

/// Bad flag values given to a probe: usage problems (exit 64).
public enum ProbeInputError: Error, LocalizedError, Sendable, Equatable {
    case badPort(Int)
    case emptyKey
    case badCount(Int)
    case badMax(Int)
    case badTimeout(Double)

    public var errorDescription: String? {
        switch self {
        case .badPort(let p):
            return "port \(p) is outside 1-65535; KDNET uses 50000-50039 by default"
        case .emptyKey:
            return "the probe key is empty; pass the KDNET key (--key a.b.c.d) or any shared passphrase, the same on both machines"
        case .badCount(let n):
            return "count \(n) is outside 1-1000; use a small number such as 3"
        case .badMax(let n):
            return "--max \(n) is outside 1-1000; give how many probes to answer before stopping, or leave --max out to answer until --timeout"
        case .badTimeout(let t):
            return "timeout \(t) is outside 0.1-3600 seconds; use a few seconds such as 5"
        }
    }
}

import Foundation

/// The three answers every diagnostic check gives, so `doctor` can line them up.
public enum CheckVerdict: String, Codable, Sendable, Comparable {
    case pass, warn, fail

    private var rank: Int { self == .pass ? 0 : self == .warn ? 1 : 2 }
    public static func < (a: CheckVerdict, b: CheckVerdict) -> Bool { a.rank < b.rank }
}

/// Bad flag values given to a probe: usage problems (exit 64).
public enum ProbeInputError: Error, LocalizedError, Sendable, Equatable {
    case badAddress(String)
    case unknownZone(String, String)
    case badPort(Int)
    case emptyKey
    case badCount(Int)
    case badMax(Int)
    case badTimeout(Double)

    public var errorDescription: String? {
        switch self {
        case .badAddress(let a):
            return "'\(a)' is not an IPv4 or IPv6 address; give one like 192.168.1.20 or fe80::1%eth0"
        case .unknownZone(let a, let zone):
            return IPAddress.unknownZoneMessage(a, zone)
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

/// Runtime failures of the probes (sockets, /proc): exit 1.
public enum ProbeError: Error, LocalizedError, Sendable, Equatable {
    case socket(String, Int32)
    case cannotRead(String, Int32)

    public var errorDescription: String? {
        switch self {
        case .socket(let what, let code):
            return "\(what) failed: \(String(cString: strerror(code))); \(Self.socketHint(code))"
        case .cannotRead(let path, let code):
            return "cannot read \(path): \(String(cString: strerror(code))); check that /proc is mounted"
        }
    }

    private static func socketHint(_ code: Int32) -> String {
        switch code {
        case EADDRINUSE: return "another program holds the port; find it with `kdnetctl probe port --port P`"
        case EACCES, EPERM: return "run as root, or pick a port above 1023"
        case ENETUNREACH, EHOSTUNREACH: return "there is no route to that address; check it with `kdnetctl probe route ADDR`"
        case EADDRNOTAVAIL: return "the address is not on any interface of this machine"
        case EAFNOSUPPORT: return "this address family is disabled on this machine"
        default: return "check the address and port"
        }
    }
}

enum ProbeLimits {
    static func validate(port: Int) throws(ProbeInputError) {
        guard (1...65535).contains(port) else { throw .badPort(port) }
    }
    static func validate(count: Int) throws(ProbeInputError) {
        guard (1...1000).contains(count) else { throw .badCount(count) }
    }
    static func validate(max: Int) throws(ProbeInputError) {
        guard (1...1000).contains(max) else { throw .badMax(max) }
    }
    static func validate(timeout: Double) throws(ProbeInputError) {
        guard timeout >= 0.1 && timeout <= 3600 else { throw .badTimeout(timeout) }
    }
}

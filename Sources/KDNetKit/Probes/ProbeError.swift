import Foundation

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

import Foundation

public enum HostNetworkError: Error, Equatable, LocalizedError {
    case netlink(String)

    public var errorDescription: String? {
        switch self {
        case .netlink(let why):
            return "cannot read this host's interfaces from the kernel (netlink \(why)); run kdnetctl on Linux with /proc and netlink available"
        }
    }
}

/// Bad flag values for `host` (exit 64).
public enum HostNetworkUsageError: Error, Equatable, LocalizedError {
    case badTarget(String)
    case unknownZone(String, String)

    public var errorDescription: String? {
        switch self {
        case .badTarget(let t):
            return "'\(t)' is not an IP address; give the target's IPv4 or IPv6 address to --target, e.g. 192.168.1.50"
        case .unknownZone(let t, let zone):
            return IPAddress.unknownZoneMessage(t, zone)
        }
    }
}

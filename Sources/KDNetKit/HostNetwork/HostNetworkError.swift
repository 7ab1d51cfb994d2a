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


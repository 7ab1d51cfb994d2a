import Foundation

/// What a zone names on this host: interface names and indexes are the host's, so
/// they are asked here, outside the protocol core.
extension IPAddress {
    /// The zone (`%eth9`), when this host has no interface of that name or index.
    public var unknownZone: String? {
        guard let scope else { return nil }
        return scopeIndex == 0 ? scope : nil
    }

    /// The interface index the zone names (what `sin6_scope_id` carries); 0 for none or an unknown one.
    public var scopeIndex: UInt32 {
        guard let scope else { return 0 }
        if let index = UInt32(scope) {
            var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
            return if_indextoname(index, &name) == nil ? 0 : index
        }
        return if_nametoindex(scope)
    }

    /// The zone for an interface index, by the interface's name when it still has one.
    public static func scope(ofIndex index: UInt32) -> String? {
        guard index != 0 else { return nil }
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        return if_indextoname(index, &name) != nil ? String(cChars: name) : String(index)
    }

    /// An address typed by the user: either family, and a zone must name an interface of
    /// this host, since the kernel would otherwise drop it without a word.
    public static func parse(_ text: String) throws(IPAddressError) -> IPAddress {
        guard let address = IPAddress(text) else { throw .malformed(text) }
        if let zone = address.unknownZone { throw .unknownZone(text, zone) }
        return address
    }
}

/// An address the user gave that this host cannot use; one message per problem, whichever
/// command or flag it came from.
public enum IPAddressError: Error, LocalizedError, Equatable, Sendable {
    case malformed(String)
    case unknownZone(String, String)

    public var errorDescription: String? {
        switch self {
        case .malformed(let text):
            return "'\(text)' is not an IPv4 or IPv6 address; give one like 192.168.1.20, fd00::10 or fe80::1%eth0"
        case .unknownZone(let text, let zone):
            return "\(text) names the zone \(zone), but this host has no interface \(zone); give the interface the target is on, as `ip -brief link` lists it (e.g. fe80::1%eth0)"
        }
    }
}
